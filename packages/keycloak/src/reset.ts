/**
 * Resets: remove credentials (OTP, WebAuthn...: `DELETE users/{id}/credentials/{cid}`, never the removed
 * `remove-totp`), password reset through the `UPDATE_PASSWORD` required action (read, merge, write: the PUT
 * replaces the list), unlock (brute-force clear and `enabled: true`), suspend.
 * @module
 */

import type { AuthenticatorSelection, PasswordResetOptions, ResetResult } from '@recovery-gate/core';
import { allOrThrow, GateError } from '@recovery-gate/core';
import { type KcUser, requireUser, userIdOf } from './client/users.js';
import type { KcSession } from './client.js';
import { authenticatorsOf } from './facts.js';

/**
 * Removes the selected credentials, in parallel; what is already gone is not an error. No user read: the
 * credential list answers 404 (ERR_USER_NOT_FOUND) for a user that does not exist.
 */
export async function resetAuthenticators(
  s: KcSession,
  userId: string,
  selection: AuthenticatorSelection,
): Promise<ResetResult> {
  const id = await userIdOf(s, userId);
  const credentials = await s.call((kc) => kc.users.getCredentials({ realm: s.realm, id }), 'user');
  const current = authenticatorsOf(credentials);
  const keep = selection.all ? new Set(selection.keepKinds ?? []) : new Set<string>();
  const targets = selection.all
    ? current.filter((a) => !keep.has(a.kind))
    : current.filter((a) => selection.ids.includes(a.id));
  const done = await allOrThrow(
    targets.map(async (target) => {
      try {
        await s.call((kc) => kc.users.deleteCredential({ realm: s.realm, id, credentialId: target.id }));
        return true;
      } catch (error) {
        if (!(error instanceof GateError && error.details.status === 404)) throw error;
        return false;
      }
    }),
  );
  return { removed: targets.filter((_, i) => done[i]).map((t) => t.id) };
}

/**
 * Writes the user back with a changed field set, from a fresh read (the PUT replaces lists and attributes).
 * `enabled` is sent only when the change sets it: Keycloak's user update clears the brute-force record of a
 * temporarily locked user whenever the body says `enabled: true`, so echoing it back would unlock the account
 * as a side effect of writing a case status or a required action, before any unlock was decided.
 */
export async function updateUser(
  s: KcSession,
  userId: string,
  change: (u: KcUser) => Partial<KcUser>,
): Promise<void> {
  const fresh = await requireUser(s, userId);
  const patch = change(fresh);
  const { enabled: _echoed, ...rest } = fresh;
  await s.call((kc) => kc.users.update({ realm: s.realm, id: fresh.id }, { ...rest, ...patch }), 'user');
}

/** Adds `UPDATE_PASSWORD` to the user's required actions, keeping the others. */
export async function resetPassword(
  s: KcSession,
  userId: string,
  options: PasswordResetOptions,
): Promise<void> {
  if (!Number.isFinite(options.lifetimeSeconds) || options.lifetimeSeconds <= 0) {
    throw new GateError('ERR_INPUT_INVALID', 'lifetimeSeconds must be positive.');
  }
  await updateUser(s, userId, (u) => {
    const actions = u.requiredActions ?? [];
    return {
      requiredActions: actions.includes('UPDATE_PASSWORD') ? actions : [...actions, 'UPDATE_PASSWORD'],
    };
  });
}

/** Clears the brute-force record and enables the account (a permanent lockout disables it). */
export async function unlock(s: KcSession, userId: string): Promise<void> {
  const user = await requireUser(s, userId);
  await s.call((kc) => kc.attackDetection.del({ realm: s.realm, id: user.id }), 'user');
  if (user.enabled !== true) await updateUser(s, user.id, () => ({ enabled: true }));
}

/** Disables the account. */
export async function suspend(s: KcSession, userId: string): Promise<void> {
  const user = await requireUser(s, userId);
  if (user.enabled !== false) await updateUser(s, user.id, () => ({ enabled: false }));
}
