/**
 * Builds the providers the configuration names, with each adapter's `createProvider`.
 * @module
 */

import { GateError, type IdpKind, type RecoveryProvider } from '@recovery-gate/core';
import type { Adapters } from './adapters.js';
import type { GateConfig } from './schema.js';

const IDPS: readonly IdpKind[] = ['okta', 'entra', 'keycloak'];

/**
 * Creates a provider per configured IdP.
 * @throws ERR_CONFIG_INVALID when a configured IdP has no adapter in this build.
 */
export async function buildProviders(
  providers: GateConfig['providers'],
  adapters: Adapters,
  options: Record<string, unknown>,
): Promise<Map<IdpKind, RecoveryProvider>> {
  const out = new Map<IdpKind, RecoveryProvider>();
  for (const idp of IDPS) {
    const section = providers[idp];
    if (section === undefined) continue;
    const adapter = adapters[idp];
    if (adapter === undefined) {
      throw new GateError(
        'ERR_CONFIG_INVALID',
        `providers.${idp}: the ${idp} adapter is not available in this build`,
      );
    }
    out.set(idp, await adapter.createProvider(section as never, options));
  }
  return out;
}
