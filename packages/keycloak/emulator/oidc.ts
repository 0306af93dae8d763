/**
 * The realm's OIDC endpoints: discovery, JWKS, the token endpoint (client_credentials, password,
 * refresh_token with Keycloak's not-before and session checks) and the action-token endpoint that
 * enforces expiry, single use of one-time actions and the email binding.
 * @module
 */

import { secretsEqual } from '@recovery-gate/core';
import { newOtpKey, otpCodeForKey } from '@recovery-gate/emulator-kit';
import { type Emu, loginEvent } from './context.js';
import { oauthError, type Req, type Res, type Router } from './http.js';
import { type Claims, signEs256, verifyJwt } from './jwt.js';
import { finishUpdatePassword } from './password.js';
import type { EmuClient, EmuUser } from './state.js';
import { clientByClientId, effectiveRealmRoles, newId } from './state.js';
import { bindTotp } from './totp.js';

const P = '/realms/:realm';
/** A handler result meaning "let the realm's OIDC server (emulator-kit) answer". */
export const DELEGATE: Res = { status: 0 };
/** Refresh tokens live 30 minutes, offline tokens 30 days (Keycloak defaults). */
const REFRESH_LIFESPAN = 1800;
const OFFLINE_LIFESPAN = 2_592_000;
const TEMP_LOCKOUT_SECONDS = 900;
/** Required actions whose action tokens are single-use (RequiredActionFactory.isOneTimeAction). */
export const ONE_TIME_ACTIONS = ['UPDATE_PASSWORD', 'CONFIGURE_TOTP', 'CONFIGURE_RECOVERY_AUTHN_CODES'];

const issuer = (emu: Emu): string => `${emu.baseUrl}/realms/${emu.realm.settings.realm}`;

function clientAuth(emu: Emu, req: Req, form: Record<string, string>): EmuClient {
  let id = form.client_id;
  let secret = form.client_secret;
  const basic = req.headers.authorization;
  if (typeof basic === 'string' && basic.startsWith('Basic ')) {
    const [u, p] = Buffer.from(basic.slice(6), 'base64').toString('utf8').split(':');
    id = decodeURIComponent((u ?? '').replace(/\+/g, ' '));
    secret = decodeURIComponent((p ?? '').replace(/\+/g, ' '));
  }
  const client = id === undefined ? undefined : clientByClientId(emu.realm, id);
  if (client === undefined || !client.enabled)
    throw oauthError(401, 'invalid_client', 'Invalid client or Invalid client credentials');
  if (
    !client.publicClient &&
    (secret === undefined || client.secret === undefined || !secretsEqual(secret, client.secret))
  ) {
    throw oauthError(401, 'unauthorized_client', 'Invalid client or Invalid client credentials');
  }
  return client;
}

function accessToken(emu: Emu, user: EmuUser, client: EmuClient, sid: string | null, scope: string): Claims {
  const iat = Math.floor(emu.now() / 1000);
  const jti = newId();
  // Lightweight access tokens (Keycloak 24+ option) carry no sub: the server resolves the subject itself.
  if (emu.realm.settings.lightweightAccessTokens) emu.realm.tokenSubjects.set(jti, user.id);
  return {
    exp: iat + emu.realm.settings.accessTokenLifespan,
    iat,
    jti,
    iss: issuer(emu),
    aud: 'account',
    ...(emu.realm.settings.lightweightAccessTokens
      ? {}
      : { sub: user.id, preferred_username: user.username }),
    typ: 'Bearer',
    azp: client.clientId,
    ...(sid === null ? {} : { sid }),
    acr: '1',
    scope,
    realm_access: { roles: [...effectiveRealmRoles(emu.realm, user)] },
  };
}

