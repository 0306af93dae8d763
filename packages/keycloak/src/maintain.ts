/**
 * The upkeep while the gate runs (`RecoveryProvider.maintain`): Keycloak pushes nothing, so the gate's feed
 * is what the realm stores and the gate polls; an admin (or an attacker) who turns login or admin events
 * off, drops their representations or removes an event type the gate reads from an explicit list blinds
 * the gate to native recoveries and channel changes. Each run reads the realm's events config, writes it
 * back as the gate needs it (everything else kept) and reports `restored`; it then reads again and fails
 * unless the config holds. Needs the gate's `manage-events` role (granted by `apply`).
 * @see https://www.keycloak.org/docs/latest/server_admin/#auditing-and-events
 * @module
 */

import { GateError, type MaintenanceResult } from '@recovery-gate/core';
import type { KcSession } from './client.js';
import { eventsConfigFix, readEventsConfig, restoreEventsConfig } from './events/config.js';

/**
 * Keeps the realm's event settings as the gate's feed needs them.
 * @throws GateError ERR_IDP_CONFLICT when the config still differs after the write; IdP errors as mapped
 *   (ERR_IDP_FORBIDDEN without `manage-events`)
 */
export async function maintain(s: KcSession): Promise<MaintenanceResult> {
  if (!(await restoreEventsConfig(s))) return { done: [], nextExpiry: null };
  if (eventsConfigFix(await readEventsConfig(s)) !== null) {
    throw new GateError('ERR_IDP_CONFLICT', 'The realm events config is still not as the gate needs it.', {
      details: { realm: s.realm },
    });
  }
  return { done: [{ kind: 'realm_events_config', name: s.realm, op: 'restored' }], nextExpiry: null };
}
