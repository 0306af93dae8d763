/**
 * Admin API: credentials, password reset, execute-actions email (action tokens to the outbox),
 * logout, sessions, consents / offline tokens, brute-force detection.
 * @module
 */

import { adminEvent, authenticate, type Emu, requireRole, targetUser } from './context.js';
import { HttpError, messageError, oauthError, type Req, type Res, type Router } from './http.js';
import { signHs256 } from './jwt.js';
import { passwordPolicyError, storePassword } from './password.js';
import { credentialRep, sessionRep } from './represent.js';
import { REQUIRED_ACTIONS } from './routes-users.js';
import { clientByClientId, newId } from './state.js';

const U = '/admin/realms/:realm/users';

function resetPassword(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  const user = targetUser(emu, caller, req.params.id ?? '', 'reset-password');
  const rep = req.body as { type?: unknown; value?: unknown; temporary?: unknown } | undefined;
  if (typeof rep?.value !== 'string' || rep.value.length === 0) throw messageError(400, 'Empty password');
  const refused = passwordPolicyError(rep.value);
  if (refused !== null) throw messageError(400, refused);
  storePassword(emu, user, rep.value);
  const others = user.requiredActions.filter((a) => a !== 'UPDATE_PASSWORD');
  user.requiredActions = rep.temporary === false ? others : [...others, 'UPDATE_PASSWORD'];
  adminEvent(emu, caller, 'ACTION', 'USER', `users/${user.id}/reset-password`);
  return { status: 204 };
}

function executeActionsEmail(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  const user = targetUser(emu, caller, req.params.id ?? '', 'manage');
  const actions = req.body;
  const clientId = req.query.get('client_id');
  const redirectUri = req.query.get('redirect_uri');
  const lifespanRaw = req.query.get('lifespan');
  if (user.email === undefined) throw messageError(400, 'User email missing');
  if (!user.enabled) throw messageError(400, 'User is disabled');
  if (redirectUri !== null && clientId === null) throw messageError(400, 'Client id missing');
  const client = clientByClientId(emu.realm, clientId ?? 'account');
  if (client === undefined || !client.enabled)
    throw messageError(400, clientId === null ? "Client doesn't exist" : "Client doesn't exist");
  if (
    redirectUri !== null &&
    !client.redirectUris.some((p) =>
      p.endsWith('*') ? redirectUri.startsWith(p.slice(0, -1)) : p === redirectUri,
    )
  ) {
    throw messageError(400, 'Invalid redirect uri.');
  }
  if (
    !Array.isArray(actions) ||
    actions.some((a) => typeof a !== 'string' || !REQUIRED_ACTIONS.includes(a))
  ) {
    throw messageError(400, 'Provided invalid required actions');
  }
  const lifespan =
    lifespanRaw === null ? emu.realm.settings.actionTokenGeneratedByAdminLifespan : Number(lifespanRaw);
  if (!Number.isInteger(lifespan)) throw oauthError(400, 'invalid_request', 'lifespan must be an integer');
  const iat = Math.floor(emu.now() / 1000);
  const token = signHs256(emu.realm.keys, {
    typ: 'execute-actions',
    jti: newId(),
    sub: user.id,
    iat,
    exp: iat + lifespan,
    iss: `${emu.baseUrl}/realms/${emu.realm.settings.realm}`,
    aud: `${emu.baseUrl}/realms/${emu.realm.settings.realm}`,
    azp: client.clientId,
    eml: user.email,
    rqac: actions,
    ...(redirectUri === null ? {} : { reduri: redirectUri }),
  });
  const link = `${emu.baseUrl}/realms/${emu.realm.settings.realm}/login-actions/action-token?key=${token}&client_id=${encodeURIComponent(client.clientId)}`;
  emu.realm.outbox.push({
    to: user.email,
    userId: user.id,
    subject: 'Update Your Account',
    link,
    actions: actions as string[],
    sentAt: emu.now(),
    expiresAt: (iat + lifespan) * 1000,
  });
  adminEvent(emu, caller, 'ACTION', 'USER', `users/${user.id}/execute-actions-email`);
  return { status: 204 };
}

async function logout(emu: Emu, req: Req): Promise<Res> {
  const caller = authenticate(emu, req);
  const user = targetUser(emu, caller, req.params.id ?? '', 'manage');
  user.notBefore = Math.floor(emu.now() / 1000);
  for (const [id, s] of emu.realm.sessions)
    if (s.userId === user.id && !s.offline) emu.realm.sessions.delete(id);
  await emu.revokeOidc?.(user.id);
  adminEvent(emu, caller, 'ACTION', 'USER', `users/${user.id}/logout`);
  return { status: 204 };
}

function consents(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  const user = targetUser(emu, caller, req.params.id ?? '', 'view');
  const byClient = new Map(emu.realm.consents.get(user.id) ?? []);
  const offline = new Set<string>();
  for (const s of emu.realm.sessions.values())
    if (s.userId === user.id && s.offline) for (const c of s.clients) offline.add(c);
  const ids = new Set([...byClient.keys(), ...offline]);
  const body = [...ids].flatMap((cid) => {
    const client = emu.realm.clients.get(cid);
    if (client === undefined) return [];
    const consent = byClient.get(cid);
    return [
      {
        clientId: client.clientId,
        grantedClientScopes: consent?.grantedClientScopes ?? [],
        createdDate: consent?.createdDate ?? 0,
        lastUpdatedDate: consent?.lastUpdatedDate ?? 0,
        grantedRealmRoles: [],
        ...(offline.has(cid) ? { additionalGrants: [{ client: cid, key: 'Offline Token' }] } : {}),
      },
    ];
  });
  return { status: 200, body };
}