function tokenResponse(
  emu: Emu,
  user: EmuUser,
  client: EmuClient,
  sid: string | null,
  offline: boolean,
  scope: string,
): Res {
  const at = accessToken(emu, user, client, sid, scope);
  const body: Record<string, unknown> = {
    access_token: signEs256(emu.realm.keys, at),
    expires_in: emu.realm.settings.accessTokenLifespan,
    token_type: 'Bearer',
    'not-before-policy': emu.realm.settings.notBefore,
    scope,
    refresh_expires_in: 0,
  };
  if (sid !== null) {
    const lifespan = offline ? OFFLINE_LIFESPAN : REFRESH_LIFESPAN;
    const iat = at.iat as number;
    const claims = {
      exp: iat + lifespan,
      iat,
      jti: newId(),
      iss: issuer(emu),
      aud: issuer(emu),
      sub: user.id,
      typ: offline ? 'Offline' : 'Refresh',
      azp: client.clientId,
      sid,
      scope,
    };
    body.refresh_token = signEs256(emu.realm.keys, claims);
    body.refresh_expires_in = offline ? 0 : lifespan;
    body.session_state = sid;
  }
  return { status: 200, body, headers: { 'cache-control': 'no-store', pragma: 'no-cache' } };
}

function passwordGrant(emu: Emu, client: EmuClient, form: Record<string, string>): Res {
  if (!client.directAccessGrantsEnabled)
    throw oauthError(400, 'unauthorized_client', 'Client not allowed for direct access grants');
  const name = (form.username ?? '').toLowerCase();
  const user = [...emu.realm.users.values()].find((u) => u.username === name || u.email === name);
  const invalid = oauthError(401, 'invalid_grant', 'Invalid user credentials');
  if (user === undefined) throw invalid;
  if (!user.enabled) throw oauthError(400, 'invalid_grant', 'Account disabled');
  const nowMs = emu.now();
  const failure = emu.realm.loginFailures.get(user.id);
  if (failure !== undefined && failure.failedLoginNotBefore * 1000 > nowMs) throw invalid;
  const password = user.credentials.find((c) => c.type === 'password');
  if (password?.secret === undefined || !secretsEqual(password.secret, form.password ?? '')) {
    recordFailure(emu, user);
    loginEvent(emu, 'LOGIN_ERROR', user.id, client.clientId, { error: 'invalid_user_credentials' });
    throw invalid;
  }
  emu.realm.loginFailures.delete(user.id);
  if (user.requiredActions.length > 0) throw oauthError(400, 'invalid_grant', 'Account is not fully set up');
  const offline = (form.scope ?? '').split(' ').includes('offline_access');
  const sid = newId();
  emu.realm.sessions.set(sid, {
    id: sid,
    userId: user.id,
    clients: new Set([client.id]),
    start: nowMs,
    lastAccess: nowMs,
    offline,
  });
  loginEvent(emu, 'LOGIN', user.id, client.clientId);
  return tokenResponse(
    emu,
    user,
    client,
    sid,
    offline,
    offline ? 'openid offline_access profile email' : 'openid profile email',
  );
}

/** Counts a failed sign-in and locks temporarily every `failureFactor` failures (brute-force detection). */
export function recordFailure(emu: Emu, user: EmuUser): void {
  const s = emu.realm.settings;
  if (!s.bruteForceProtected) return;
  const f = emu.realm.loginFailures.get(user.id) ?? {
    numFailures: 0,
    numTemporaryLockouts: 0,
    lastFailure: 0,
    lastIPFailure: '127.0.0.1',
    failedLoginNotBefore: 0,
  };
  f.numFailures += 1;
  f.lastFailure = emu.now();
  if (f.numFailures % s.failureFactor === 0) {
    f.numTemporaryLockouts += 1;
    f.failedLoginNotBefore = Math.floor(emu.now() / 1000) + TEMP_LOCKOUT_SECONDS;
  }
  emu.realm.loginFailures.set(user.id, f);
}

