/**
 * Keycloak's native recovery codes (the `recovery-authn-codes` credential). Keycloak creates it only in a
 * browser flow (the CONFIGURE_RECOVERY_AUTHN_CODES required action), never through the admin API, so the
 * emulator enrols it as that action would; the admin API then lists it like any credential: type,
 * createdDate and credentialData (`hashIterations`, `algorithm`, `total`, `remaining`), never the codes.
 * @see https://www.keycloak.org/docs/latest/server_admin/#_recovery-codes
 * @module
 */

import { type EmuUser, newId } from './state.js';

/** The credential type Keycloak gives recovery codes (RecoveryAuthnCodesCredentialModel.TYPE). */
export const RECOVERY_CODES_TYPE = 'recovery-authn-codes';

/** Enrols a set of `total` native recovery codes for `user` at `createdDate` (epoch ms), replacing any set. */
export function enrolRecoveryCodes(user: EmuUser, createdDate: number, total = 12): string {
  const id = newId();
  user.credentials = user.credentials.filter((c) => c.type !== RECOVERY_CODES_TYPE);
  user.credentials.push({
    id,
    type: RECOVERY_CODES_TYPE,
    createdDate,
    priority: 20,
    credentialData: JSON.stringify({ hashIterations: 1, algorithm: 'RS512', total, remaining: total }),
  });
  return id;
}
