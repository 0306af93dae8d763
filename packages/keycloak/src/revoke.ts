/**
 * Revocation: `POST users/{id}/logout` (online sessions, and the user's not-before so every older
 * refresh / offline token is "Stale") plus revoking every client consent, which deletes offline tokens.
 * @see https://www.keycloak.org/docs/latest/server_admin/index.html#managing-user-sessions
 * @module
 */

import type { RevocationResult, RevocationScope } from '@recovery-gate/core';
import { allOrThrow } from '@recovery-gate/core';
import { userIdOf } from './client/users.js';
import type { KcSession } from './client.js';
import { httpFailure } from './errors.js';

/** What stays valid after a revocation. */
export const REVOCATION_CAVEATS = [
  'Access tokens already issued stay valid until they expire (the realm access token lifespan, 5 minutes by default) for resource servers that validate JWTs locally; token introspection honours the new not-before.',
  'Clients with a back-channel logout URL are told; others learn of the logout only when they next refresh.',
];

/** A consent as the admin API lists it (the fields read here). */
interface Consent {
  readonly clientId?: unknown;
  readonly additionalGrants?: readonly { readonly key?: string }[];
}

/** Lists the consents of a user. */
function listConsents(s: KcSession, id: string): Promise<Consent[]> {
  return s.call((kc) => kc.users.listConsents({ realm: s.realm, id }) as Promise<Consent[]>, 'user');
}

/** Revokes the listed consents (and with them offline tokens), in parallel; returns how many. */
async function revokeConsents(
  s: KcSession,
  id: string,
  consents: readonly Consent[],
  offlineOnly: boolean,
): Promise<number> {
  const targets = consents.filter(
    (c) =>
      typeof c.clientId === 'string' &&
      !(offlineOnly && !(c.additionalGrants ?? []).some((g) => g.key === 'Offline Token')),
  );
  const done = await allOrThrow(
    targets.map(async (consent) => {
      const clientId = String(consent.clientId);
      try {
        await s.call((kc) => kc.users.revokeConsent({ realm: s.realm, id, clientId }));
        return true;
      } catch (error) {
        // Already gone (revoked in between): idempotent.
        const cause = (error as { cause?: unknown }).cause;
        if (httpFailure(cause)?.status !== 404) throw error;
        return false;
      }
    }),
  );
  return done.filter(Boolean).length;
}

/**
 * Revokes sessions, refresh (and offline) tokens and grants of a user. The logout and the consent list
 * are independent and go together; the consent revocations follow the list. No user read: the logout and
 * the list answer 404 (ERR_USER_NOT_FOUND) for a user that does not exist.
 */
export async function revokeSessions(
  s: KcSession,
  userId: string,
  scope: RevocationScope,
): Promise<RevocationResult> {
  const id = await userIdOf(s, userId);
  const revoked: RevocationResult['revoked'][number][] = [];
  const logout =
    scope.sessions || scope.refreshTokens
      ? s.call((kc) => kc.users.logout({ realm: s.realm, id }), 'user')
      : Promise.resolve();
  const consents = scope.grants || scope.refreshTokens ? listConsents(s, id) : Promise.resolve([]);
  const [, listed] = await allOrThrow<unknown>([logout, consents]);
  if (scope.grants || scope.refreshTokens) {
    await revokeConsents(s, id, listed as Consent[], !scope.grants);
  }
  if (scope.sessions) revoked.push('sessions');
  if (scope.refreshTokens) revoked.push('refresh_tokens');
  if (scope.grants) revoked.push('grants');
  return { revoked, caveats: revoked.length === 0 ? [] : REVOCATION_CAVEATS };
}