function refreshGrant(emu: Emu, client: EmuClient, form: Record<string, string>): Res {
  const claims = verifyJwt(emu.realm.keys, form.refresh_token ?? '');
  if (claims === null || (claims.typ !== 'Refresh' && claims.typ !== 'Offline'))
    throw oauthError(400, 'invalid_grant', 'Invalid refresh token');
  const nowSec = Math.floor(emu.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= nowSec)
    throw oauthError(400, 'invalid_grant', 'Token is not active');
  if (claims.azp !== client.clientId)
    throw oauthError(
      400,
      'invalid_grant',
      "Invalid refresh token. Token client and authorized client don't match",
    );
  const user = emu.realm.users.get(String(claims.sub));
  if (user === undefined || !user.enabled) throw oauthError(400, 'invalid_grant', 'User disabled');
  const iat = Number(claims.iat);
  if (iat < user.notBefore || iat < emu.realm.settings.notBefore)
    throw oauthError(400, 'invalid_grant', 'Stale token');
  const offline = claims.typ === 'Offline';
  const session = emu.realm.sessions.get(String(claims.sid));
  if (session === undefined || session.offline !== offline || session.userId !== user.id) {
    throw oauthError(400, 'invalid_grant', offline ? 'Offline user session not found' : 'Session not active');
  }
  session.lastAccess = emu.now();
  return tokenResponse(emu, user, client, session.id, offline, String(claims.scope ?? 'openid'));
}