async function revokeConsent(emu: Emu, req: Req): Promise<Res> {
  const caller = authenticate(emu, req);
  const user = targetUser(emu, caller, req.params.id ?? '', 'manage');
  const client = clientByClientId(emu.realm, req.params.clientId ?? '');
  if (client === undefined) throw new HttpError(404, { error: 'Client not found' });
  const hadConsent = emu.realm.consents.get(user.id)?.delete(client.id) ?? false;
  let hadOffline = false;
  for (const [id, s] of emu.realm.sessions) {
    if (s.userId === user.id && s.offline && s.clients.has(client.id)) {
      emu.realm.sessions.delete(id);
      hadOffline = true;
    }
  }
  await emu.revokeOidc?.(user.id, client.clientId);
  if (!hadConsent && !hadOffline) throw new HttpError(404, { error: 'Consent nor offline token not found' });
  adminEvent(emu, caller, 'ACTION', 'USER', `users/${user.id}/consents/${client.clientId}`);
  return { status: 204 };
}

function bruteForceStatus(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  const user = targetUser(emu, caller, req.params.userId ?? '', 'view');
  const f = emu.realm.loginFailures.get(user.id);
  const now = emu.now();
  return {
    status: 200,
    body: {
      numFailures: f?.numFailures ?? 0,
      numTemporaryLockouts: f?.numTemporaryLockouts ?? 0,
      disabled: f !== undefined && f.failedLoginNotBefore * 1000 > now,
      lastIPFailure: f?.lastIPFailure ?? 'n/a',
      lastFailure: f?.lastFailure ?? 0,
      failedLoginNotBefore: f?.failedLoginNotBefore ?? 0,
    },
  };
}

/** Registers credential, session and brute-force routes. */
export function credentialRoutes(router: Router, emu: Emu): void {
  router.on('GET', `${U}/:id/credentials`, (req) => {
    const caller = authenticate(emu, req);
    const user = targetUser(emu, caller, req.params.id ?? '', 'view');
    return {
      status: 200,
      body: [...user.credentials].sort((a, b) => a.priority - b.priority).map(credentialRep),
    };
  });
  router.on('DELETE', `${U}/:id/credentials/:credentialId`, (req) => {
    const caller = authenticate(emu, req);
    const user = targetUser(emu, caller, req.params.id ?? '', 'manage');
    const before = user.credentials.length;
    user.credentials = user.credentials.filter((c) => c.id !== req.params.credentialId);
    if (user.credentials.length === before) throw new HttpError(404, { error: 'Credential not found' });
    adminEvent(emu, caller, 'ACTION', 'USER', `users/${user.id}/credentials/${req.params.credentialId}`);
    return { status: 204 };
  });
  router.on('PUT', `${U}/:id/reset-password`, (req) => resetPassword(emu, req));
  router.on('PUT', `${U}/:id/remove-totp`, () => {
    throw new HttpError(404, { error: 'RESTEASY003210: Could not find resource for full path' });
  });
  router.on('PUT', `${U}/:id/execute-actions-email`, (req) => executeActionsEmail(emu, req));
  router.on('POST', `${U}/:id/logout`, (req) => logout(emu, req));
  router.on('GET', `${U}/:id/sessions`, (req) => {
    const caller = authenticate(emu, req);
    const user = targetUser(emu, caller, req.params.id ?? '', 'view');
    const list = [...emu.realm.sessions.values()].filter((s) => s.userId === user.id && !s.offline);
    return { status: 200, body: list.map((s) => sessionRep(emu.realm, s, user)) };
  });
  router.on('GET', `${U}/:id/offline-sessions/:clientUuid`, (req) => {
    const caller = authenticate(emu, req);
    const user = targetUser(emu, caller, req.params.id ?? '', 'view');
    const list = [...emu.realm.sessions.values()].filter(
      (s) => s.userId === user.id && s.offline && s.clients.has(req.params.clientUuid ?? ''),
    );
    return { status: 200, body: list.map((s) => sessionRep(emu.realm, s, user)) };
  });
  router.on('GET', `${U}/:id/consents`, (req) => consents(emu, req));
  router.on('DELETE', `${U}/:id/consents/:clientId`, (req) => revokeConsent(emu, req));
  const BF = '/admin/realms/:realm/attack-detection/brute-force/users/:userId';
  router.on('GET', BF, (req) => bruteForceStatus(emu, req));
  router.on('DELETE', BF, (req) => {
    const caller = authenticate(emu, req);
    const user = targetUser(emu, caller, req.params.userId ?? '', 'manage');
    emu.realm.loginFailures.delete(user.id);
    adminEvent(emu, caller, 'DELETE', 'USER_LOGIN_FAILURE', `attack-detection/brute-force/users/${user.id}`);
    return { status: 204 };
  });
  router.on('DELETE', '/admin/realms/:realm/sessions/:session', (req) => {
    const caller = authenticate(emu, req);
    requireRole(emu, caller, 'manage-users');
    const offline = req.query.get('isOffline') === 'true';
    const s = emu.realm.sessions.get(req.params.session ?? '');
    if (s === undefined || s.offline !== offline) throw new HttpError(404, { error: 'Sesssion not found' });
    emu.realm.sessions.delete(s.id);
    adminEvent(emu, caller, 'DELETE', 'USER_SESSION', `sessions/${s.id}`, { offline });
    return { status: 204 };
  });
}
