/**
 * The realm's event settings the gate's feed depends on (`GET/PUT /admin/realms/{realm}/events/config`):
 * login events and admin events with representations on, and, when the realm lists event types explicitly,
 * the types the gate reads among them. Turned off, the gate is blind to native recoveries and channel
 * changes; `apply` sets them and the running gate's upkeep (`maintain.ts`) restores them.
 * @see https://www.keycloak.org/docs/latest/server_admin/#auditing-and-events
 * @module
 */

import type { RealmEventsConfigRepresentation } from '@keycloak/keycloak-admin-client/lib/defs/realmEventsConfigRepresentation.js';
import type { KcSession } from '../client.js';

/** Login event types the gate relies on (only enforced when the realm lists types explicitly). */
export const RECOVERY_EVENT_TYPES = [
  'LOGIN',
  'LOGIN_ERROR',
  'UPDATE_PASSWORD',
  'UPDATE_CREDENTIAL',
  'REMOVE_CREDENTIAL',
  'EXECUTE_ACTIONS',
  'EXECUTE_ACTION_TOKEN',
  'RESET_PASSWORD',
  'UPDATE_EMAIL',
  'UPDATE_PROFILE',
  'UPDATE_TOTP',
  'REMOVE_TOTP',
  'LOGOUT',
  'REFRESH_TOKEN_ERROR',
];

/** The listed event types the gate reads but the realm does not store ([] when it stores every type). */
export function missingEventTypes(config: RealmEventsConfigRepresentation): string[] {
  const types = config.enabledEventTypes ?? [];
  return types.length === 0 ? [] : RECOVERY_EVENT_TYPES.filter((t) => !types.includes(t));
}

/** The config as the gate needs it (everything else kept), or null when it already is. */
export function eventsConfigFix(
  config: RealmEventsConfigRepresentation,
): RealmEventsConfigRepresentation | null {
  const missing = missingEventTypes(config);
  if (
    config.eventsEnabled === true &&
    config.adminEventsEnabled === true &&
    config.adminEventsDetailsEnabled === true &&
    missing.length === 0
  )
    return null;
  return {
    ...config,
    eventsEnabled: true,
    adminEventsEnabled: true,
    adminEventsDetailsEnabled: true,
    enabledEventTypes: [...(config.enabledEventTypes ?? []), ...missing],
  };
}

/** Reads the realm's events config. */
export function readEventsConfig(s: KcSession): Promise<RealmEventsConfigRepresentation> {
  return s.call((kc) => kc.realms.getConfigEvents({ realm: s.realm }), {
    operation: 'getConfigEvents',
    notFound: 'other',
  });
}

/** Puts the events config back as the gate needs it; false when it already was. */
export async function restoreEventsConfig(s: KcSession): Promise<boolean> {
  const fix = eventsConfigFix(await readEventsConfig(s));
  if (fix === null) return false;
  await s.call((kc) => kc.realms.updateConfigEvents({ realm: s.realm }, fix), {
    operation: 'updateConfigEvents',
    notFound: 'other',
  });
  return true;
}
