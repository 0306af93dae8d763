/**
 * The temporary credential the gate shows once on its verification page: a random temporary password
 * (Keycloak makes the subject choose a new one at the first sign-in) plus the action's required actions.
 * Keycloak has no expiry for it and no admin endpoint that hands the gate an action link without mailing
 * the account's own mailbox; so the gate enforces the lifetime (it revokes one still unused, the forced
 * update pending, once the lifetime passes). Revoking replaces the password by one nobody knows, whoever
 * set the current one, and logs the account out.
 * @see https://www.keycloak.org/docs-api/latest/rest-api/index.html#_users (reset-password)
 * @module
 */

import { randomBytes, randomInt } from 'node:crypto';
import {
  createSecret,
  GateError,
  type IssuedCredential,
  type PasswordResetOptions,
  type TemporaryCredentialOptions,
} from '@recovery-gate/core';
import { requireUser } from '../client/users.js';
import type { KcSession } from '../client.js';
import { resetPassword } from '../reset.js';

/** A password strong enough for any realm policy: 24 random characters plus each character class. */
function randomPassword(): string {
  const classes = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '-_.!'];
  const tail = classes.map((set) => set[randomInt(set.length)]).join('');
  return `${randomBytes(18).toString('base64url')}${tail}`;
}

async function setPassword(s: KcSession, userId: string, value: string): Promise<string | null> {
  await s.call(
    (kc) =>
      kc.users.resetPassword({
        realm: s.realm,
        id: userId,
        credential: { type: 'password', value, temporary: true },
      }),
    // The value never reaches an error (a policy message could quote it).
    { operation: 'resetPassword', notFound: 'user', secrets: [value] },
  );
  const credentials = await s.call((kc) => kc.users.getCredentials({ realm: s.realm, id: userId }), 'user');
  return credentials.find((c) => c.type === 'password')?.id ?? null;
}

/**
 * Sets a temporary password and the action's required actions; returns it once. The user is read once
 * (enabled? its required actions); the password and the required actions are then written together: both
 * writes carry UPDATE_PASSWORD (reset-password with `temporary` adds it, the user write names it), so the
 * list ends the same whichever lands last. Two rounds plus the read of the new password's id, not four.
 */
export async function issueTemporaryPassword(
  s: KcSession,
  userId: string,
  options: TemporaryCredentialOptions,
  actions: readonly string[],
): Promise<IssuedCredential> {
  const user = await requireUser(s, userId);
  if (user.enabled !== true)
    throw new GateError('ERR_IDP_CONFLICT', 'The account is disabled; it cannot sign in with a password.');
  const issuedAt = s.now();
  const value = randomPassword();
  const have = user.requiredActions ?? [];
  const wanted = ['UPDATE_PASSWORD', ...actions].filter((a, i, all) => all.indexOf(a) === i);
  // `enabled` is never echoed back (see updateUser: it would unlock a temporarily locked account).
  const { enabled: _echoed, ...rest } = user;
  const requiredActions = [...have, ...wanted.filter((a) => !have.includes(a))];
  const [password, written] = await Promise.allSettled([
    setPassword(s, user.id, value),
    s.call((kc) => kc.users.update({ realm: s.realm, id: user.id }, { ...rest, requiredActions }), 'user'),
  ]);
  if (password.status === 'rejected') throw password.reason;
  if (written.status === 'rejected') throw written.reason;
  const id = password.value;
  return {
    kind: 'keycloak_temporary_password',
    id,
    issuedAt: issuedAt.toISOString(),
    expiresAt: new Date(issuedAt.getTime() + options.lifetimeSeconds * 1000).toISOString(),
    singleUse: true,
    delivery: 'gate',
    secret: createSecret(value),
    deliveredTo: null,
  };
}

/**
 * Replaces the password by one nobody knows (a new one is forced at the next sign-in) and logs the account
 * out: whoever used the temporary password, or chose the current one with it, can no longer sign in with
 * it. Idempotent in effect.
 */
export async function revokeTemporaryPassword(s: KcSession, userId: string): Promise<void> {
  const user = await requireUser(s, userId);
  await setPassword(s, user.id, randomPassword());
  await s.call((kc) => kc.users.logout({ realm: s.realm, id: user.id }), 'user');
}

/**
 * The reset step: the password is replaced by one nobody knows (Keycloak's reset-password, temporary) and
 * `UPDATE_PASSWORD` is required, keeping the user's other required actions. The old password stops working
 * at once, as after Okta's expire-with-temporary-password and Entra's reset: whoever knew it (a breach) cannot
 * sign in and choose the next one before the subject collects the issue step's temporary password.
 */
export async function resetToUnknownPassword(
  s: KcSession,
  userId: string,
  options: PasswordResetOptions,
): Promise<void> {
  if (!Number.isFinite(options.lifetimeSeconds) || options.lifetimeSeconds <= 0) {
    throw new GateError('ERR_INPUT_INVALID', 'lifetimeSeconds must be positive.');
  }
  const user = await requireUser(s, userId);
  await setPassword(s, user.id, randomPassword());
  await resetPassword(s, user.id, options);
}
