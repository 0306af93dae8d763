/**
 * Keycloak's native recovery codes (the `recovery-authn-codes` credential). Keycloak creates it only in a
 * browser flow (the CONFIGURE_RECOVERY_AUTHN_CODES required action), never through the admin API, so the
 * emulator enrols it as that action would; the admin API then lists it like any credential: type,
 * createdDate and credentialData (`hashIterations`, `algorithm`, `total`, `remaining`), never the codes.
 * In the browser flow (`auth-recovery-authn-code-form`) a code works once; when the last one is used the
 * credential is removed and CONFIGURE_RECOVERY_AUTHN_CODES is required (RecoveryAuthnCodesFormAuthenticator).
 * @see https://www.keycloak.org/docs/latest/server_admin/#_recovery-codes
 * @module
 */

import { randomInt } from 'node:crypto';
import { secretsEqual } from '@recovery-gate/core';
import { type EmuCredential, type EmuUser, newId } from './state.js';

/** The credential type Keycloak gives recovery codes (RecoveryAuthnCodesCredentialModel.TYPE). */
export const RECOVERY_CODES_TYPE = 'recovery-authn-codes';

/** Keycloak's code alphabet and length (RecoveryAuthnCodesUtils: 12 characters, A-Z and 0-9). */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const CODE_LENGTH = 12;

function rawCode(): string {
  return Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

function setData(credential: EmuCredential, total: number, remaining: number): void {
  credential.credentialData = JSON.stringify({ hashIterations: 1, algorithm: 'RS512', total, remaining });
}

/** Enrols a set of `total` native recovery codes for `user` at `createdDate` (epoch ms), replacing any set. */
export function enrolRecoveryCodes(user: EmuUser, createdDate: number, total = 12): string {
  return enrolRecoveryCodeSet(user, createdDate, total).id;
}

/**
 * Like {@link enrolRecoveryCodes}, and returns the codes as Keycloak shows them once to the user
 * (`XXXX-XXXX-XXXX`), for tests that sign in with one.
 */
export function enrolRecoveryCodeSet(
  user: EmuUser,
  createdDate: number,
  total = 12,
): { readonly id: string; readonly codes: readonly string[] } {
  const id = newId();
  const codes = Array.from({ length: total }, rawCode);
  user.credentials = user.credentials.filter((c) => c.type !== RECOVERY_CODES_TYPE);
  const credential: EmuCredential = {
    id,
    type: RECOVERY_CODES_TYPE,
    createdDate,
    priority: 20,
    codes: [...codes],
  };
  setData(credential, total, total);
  user.credentials.push(credential);
  return { id, codes: codes.map((c) => c.match(/.{4}/g)?.join('-') ?? c) };
}

/** True when the user holds recovery codes not used yet. */
export function hasRecoveryCodes(user: EmuUser): boolean {
  return user.credentials.some((c) => c.type === RECOVERY_CODES_TYPE && (c.codes?.length ?? 0) > 0);
}

/**
 * Spends `code` (dashes and case already normalised) when it is one of the user's unused codes. The last
 * one removes the credential and adds the CONFIGURE_RECOVERY_AUTHN_CODES required action, as Keycloak does.
 */
export function redeemRecoveryCode(user: EmuUser, code: string): boolean {
  const credential = user.credentials.find((c) => c.type === RECOVERY_CODES_TYPE);
  const codes = credential?.codes ?? [];
  const index = codes.findIndex((c) => secretsEqual(c, code));
  if (credential === undefined || index < 0) return false;
  codes.splice(index, 1);
  const total = (JSON.parse(credential.credentialData ?? '{}') as { total?: number }).total ?? codes.length;
  setData(credential, total, codes.length);
  if (codes.length === 0) {
    user.credentials = user.credentials.filter((c) => c !== credential);
    if (!user.requiredActions.includes('CONFIGURE_RECOVERY_AUTHN_CODES'))
      user.requiredActions.push('CONFIGURE_RECOVERY_AUTHN_CODES');
  }
  return true;
}
