/**
 * Revocation: revokeSignInSessions.
 * @see https://learn.microsoft.com/graph/api/user-revokesigninsessions?view=graph-rest-1.0
 * @module
 */

import { GateError, type RevocationResult, type RevocationScope } from '@recovery-gate/core';
import { type EntraContext, graphPost, seg } from './client.js';

const CAVEATS = [
  'Entra applies revokeSignInSessions within a few minutes, not instantly.',
  'Access tokens already issued stay valid until they expire (about 1 hour) except at CAE-capable resources, which act within up to 15 minutes.',
  'B2B guests are not covered: they sign in at their home tenant.',
];

/** Revokes sessions and refresh tokens (one Graph call covers both). @throws ERR_UNSUPPORTED for grants */
export async function revokeSessions(
  ctx: EntraContext,
  userId: string,
  scope: RevocationScope,
): Promise<RevocationResult> {
  if (scope.grants) {
    throw new GateError('ERR_UNSUPPORTED', 'The Entra adapter does not revoke OAuth2 permission grants.', {
      details: { capability: 'revoke_grants' },
    });
  }
  if (!scope.sessions && !scope.refreshTokens) return { revoked: [], caveats: [] };
  // Graph's known issue: 200 {value:true} instead of 204; any 2xx is success (errors throw).
  await graphPost(ctx, `/users/${seg(userId)}/revokeSignInSessions`, {}, 'revoke sessions', 'user');
  const revoked: ('sessions' | 'refresh_tokens')[] = [];
  if (scope.sessions) revoked.push('sessions');
  if (scope.refreshTokens) revoked.push('refresh_tokens');
  const caveats = [...CAVEATS];
  if (!(scope.sessions && scope.refreshTokens))
    caveats.push('Entra revokes sessions and refresh tokens together.');
  return { revoked, caveats };
}