const page = (status: number, message: string): Res => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!doctype html><title>Keycloak</title><p id="kc-page-message">${message}</p>`,
});

type TokenCheck =
  | { readonly ok: false; readonly res: Res }
  | {
      readonly ok: true;
      readonly user: EmuUser;
      readonly actions: string[];
      readonly jti: string;
      readonly oneTime: boolean;
      readonly azp: string;
    };

/** The checks of `LoginActionsService` on an action token, including `checkTokenWasNotUsedYet`. */
function checkActionToken(emu: Emu, key: string): TokenCheck {
  const fail = (message: string): TokenCheck => ({ ok: false, res: page(400, message) });
  const claims = verifyJwt(emu.realm.keys, key);
  if (claims === null || claims.typ !== 'execute-actions') return fail('Invalid action token');
  if (typeof claims.exp !== 'number' || claims.exp <= Math.floor(emu.now() / 1000))
    return fail('Action expired. Please continue with login now.');
  const user = emu.realm.users.get(String(claims.sub));
  if (user === undefined || !user.enabled) return fail('Invalid user');
  if (claims.eml !== user.email) return fail('Invalid email address.');
  const actions = Array.isArray(claims.rqac) ? claims.rqac.map(String) : [];
  const oneTime = actions.some((a) => ONE_TIME_ACTIONS.includes(a));
  const jti = String(claims.jti);
  if (oneTime && emu.realm.usedActionTokens.has(jti))
    return fail('Action already used. Please continue with login now.');
  return { ok: true, user, actions, jti, oneTime, azp: String(claims.azp ?? 'account') };
}

/**
 * GET login-actions/action-token: what clicking the emailed link does. It starts the required actions but does
 * not spend the token: Keycloak only notes INVALIDATE_ACTION_TOKEN, and puts the key in the single-use store when
 * the required actions finish (`AuthenticationManager.finishedRequiredActions`). An opened link stays usable.
 */
function actionToken(emu: Emu, req: Req): Res {
  const key = req.query.get('key') ?? '';
  const t = checkActionToken(emu, key);
  if (!t.ok) return t.res;
  t.user.emailVerified = true;
  loginEvent(emu, 'EXECUTE_ACTION_TOKEN', t.user.id, t.azp, { action: 'execute-actions' });
  const shown = page(200, `Perform the following action(s): ${t.actions.join(', ')}`);
  // The key is a compact JWS (base64url and dots): nothing in it needs escaping in an attribute.
  // A person finishes the actions here (Keycloak shows the action's own form): new password fields when asked.
  // CONFIGURE_TOTP shows a fresh key (Keycloak's login-config-totp form carries it back as totpSecret) and
  // asks for the code the app then shows. The key is base32: nothing in it needs escaping either.
  const totpField = (totpKey: string) =>
    `<input type="hidden" name="totpSecret" value="${totpKey}"><p>Add an account in your authenticator app with this key: <code id="kc-totp-secret-key">${totpKey}</code></p><p><label>One-time code <input type="text" name="totp" autocomplete="one-time-code"></label></p><p><label>Device name <input type="text" name="userLabel"></label></p>`;
  const totp = t.actions.includes('CONFIGURE_TOTP') ? totpField(newOtpKey()) : '';
  const password = t.actions.includes('UPDATE_PASSWORD')
    ? '<p><label>New password <input type="password" name="password-new" autocomplete="new-password"></label></p><p><label>Confirm password <input type="password" name="password-confirm" autocomplete="new-password"></label></p>'
    : '';
  const fields = `${totp}${password}`;
  const form = `<form method="post" action="${issuer(emu)}/login-actions/required-action"><input type="hidden" name="key" value="${key}">${fields}<button type="submit">Submit</button></form>`;
  return { ...shown, body: `${String(shown.body)}${form}` };
}

/** POST login-actions/required-action: the user finishes the required actions; a one-time token is spent now. */
function finishRequiredActions(emu: Emu, req: Req): Res {
  const form = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, string>;
  const t = checkActionToken(emu, form.key ?? '');
  if (!t.ok) return t.res;
  // Every check before any change: a refused form leaves the user as it was.
  const totpKey = form.totpSecret ?? '';
  if (t.actions.includes('CONFIGURE_TOTP')) {
    const code = (form.totp ?? '').trim();
    if (code === '') return page(400, 'Please specify authenticator code.');
    if (!/^[A-Z2-7]{32}$/.test(totpKey) || !secretsEqual(code, otpCodeForKey(totpKey)))
      return page(400, 'Invalid authenticator code.');
  }
  if (t.actions.includes('UPDATE_PASSWORD')) {
    const next = form['password-new'] ?? '';
    if (next !== form['password-confirm']) return page(400, "Passwords don't match.");
    const refused = finishUpdatePassword(emu, t.user, next, t.azp);
    if (refused !== null) return page(400, refused);
  }
  if (t.actions.includes('CONFIGURE_TOTP'))
    bindTotp(emu, t.user, totpKey, (form.userLabel ?? '').trim().slice(0, 255), t.azp);
  t.user.requiredActions = t.user.requiredActions.filter((a) => !t.actions.includes(a));
  if (t.oneTime) emu.realm.usedActionTokens.add(t.jti);
  return page(200, 'Your account has been updated.');
}

/** Registers the realm's OIDC and login-actions endpoints. */
export function oidcRoutes(router: Router, emu: Emu): void {
  router.on('POST', `${P}/protocol/openid-connect/token`, (req) => {
    const form = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<
      string,
      string
    >;
    // Code flows (the verification page's step-up sign-in) and their refresh tokens belong to the kit's server.
    if (form.grant_type === 'authorization_code') return DELEGATE;
    if (form.grant_type === 'refresh_token' && verifyJwt(emu.realm.keys, form.refresh_token ?? '') === null) {
      return DELEGATE;
    }
    const client = clientAuth(emu, req, form);
    switch (form.grant_type) {
      case 'client_credentials': {
        if (!client.serviceAccountsEnabled)
          throw oauthError(400, 'unauthorized_client', 'Client not enabled to retrieve service account');
        const sa = [...emu.realm.users.values()].find((u) => u.serviceAccountClientId === client.id);
        if (sa === undefined)
          throw oauthError(400, 'unauthorized_client', 'Client not enabled to retrieve service account');
        return tokenResponse(emu, sa, client, null, false, 'profile email');
      }
      case 'password':
        return passwordGrant(emu, client, form);
      case 'refresh_token':
        return refreshGrant(emu, client, form);
      default:
        throw oauthError(400, 'unsupported_grant_type', 'Unsupported grant_type');
    }
  });
  router.on('GET', `${P}/login-actions/action-token`, (req) => actionToken(emu, req));
  router.on('POST', `${P}/login-actions/required-action`, (req) => finishRequiredActions(emu, req));
}
