/**
 * Revocation, authenticator reset, password reset, unlock and suspend.
 * @module
 */

import {
  type AuthenticatorKind,
  type AuthenticatorSelection,
  GateError,
  type PasswordResetOptions,
  type ResetResult,
  type RevocationResult,
  type RevocationScope,
} from '@recovery-gate/core';
import type { OktaContext } from './context.js';
import { getUser, readSubjectFacts } from './facts.js';

const CAVEATS = [
  'Access tokens already issued stay valid until they expire (resource servers validate them locally).',
  'Sessions local to web and native apps are not cleared: Okta ends only the IdP session and its tokens.',
];

/**
 * Revokes sessions (with their OAuth tokens and remembered devices), refresh tokens and consent grants.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserSessions/#tag/UserSessions/operation/revokeUserSessions
 */
export async function revokeSessions(
  ctx: OktaContext,
  userId: string,
  scope: RevocationScope,
): Promise<RevocationResult> {
  const user = await getUser(ctx, userId);
  const id = String(user.id);
  const revoked: RevocationResult['revoked'][number][] = [];
  if (scope.sessions) {
    await ctx.call('revokeUserSessions', 'user', () =>
      ctx.client.userApi.revokeUserSessions({
        userId: id,
        oauthTokens: scope.refreshTokens,
        forgetDevices: true,
      }),
    );
    revoked.push('sessions');
    if (scope.refreshTokens) revoked.push('refresh_tokens');
  } else if (scope.refreshTokens) {
    const clients = await ctx.call('listUserClients', 'user', async () => {
      const ids: string[] = [];
      for await (const client of await ctx.client.userApi.listUserClients({ userId: id })) {
        if (client === null) break;
        if (client.client_id) ids.push(client.client_id);
      }
      return ids;
    });
    for (const clientId of clients) {
      await ctx.call('revokeTokensForUserAndClient', 'user', () =>
        ctx.client.userApi.revokeTokensForUserAndClient({ userId: id, clientId }),
      );
    }
    revoked.push('refresh_tokens');
  }
  if (scope.grants) {
    await ctx.call('revokeUserGrants', 'user', () => ctx.client.userApi.revokeUserGrants({ userId: id }));
    revoked.push('grants');
  }
  return { revoked, caveats: CAVEATS };
}

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
  const facts = await readSubjectFacts(ctx, userId);
  const current = facts.authenticators ?? [];
  const id = facts.userId;
  // The password is not a factor: "reset all" never removes it. In Identity Engine the email
  // authenticator is an enrollment like the others, and reset_factors unenrolls it too.
  const removable = current.filter((a) => a.kind !== 'password');
  if (selection.all) {
    const keep = new Set(selection.keepKinds ?? []);
    if (keep.size === 0) {
      await ctx.call('resetFactors', 'user', () => ctx.client.userApi.resetFactors({ userId: id }));
      // Enrollments reset_factors may leave in place (a TAC, the email): remove them explicitly.
      for (const left of removable.filter((a) => a.kind === 'temporary_access' || a.kind === 'email')) {
        await removeOne(ctx, id, left.id, left.kind);
      }
      return { removed: removable.map((a) => a.id) };
    }
    const removed: string[] = [];
    for (const a of removable.filter((x) => !keep.has(x.kind))) {
      if (await removeOne(ctx, id, a.id, a.kind)) removed.push(a.id);
    }
    return { removed };
  }
  if (selection.ids.some((x) => typeof x !== 'string' || x.trim() === '')) {
    throw new GateError('ERR_INPUT_INVALID', 'Authenticator ids must be non-empty strings');
  }
  const removed: string[] = [];
  for (const authenticatorId of selection.ids) {
    const known = current.find((a) => a.id === authenticatorId);
    if (known?.kind === 'password') {
      throw new GateError(
        'ERR_INPUT_INVALID',
        `Authenticator ${authenticatorId} (${known.kind}) cannot be removed`,
      );
    }
    if (known && (await removeOne(ctx, id, authenticatorId, known.kind))) removed.push(authenticatorId);
  }
  return { removed };
}

/**
 * Puts the password into reset (status RECOVERY): the old password stops working and sessions end.
 * The one-time reset URL is requested with sendEmail=false, so it never goes to the mailbox of the very
 * account being recovered, and it is dropped here: the subject sets a new password after signing in with
 * the temporary access code the gate issues.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/#tag/UserLifecycle/operation/resetPassword
 */
export async function resetPassword(
  ctx: OktaContext,
  userId: string,
  options: PasswordResetOptions,
): Promise<void> {
  if (!(options.lifetimeSeconds > 0))
    throw new GateError('ERR_INPUT_INVALID', 'lifetimeSeconds must be positive');
  const user = await getUser(ctx, userId);
  await ctx.call('generateResetPasswordToken', 'user', () =>
    ctx.client.userApi.generateResetPasswordToken({
      userId: String(user.id),
      sendEmail: false,
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
