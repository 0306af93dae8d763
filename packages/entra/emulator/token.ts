/**
 * The Microsoft identity platform endpoints the credential and the probes use: OIDC metadata, the v2.0
 * token endpoint (client credentials with a secret or a certificate assertion, password, refresh token),
 * and an emulator-only interactive sign-in that accepts a password or a Temporary Access Pass.
 * @module
 */

import {
  createHash,
  createPublicKey,
  constants as cryptoConstants,
  verify,
  X509Certificate,
} from 'node:crypto';
import type { EmuEnv } from './http.js';
import { newId, opaqueToken } from './ids.js';
import { appAccessToken } from './permissions.js';
import type { EmuPrincipal, EmuSession, EmuUser, TenantState } from './state.js';

/** A token-endpoint answer. */
export interface TokenReply {
  readonly status: number;
  readonly body: unknown;
}

/** Sign-in failures after which smart lockout engages. */
export const LOCKOUT_THRESHOLD = 10;
const ACCESS_TOKEN_SECONDS = 3599;

function oauthError(status: number, error: string, code: number, description: string): TokenReply {
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description}`,
      error_codes: [code],
      timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19),
      trace_id: newId(),
      correlation_id: newId(),
    },
  };
}

/** The OIDC discovery document, with endpoints on the public authority host. */
export function openidConfiguration(authority: string, tenantId: string): unknown {
  const base = `${authority}/${tenantId}`;
  return {
    issuer: `${base}/v2.0`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
  };
}

function issueAccessToken(tenant: TenantState, principal: EmuPrincipal): string {
  // Access tokens expire on wall time: @azure/identity caches them by wall time, not the emulator clock.
  const expiresMs = Date.now() + ACCESS_TOKEN_SECONDS * 1000;
  const token =
    principal.kind === 'app' ? appAccessToken(tenant, principal.appId, expiresMs) : opaqueToken(32);
  tenant.accessTokens.set(token, { principal, expiresMs });
  return token;
}

function decodeSegment(segment: string | undefined): Record<string, unknown> | null {
  try {
    return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Verifies a client assertion JWT against the app's registered certificates. */
function assertionValid(
  assertion: string,
  pems: readonly string[],
  clientId: string,
  audience: string,
): boolean {
  const [h, p, s] = assertion.split('.');
  const header = decodeSegment(h);
  const payload = decodeSegment(p);
  if (!header || !payload || !s) return false;
  if (payload.iss !== clientId || payload.sub !== clientId) return false;
  if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) return false;
  if (payload.aud !== audience) return false;
  for (const pem of pems) {
    const cert = new X509Certificate(pem);
    const thumb = createHash('sha256').update(cert.raw).digest('base64url');
    if (header['x5t#S256'] !== undefined && header['x5t#S256'] !== thumb) continue;
    const key = createPublicKey(cert.publicKey.export({ format: 'pem', type: 'spki' }));
    const data = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    const ok =
      header.alg === 'PS256'
        ? verify(
            'sha256',
            data,
            { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
            signature,
          )
        : header.alg === 'RS256' && verify('sha256', data, key, signature);
    if (ok) return true;
  }
  return false;
}

function clientCredentials(env: EmuEnv, form: Record<string, string>, audience: string): TokenReply {
  const app = env.tenant.apps.get(form.client_id ?? '');
  if (!app)
    return oauthError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${form.client_id}' was not found.`,
    );
  const secretOk = form.client_secret !== undefined && app.secrets.includes(form.client_secret);
  const assertionOk =
    form.client_assertion_type === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
    typeof form.client_assertion === 'string' &&
    assertionValid(form.client_assertion, app.certificates, app.appId, audience);
  if (!secretOk && !assertionOk) {
    return oauthError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
  }
  if (!(form.scope ?? '').includes('https://graph.microsoft.com/.default')) {
    return oauthError(400, 'invalid_scope', 1002012, 'The provided value for scope is not valid.');
  }
  const token = issueAccessToken(env.tenant, { kind: 'app', appId: app.appId });
  return {
    status: 200,
    body: {
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      ext_expires_in: ACCESS_TOKEN_SECONDS,
      access_token: token,
    },
  };
}

/** Creates a session and refresh token for the user (an interactive or ROPC sign-in). */
export function createSession(
  tenant: TenantState,
  user: EmuUser,
  _nowMs: number,
  expiresMs: number | null,
): EmuSession {
  tenant.seq += 1;
  const session: EmuSession = {
    id: newId(),
    userId: user.id,
    // Ordering, not time: a session is revoked when created before the last revokeSignInSessions.
    createdMs: tenant.seq,
    refreshToken: opaqueToken(48),
    expiresMs,
    active: true,
  };
  tenant.sessions.set(session.id, session);
  return session;
}

/** Whether a session still works: not revoked by revokeSignInSessions, not expired, user enabled. */
export function sessionValid(tenant: TenantState, session: EmuSession, nowMs: number): boolean {
  const user = tenant.users.get(session.userId);
  if (!user?.accountEnabled || !session.active) return false;
  if (session.expiresMs !== null && nowMs >= session.expiresMs) return false;
  return session.createdMs > revokedSeq(user);
}

const revokedAt = new WeakMap<EmuUser, number>();

