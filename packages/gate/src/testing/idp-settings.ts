/**
 * What each adapter declares about its IdP (`provider.settings`), for the gate's test doubles: a double
 * that stands in for an IdP says what that IdP's adapter says.
 * @module
 */

import type { IdpKind, IdpSettings } from '@recovery-gate/core';
import { settings as entra } from '@recovery-gate/entra';
import { settings as keycloak } from '@recovery-gate/keycloak';
import { settings as okta } from '@recovery-gate/okta';

/** The adapters' declared settings, by IdP. */
export const ADAPTER_SETTINGS: Readonly<Record<IdpKind, IdpSettings>> = { okta, entra, keycloak };
