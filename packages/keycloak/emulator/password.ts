/**
 * The realm's password credential: the policy check (minimum length 8, the emulated realm's policy), the
 * in-place update Keycloak's PasswordCredentialProvider does, and the UPDATE_PASSWORD required action
 * finished at sign-in or through an action link.
 * @see https://www.keycloak.org/docs/latest/server_admin/#_password-policies
 * @module
 */

import { type Emu, loginEvent } from './context.js';
import { type EmuUser, newId } from './state.js';

const MIN_LENGTH = 8;

/** Keycloak's message key for a password the realm policy refuses, or null when it passes. */
export function passwordPolicyError(value: string): string | null {
  if (value.length === 0) return 'missingPasswordMessage';
  return value.length < MIN_LENGTH ? 'invalidPasswordMinLengthMessage' : null;
}

/** What the login page shows for a policy message key (Keycloak's messages_en.properties). */
export function passwordPolicyText(key: string): string {
  return key === 'invalidPasswordMinLengthMessage'
    ? `Invalid password: minimum length ${MIN_LENGTH}.`
    : 'Please specify password.';
}

/** Sets the user's password, updating the existing credential in place (it keeps its id). */
export function storePassword(emu: Emu, user: EmuUser, value: string): void {
  const previous = user.credentials.find((c) => c.type === 'password');
  user.credentials = user.credentials.filter((c) => c.type !== 'password');
  user.credentials.push({
    id: previous?.id ?? newId(),
    type: 'password',
    createdDate: emu.now(),
    priority: 10,
    secret: value,
  });
}

/**
 * Finishes UPDATE_PASSWORD (UpdatePassword.processAction): the policy, then the new password; the action is
 * removed, so the password is no longer temporary. Returns the message to show, or null when done.
 */
export function finishUpdatePassword(
  emu: Emu,
  user: EmuUser,
  value: string,
  clientId: string,
): string | null {
  const refused = passwordPolicyError(value);
  if (refused !== null) return passwordPolicyText(refused);
  storePassword(emu, user, value);
  user.requiredActions = user.requiredActions.filter((a) => a !== 'UPDATE_PASSWORD');
  loginEvent(emu, 'UPDATE_PASSWORD', user.id, clientId);
  return null;
}
