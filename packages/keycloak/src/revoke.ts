/**
 * Revocation: `POST users/{id}/logout` (online sessions, and the user's not-before so every older
 * refresh / offline token is "Stale") plus revoking every client consent, which deletes offline tokens.
 * @see https://www.keycloak.org/docs/latest/server_admin/index.html#managing-user-sessions
 * @module
 */

import type { RevocationResult, RevocationScope } from '@recovery-gate/core';
import type { KcSession } from './client.js';
import { httpFailure } from './errors.js';
import { requireUser } from './users.js';

/** What stays valid after a revocation. */
export const REVOCATION_CAVEATS = [
  'Access tokens already issued stay valid until they expire (the realm access token lifespan, 5 minutes by default) for resource servers that validate JWTs locally; token introspection honours the new not-before.',
  'Clients with a back-channel logout URL are told; others learn of the logout only when they next refresh.',
];

/** Revokes consents (and with them offline tokens); returns how many were revoked. */
async function revokeConsents(s: KcSession, id: string, offlineOnly: boolean): Promise<number> {
  const consents = await s.call((kc) => kc.users.listConsents({ realm: s.realm, id }), 'user');
  let revoked = 0;
  for (const consent of consents) {
    const grants = (consent as { additionalGrants?: { key?: string }[] }).additionalGrants ?? [];
    if (offlineOnly && !grants.some((g) => g.key === 'Offline Token')) continue;
    const clientId = consent.clientId;
    if (typeof clientId !== 'string') continue;
    try {
      await s.call((kc) => kc.users.revokeConsent({ realm: s.realm, id, clientId }));
      revoked += 1;
    } catch (error) {
      // Already gone (revoked in between): idempotent.
      const cause = (error as { cause?: unknown }).cause;
      if (httpFailure(cause)?.status !== 404) throw error;
    }
  }
  return revoked;
}

/** Revokes sessions, refresh (and offline) tokens and grants of a user. */
export async function revokeSessions(
  s: KcSession,
  userId: string,
  scope: RevocationScope,
): Promise<RevocationResult> {
  const user = await requireUser(s, userId);
  const revoked: RevocationResult['revoked'][number][] = [];
  if (scope.sessions || scope.refreshTokens) {
    await s.call((kc) => kc.users.logout({ realm: s.realm, id: user.id }), 'user');
  }
  if (scope.grants) await revokeConsents(s, user.id, false);
  else if (scope.refreshTokens) await revokeConsents(s, user.id, true);
  if (scope.sessions) revoked.push('sessions');
  if (scope.refreshTokens) revoked.push('refresh_tokens');
  if (scope.grants) revoked.push('grants');
  return { revoked, caveats: revoked.length === 0 ? [] : REVOCATION_CAVEATS };
}
