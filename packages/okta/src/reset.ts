/**
 * Authenticator reset, password reset, unlock and suspend (revocation is in revoke.ts).
 * @module
 */

import {
  type Authenticator,
  type AuthenticatorKind,
  type AuthenticatorSelection,
  allOrThrow,
  GateError,
  type PasswordResetOptions,
  type ResetResult,
} from '@recovery-gate/core';
import type { OktaContext } from './client/context.js';
import { getUser, readAuthenticators, userIdOf } from './facts.js';

async function removeOne(
  ctx: OktaContext,
  userId: string,
  id: string,
  kind: AuthenticatorKind | null,
): Promise<boolean> {
  if (kind === 'temporary_access' || kind === 'password' || kind === 'email') {
    const gone = await ctx.optional('deleteAuthenticatorEnrollment', () =>
      ctx.client.userAuthenticatorEnrollmentsApi.deleteAuthenticatorEnrollment({ userId, enrollmentId: id }),
    );
    return gone !== null;
  }
  const removed = await ctx.optional('unenrollFactor', () =>
    ctx.client.userFactorApi.unenrollFactor({ userId, factorId: id }),
  );
  if (removed !== null) return true;
  // Not a v1 factor: it may be an OIE-only enrollment.
  const gone = await ctx.optional('deleteAuthenticatorEnrollment', () =>
    ctx.client.userAuthenticatorEnrollmentsApi.deleteAuthenticatorEnrollment({ userId, enrollmentId: id }),
  );
  return gone !== null;
}

/**
 * Removes authenticators: all (`reset_factors`, Okta's "Reset all factors"), all but some kinds, or some ids.
 * Idempotent: what is already gone is skipped.
 */
export async function resetAuthenticators(
  ctx: OktaContext,
  userId: string,
  selection: AuthenticatorSelection,
): Promise<ResetResult> {
  if (!selection.all && selection.ids.some((x) => typeof x !== 'string' || x.trim() === '')) {
    throw new GateError('ERR_INPUT_INVALID', 'Authenticator ids must be non-empty strings');
  }
  const id = await userIdOf(ctx, userId);
  // The issue that follows a reset needs the org's TAC authenticator id: warm the cache alongside the
  // lists (no extra round trip). Its failure is not the reset's: the issue reads it again.
  ctx.tacAuthenticatorId().catch(() => null);
  // Only what the reset needs: the factor and enrollment lists (not the rest of the subject facts).
  const current = await readAuthenticators(ctx, id);
  // The password is not a factor: "reset all" never removes it. In Identity Engine the email
  // authenticator is an enrollment like the others, and reset_factors unenrolls it too.
  const removable = current.filter((a) => a.kind !== 'password');
  if (selection.all) {
    const keep = new Set(selection.keepKinds ?? []);
    if (keep.size === 0) {
      await ctx.call('resetFactors', 'user', () => ctx.client.userApi.resetFactors({ userId: id }));
      // Enrollments reset_factors may leave in place (a TAC, the email): remove them explicitly.
      const left = removable.filter((a) => a.kind === 'temporary_access' || a.kind === 'email');
      await allOrThrow(left.map((a) => removeOne(ctx, id, a.id, a.kind)));
      return { removed: removable.map((a) => a.id) };
    }
    return {
      removed: await removeAll(
        ctx,
        id,
        removable.filter((x) => !keep.has(x.kind)),
      ),
    };
  }
  const targets: Authenticator[] = [];
  for (const authenticatorId of selection.ids) {
    const known = current.find((a) => a.id === authenticatorId);
    if (known?.kind === 'password') {
      throw new GateError(
        'ERR_INPUT_INVALID',
        `Authenticator ${authenticatorId} (${known.kind}) cannot be removed`,
      );
    }
    if (known) targets.push(known);
  }
  return { removed: await removeAll(ctx, id, targets) };
}

/**
 * Removes authenticators in parallel (they are independent). Every removal is awaited; if any failed the
 * first error is thrown, so the step stays pending and its retry, which lists again, finishes the rest.
 */
async function removeAll(
  ctx: OktaContext,
  userId: string,
  targets: readonly Authenticator[],
): Promise<string[]> {
  const done = await allOrThrow(targets.map((a) => removeOne(ctx, userId, a.id, a.kind)));
  return targets.filter((_, i) => done[i]).map((a) => a.id);
}

/**
 * Resets the password to a random temporary one the gate never reads, and expires it (status
 * PASSWORD_EXPIRED, sessions revoked): the old password stops working and the subject signs in with the
 * Temporary Access Code the gate issues, then sets a new password. Not `reset_password`: that puts the user
 * in RECOVERY, where Okta documents they cannot sign in until the reset flow completes, and no document says
 * a TAC overrides it (divergence D3); the reset link it returns would be a second credential to deliver.
 * The SDK parses the answer as a User, so the temporary password never reaches this process's objects.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserCred/#tag/UserCred/operation/expirePasswordWithTempPassword
 */
export async function resetPassword(
  ctx: OktaContext,
  userId: string,
  options: PasswordResetOptions,
): Promise<void> {
  if (!(options.lifetimeSeconds > 0))
    throw new GateError('ERR_INPUT_INVALID', 'lifetimeSeconds must be positive');
  const user = await getUser(ctx, userId);
  await ctx.call('expirePasswordAndGetTemporaryPassword', 'user', () =>
    ctx.client.userApi.expirePasswordAndGetTemporaryPassword({
      userId: String(user.id),
      revokeSessions: true,
    }),
  );
}

/**
 * Clears a lockout and enables the account: LOCKED_OUT -> unlock, SUSPENDED -> unsuspend.
 * Idempotent: an active account is left alone.
 */
export async function unlock(ctx: OktaContext, userId: string): Promise<void> {
  const user = await getUser(ctx, userId);
  const id = String(user.id);
  const status = String(user.status);
  if (status === 'LOCKED_OUT')
    await ctx.call('unlockUser', 'user', () => ctx.client.userApi.unlockUser({ userId: id }));
  if (status === 'SUSPENDED')
    await ctx.call('unsuspendUser', 'user', () => ctx.client.userApi.unsuspendUser({ userId: id }));
}

/** Suspends the account. Idempotent: a suspended account is left alone. */
export async function suspend(ctx: OktaContext, userId: string): Promise<void> {
  const user = await getUser(ctx, userId);
  const status = String(user.status);
  if (status === 'SUSPENDED') return;
  if (status !== 'ACTIVE') {
    throw new GateError('ERR_IDP_CONFLICT', `Okta suspends only ACTIVE users (this one is ${status})`, {
      details: { status },
    });
  }
  await ctx.call('suspendUser', 'user', () => ctx.client.userApi.suspendUser({ userId: String(user.id) }));
}
