/**
 * One factory for every provider kind, by its configuration.
 * @module
 */

import type { IdvProvider } from '@recovery-gate/core';
import type { IdvProviderConfig } from './config.js';
import type { Fetch } from './http.js';
import { createOidcIaProvider } from './oidc-ia.js';
import { createVerifiedIdProvider } from './verified-id.js';

/** Creates the provider a configuration describes. */
export function createIdvProvider(
  name: string,
  config: IdvProviderConfig,
  options: { readonly fetch?: Fetch; readonly now?: () => number } = {},
): IdvProvider {
  return config.kind === 'oidc_ia'
    ? createOidcIaProvider(name, config, options)
    : createVerifiedIdProvider(name, config, options);
}
