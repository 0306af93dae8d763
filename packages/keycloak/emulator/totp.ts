/**
 * CONFIGURE_TOTP, as Keycloak's `UpdateTotp` required action finishes it: the user entered the key shown in
 * an authenticator app and typed its code (checked by the caller), so a new OTP credential is stored, the
 * action removed and an UPDATE_TOTP event logged. Until then Keycloak issues no session or token (the sign-in
 * shows the set-up form after the other steps) and an action link stays unfinished.
 * @see https://www.keycloak.org/docs/latest/server_admin/#con-required-actions_server_administration_guide
 * @module
 */

import { randomUUID } from 'node:crypto';
import { type Emu, loginEvent } from './context.js';
import type { EmuUser } from './state.js';

/** Stores the authenticator set up with `key` and clears CONFIGURE_TOTP. */
export function bindTotp(emu: Emu, user: EmuUser, key: string, label: string, clientId: string): void {
  const priority = Math.max(10, ...user.credentials.map((c) => c.priority)) + 10;
  user.credentials.push({
    id: randomUUID(),
    type: 'otp',
    ...(label === '' ? {} : { userLabel: label }),
    createdDate: emu.now(),
    priority,
    // The key stays in the emulator's state (Keycloak keeps it as the credential's secret data); the admin
    // API never returns it.
    secret: key,
    credentialData: '{"subType":"totp","digits":6,"counter":0,"period":30,"algorithm":"HmacSHA1"}',
  });
  user.requiredActions = user.requiredActions.filter((a) => a !== 'CONFIGURE_TOTP');
  loginEvent(emu, 'UPDATE_TOTP', user.id, clientId);
}