/** Marks the user's sessions issued up to `upTo` (default: so far) as revoked. */
export function revokeUserSessions(tenant: TenantState, user: EmuUser, upTo?: number): void {
  tenant.seq += 1;
  revokedAt.set(user, Math.max(revokedAt.get(user) ?? 0, upTo ?? tenant.seq));
}

function revokedSeq(user: EmuUser): number {
  return revokedAt.get(user) ?? 0;
}

function findUser(tenant: TenantState, login: string): EmuUser | undefined {
  const lower = login.toLowerCase();
  for (const user of tenant.users.values()) {
    if (user.userPrincipalName.toLowerCase() === lower || user.id === login) return user;
  }
  return undefined;
}

const failures = new WeakMap<EmuUser, number>();
const lockedUntil = new WeakMap<EmuUser, number>();
/** Entra smart lockout: the first lockout lasts 60 seconds. */
export const LOCKOUT_MS = 60_000;

/** Checks a password sign-in (with smart lockout on the emulator clock); returns an error reply or the user. */
export function checkPassword(
  tenant: TenantState,
  login: string,
  password: string,
  nowMs: number,
): TokenReply | EmuUser {
  const user = findUser(tenant, login);
  if (!user)
    return oauthError(400, 'invalid_grant', 50034, 'The user account does not exist in this directory.');
  if (!user.accountEnabled) return oauthError(400, 'invalid_grant', 50057, 'The user account is disabled.');
  if (user.lockedOut && nowMs >= (lockedUntil.get(user) ?? 0)) {
    user.lockedOut = false;
    failures.set(user, 0);
  }
  if (user.lockedOut) return oauthError(400, 'invalid_grant', 50053, 'Your account is locked.');
  if (user.password !== password) {
    const count = (failures.get(user) ?? 0) + 1;
    failures.set(user, count);
    if (count >= LOCKOUT_THRESHOLD) {
      user.lockedOut = true;
      lockedUntil.set(user, nowMs + LOCKOUT_MS);
    }
    return oauthError(
      400,
      'invalid_grant',
      50126,
      'Error validating credentials due to invalid username or password.',
    );
  }
  failures.set(user, 0);
  return user;
}

function passwordGrant(env: EmuEnv, form: Record<string, string>): TokenReply {
  const app = env.tenant.apps.get(form.client_id ?? '');
  if (!app) return oauthError(400, 'unauthorized_client', 700016, 'Application was not found.');
  const result = checkPassword(env.tenant, form.username ?? '', form.password ?? '', env.now());
  if (!('id' in result)) return result;
  const session = createSession(env.tenant, result, env.now(), null);
  const token = issueAccessToken(env.tenant, { kind: 'user', userId: result.id, appId: app.appId });
  return {
    status: 200,
    body: {
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      access_token: token,
      refresh_token: session.refreshToken,
    },
  };
}

function refreshGrant(env: EmuEnv, form: Record<string, string>): TokenReply {
  const session = [...env.tenant.sessions.values()].find((s) => s.refreshToken === form.refresh_token);
  if (!session || !sessionValid(env.tenant, session, env.now())) {
    return oauthError(
      400,
      'invalid_grant',
      50173,
      'The provided grant has expired due to it being revoked, a fresh auth token is needed.',
    );
  }
  const token = issueAccessToken(env.tenant, {
    kind: 'user',
    userId: session.userId,
    appId: form.client_id ?? '',
  });
  return {
    status: 200,
    body: {
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      access_token: token,
      refresh_token: session.refreshToken,
    },
  };
}

/** Handles `POST /{tenant}/oauth2/v2.0/token`. */
export function tokenEndpoint(env: EmuEnv, form: Record<string, string>, audience: string): TokenReply {
  switch (form.grant_type) {
    case 'client_credentials':
      return clientCredentials(env, form, audience);
    case 'password':
      return passwordGrant(env, form);
    case 'refresh_token':
      return refreshGrant(env, form);
    default:
      return oauthError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
  }
}

/** Signs in interactively with a Temporary Access Pass, enforcing policy, lifetime and single use. */
export function signInWithTap(env: EmuEnv, login: string, pass: string): TokenReply {
  const { tenant } = env;
  const user = findUser(tenant, login);
  if (!user?.accountEnabled) return oauthError(400, 'invalid_grant', 50057, 'The user account is disabled.');
  const method = [...tenant.methods.values()].find(
    (m) => m.userId === user.id && m.type === 'temporaryAccessPass',
  );
  const tap = method?.tap;
  const now = env.now();
  const policy = tenant.tapPolicy;
  const targeted = policy.includeTargets.some(
    (target) => target.id === 'all_users' || tenant.groups.get(target.id)?.members.has(user.id),
  );
  if (!tap || tap.secret !== pass || policy.state !== 'enabled' || !targeted) {
    return oauthError(400, 'invalid_grant', 130503, 'The Temporary Access Pass is not valid.');
  }
  const endMs = tap.startMs + tap.lifetimeInMinutes * 60_000;
  if (now < tap.startMs || now >= endMs)
    return oauthError(400, 'invalid_grant', 130504, 'The Temporary Access Pass has expired.');
  if (tap.isUsableOnce && tap.used)
    return oauthError(400, 'invalid_grant', 130506, 'The Temporary Access Pass was already used.');
  tap.used = true;
  const session = createSession(tenant, user, now, endMs);
  return { status: 200, body: { session_id: session.id, refresh_token: session.refreshToken } };
}
