/**
 * Device push challenge: Keycloak has none. Its admin REST API can list and delete a user's credentials but
 * offers no endpoint that sends a challenge to an enrolled authenticator (OTP and WebAuthn are checked only
 * inside a browser login flow), so the port's challenge methods fail closed; the gate gets device evidence
 * from an OIDC step-up sign-in instead (`capabilities.oidc_step_up`).
 * @see https://www.keycloak.org/docs-api/latest/rest-api/index.html#_users
 * @module
 */

import { GateError } from '@recovery-gate/core';

const WHY =
  'Keycloak has no device push challenge: the admin REST API cannot send a challenge to an enrolled authenticator (OTP and WebAuthn run only in browser login flows); use OIDC step-up. See https://www.keycloak.org/docs-api/latest/rest-api/index.html#_users';

/** Always refuses. @throws GateError ERR_UNSUPPORTED */
export function startDeviceChallenge(): Promise<never> {
  return Promise.reject(new GateError('ERR_UNSUPPORTED', WHY));
}

/** Always refuses (no challenge can have been started). @throws GateError ERR_UNSUPPORTED */
export function pollDeviceChallenge(): Promise<never> {
  return Promise.reject(new GateError('ERR_UNSUPPORTED', WHY));
}
