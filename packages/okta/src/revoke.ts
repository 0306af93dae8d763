/**
 * Revocation: sessions (with their OAuth tokens and remembered devices), refresh tokens and consent grants.
 * @module
 */

import { allOrThrow, type RevocationResult, type RevocationScope } from '@recovery-gate/core';
import type { OktaContext } from './client/context.js';
import { userIdOf } from './facts.js';

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
  // No user read: each DELETE answers 404 (ERR_USER_NOT_FOUND) for a user that does not exist.
  const id = await userIdOf(ctx, userId);
  const revoked: RevocationResult['revoked'][number][] = [];
  const calls: Promise<unknown>[] = [];
  // Sessions (with their tokens) and grants are independent: one round trip, both must succeed.
  if (scope.sessions) {
    calls.push(
      ctx.call('revokeUserSessions', 'user', () =>
        ctx.client.userApi.revokeUserSessions({
          userId: id,
          oauthTokens: scope.refreshTokens,
          forgetDevices: true,
        }),
      ),
    );
    revoked.push('sessions');
    if (scope.refreshTokens) revoked.push('refresh_tokens');
  } else if (scope.refreshTokens) {
    calls.push(revokeRefreshTokens(ctx, id));
    revoked.push('refresh_tokens');
  }
  if (scope.grants) {
    calls.push(
      ctx.call('revokeUserGrants', 'user', () => ctx.client.userApi.revokeUserGrants({ userId: id })),
    );
    revoked.push('grants');
  }
  await allOrThrow(calls);
  return { revoked, caveats: CAVEATS };
}

/** Refresh tokens alone: per client, the clients listed first, their revocations in parallel. */
async function revokeRefreshTokens(ctx: OktaContext, id: string): Promise<void> {
  const clients = await ctx.call('listUserClients', 'user', async () => {
    const ids: string[] = [];
    for await (const client of await ctx.client.userApi.listUserClients({ userId: id })) {
      if (client === null) break;
      if (client.client_id) ids.push(client.client_id);
    }
    return ids;
  });
  await allOrThrow(
    clients.map((clientId) =>
      ctx.call('revokeTokensForUserAndClient', 'user', () =>
        ctx.client.userApi.revokeTokensForUserAndClient({ userId: id, clientId }),
      ),
    ),
  );
}
