/**
 * Outbound hooks: stock Keycloak has none. Admin and login events are stored by the realm's `jboss-logging`
 * and database event listeners and read back through `GET /admin/realms/{realm}/admin-events` and `/events`;
 * pushing them to a URL needs a custom EventListenerProvider SPI deployed on the server. So the gate polls
 * (`events.ts`) and `verifyHook` fails closed.
 * @see https://www.keycloak.org/docs/latest/server_admin/#auditing-and-events
 * @see https://www.keycloak.org/docs/latest/server_development/#_events
 * @module
 */

import { GateError } from '@recovery-gate/core';

/** Always refuses: no delivery can come from Keycloak. @throws GateError ERR_UNSUPPORTED */
export function verifyHook(): Promise<never> {
  return Promise.reject(
    new GateError(
      'ERR_UNSUPPORTED',
      'Keycloak has no outbound admin-event hook (events are stored and polled; pushing them needs a custom event listener SPI). See https://www.keycloak.org/docs/latest/server_admin/#auditing-and-events',
    ),
  );
}
