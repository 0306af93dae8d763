/**
 * Sessions, refresh tokens and consent grants of users, on the OIDC server of `/oauth2/default`:
 * clearing sessions (optionally with their OAuth tokens), per-client token revocation, grants.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserSessions/
 * @module
 */

import { type EmuContext, empty, notFound, ok } from './context.js';
import type { Routes } from './routes.js';
import { iso, newId } from './state.js';
import { actorRef, appendEvent, userRef } from './syslog.js';
import { userParam } from './users.js';

/** Ends every session of a user; with `tokens`, also revokes the OAuth tokens issued in them. */
export async function clearSessions(ctx: EmuContext, userId: string, tokens: boolean): Promise<void> {
  await ctx.oidc?.revokeAccountTokens(userId, { sessions: true, tokens });
}

/** Signs a user in to a client: a new session and a refresh token minted in it (plus a consent grant). */
export async function mintSession(
  ctx: EmuContext,
  userId: string,
  clientId: string,
): Promise<{ refreshToken: string; sessionId: string }> {
  if (!ctx.oidc) throw new Error('the authorization server is not running');
  const minted = await ctx.oidc.mintRefreshToken(userId, clientId, { scope: 'openid offline_access' });
  ctx.state.sessionOwners.set(minted.sessionId, userId);
  const id = newId('oag');
  ctx.state.grants.set(id, { id, userId, clientId, scopeId: 'offline_access', created: ctx.now() });
  const user = ctx.state.users.get(userId);
  if (user) user.lastLogin = ctx.now();
  return minted;
}

async function sessionOwner(ctx: EmuContext, sessionId: string): Promise<string | undefined> {
  const known = ctx.state.sessionOwners.get(sessionId);
  if (known) return known;
  // Sessions started in the sign-in UI are not in the map: ask the server, user by user.
  for (const userId of ctx.state.users.keys()) {
    const sessions = (await ctx.oidc?.listSessions(userId)) ?? [];
    if (sessions.some((s) => s.sessionId === sessionId)) return userId;
  }
  return undefined;
}

/** Registers session, grant and client routes. */
export function registerSessions(ctx: EmuContext, r: Routes): void {
  r('GET', '/api/v1/sessions/:sessionId', 'okta.sessions.read', async (req, res) => {
    const id = req.params.sessionId ?? '';
    const userId = (await ctx.oidc?.sessionActive(id)) ? await sessionOwner(ctx, id) : undefined;
    const user = userId ? ctx.state.users.get(userId) : undefined;
    if (!user) throw notFound(id, 'Session');
    const info = (await ctx.oidc?.listSessions(user.id))?.find((s) => s.sessionId === id);
    const created = info?.loginTs ? info.loginTs * 1000 : ctx.now();
    ok(res, {
      id,
      userId: user.id,
      login: user.profile.login,
      createdAt: iso(created),
      expiresAt: iso(created + 24 * 3600_000),
      status: 'ACTIVE',
      lastPasswordVerification: iso(created),
      amr: info?.amr.length ? [...info.amr] : ['pwd'],
      idp: { id: '00oemulatoridp000001', type: 'OKTA' },
      mfaActive: info?.amr.includes('mfa') === true,
    });
  });
  r('DELETE', '/api/v1/users/:userId/sessions', 'okta.users.lifecycle.clearSessions', async (req, res) => {
    const user = userParam(ctx, req, 'userId');
    await clearSessions(ctx, user.id, req.query.get('oauthTokens') === 'true');
    appendEvent(ctx, {
      eventType: 'user.session.clear',
      actor: actorRef(ctx.state, req.principal),
      targets: [userRef(user)],
    });
    empty(res);
  });
  r('GET', '/api/v1/users/:userId/grants', 'okta.users.read', (req, res) => {
    const user = userParam(ctx, req, 'userId');
    const grants = [...ctx.state.grants.values()].filter((g) => g.userId === user.id);
    ok(
      res,
      grants.map((g) => ({
        id: g.id,
        status: 'ACTIVE',
        created: iso(g.created),
        lastUpdated: iso(g.created),
        issuer: `${ctx.baseUrl()}/oauth2/default`,
        clientId: g.clientId,
        userId: g.userId,
        scopeId: g.scopeId,
        source: 'END_USER',
        _links: {},
      })),
    );
  });
  r('DELETE', '/api/v1/users/:userId/grants', 'okta.users.lifecycle.clearSessions', async (req, res) => {
    const user = userParam(ctx, req, 'userId');
    for (const [id, g] of ctx.state.grants) if (g.userId === user.id) ctx.state.grants.delete(id);
    // Tokens issued under the revoked grants stop working too; sessions stay.
    await ctx.oidc?.revokeAccountTokens(user.id, { sessions: false, tokens: true });
    empty(res);
  });
  r('GET', '/api/v1/users/:userId/clients', 'okta.users.read', (req, res) => {
    const user = userParam(ctx, req, 'userId');
    const ids = new Set<string>((ctx.oidc?.listRefreshTokens(user.id) ?? []).map((t) => t.clientId));
    for (const g of ctx.state.grants.values()) if (g.userId === user.id) ids.add(g.clientId);
    const base = `${ctx.baseUrl()}/api/v1/users/${user.id}/clients`;
    ok(
      res,
      [...ids].map((id) => ({
        client_id: id,
        client_name: id,
        _links: { grants: { href: `${base}/${id}/grants` }, tokens: { href: `${base}/${id}/tokens` } },
      })),
    );
  });
  r(
    'DELETE',
    '/api/v1/users/:userId/clients/:clientId/tokens',
    'okta.users.lifecycle.clearSessions',
    async (req, res) => {
      const user = userParam(ctx, req, 'userId');
      await ctx.oidc?.revokeAccountTokens(user.id, {
        clientId: req.params.clientId ?? '',
        sessions: false,
        tokens: true,
      });
      empty(res);
    },
  );
}
