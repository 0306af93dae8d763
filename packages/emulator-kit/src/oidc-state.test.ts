import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowserlessAgent, formAction, signInBrowserless } from './browserless.js';
import { type OidcFixture, startOidcFixture } from './oidc-fixture.js';

let fx: OidcFixture;
beforeAll(async () => {
  fx = await startOidcFixture();
});
afterAll(async () => {
  await fx.http.close();
});

describe('createOidcServer: token state', () => {
  it('refresh works, and fails after revokeAccountTokens', async () => {
    const { tokens } = await fx.signIn('alice');
    const token = String(tokens.refresh_token);
    expect((await fx.refresh(token)).status).toBe(200);
    expect(await fx.oidc.refreshTokenWorks(token)).toBe(true);
    expect(await fx.oidc.refreshTokenWorks(token)).toBe(true);
    const sessions = await fx.oidc.listSessions('u1');
    expect(sessions.length).toBeGreaterThan(0);
    const revoked = await fx.oidc.revokeAccountTokens('u1');
    expect(revoked.tokens).toBeGreaterThan(0);
    expect(await fx.oidc.refreshTokenWorks(token)).toBe(false);
    const response = await fx.refresh(token);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
    expect(await fx.oidc.listSessions('u1')).toEqual([]);
    for (const session of sessions) expect(await fx.oidc.sessionActive(session.sessionId)).toBe(false);
  });

  it('mintRefreshToken creates a working token and a session; revoke kills both', async () => {
    const { refreshToken, sessionId } = await fx.oidc.mintRefreshToken('u2', 'gate');
    expect(await fx.oidc.refreshTokenWorks(refreshToken)).toBe(true);
    expect(await fx.oidc.sessionActive(sessionId)).toBe(true);
    const response = await fx.refresh(refreshToken);
    const body = (await response.json()) as { id_token: string };
    expect(JSON.parse(Buffer.from(body.id_token.split('.')[1] ?? '', 'base64url').toString()).sub).toBe('u2');
    await fx.oidc.revokeAccountTokens('u2');
    expect(await fx.oidc.refreshTokenWorks(refreshToken)).toBe(false);
    expect(await fx.oidc.sessionActive(sessionId)).toBe(false);
  });

  it('issuedBefore spares what was issued later; accessTokens: false keeps access tokens until expiry', async () => {
    const early = await fx.oidc.mintRefreshToken('u4', 'gate');
    // A cutoff before the token was issued revokes nothing.
    const none = await fx.oidc.revokeAccountTokens('u4', { issuedBefore: Date.now() - 60_000 });
    expect(none).toEqual({ sessions: 0, grants: 0, tokens: 0 });
    expect(await fx.oidc.refreshTokenWorks(early.refreshToken)).toBe(true);
    expect(await fx.oidc.sessionActive(early.sessionId)).toBe(true);

    const { tokens } = await fx.signIn('alice');
    const access = String(tokens.access_token);
    const refresh = String(tokens.refresh_token);
    const userinfo = () =>
      fetch(fx.oidc.endpoints.userinfo, { headers: { authorization: `Bearer ${access}` } }).then(
        (r) => r.status,
      );
    expect(await userinfo()).toBe(200);
    await fx.oidc.revokeAccountTokens('u1', { issuedBefore: Date.now() + 1_000, accessTokens: false });
    expect(await fx.oidc.refreshTokenWorks(refresh)).toBe(false);
    expect(await userinfo()).toBe(200);
    await fx.oidc.revokeAccountTokens('u1');
    expect(await userinfo()).toBe(401);
  });

  it('revoking one client leaves other clients and the session alone', async () => {
    await fx.oidc.registerClient({
      client_id: 'other',
      client_secret: 'other-secret',
      redirect_uris: [fx.redirectUri],
    });
    const mine = await fx.oidc.mintRefreshToken('u3', 'gate');
    const theirs = await fx.oidc.mintRefreshToken('u3', 'other');
    await fx.oidc.revokeAccountTokens('u3', { clientId: 'gate' });
    expect(await fx.oidc.refreshTokenWorks(mine.refreshToken)).toBe(false);
    expect(await fx.oidc.refreshTokenWorks(theirs.refreshToken)).toBe(true);
    expect(await fx.oidc.sessionActive(mine.sessionId)).toBe(true);
  });

  it('a disabled account can neither sign in nor refresh', async () => {
    const { refreshToken } = await fx.oidc.mintRefreshToken('u4', 'gate');
    expect(await fx.oidc.refreshTokenWorks(refreshToken)).toBe(true);
    const user = fx.users.u4;
    if (!user) throw new Error('fixture');
    user.active = false;
    try {
      expect(await fx.oidc.refreshTokenWorks(refreshToken)).toBe(false);
      await expect(fx.signIn('dave')).rejects.toThrow(/login step \(401\)/);
    } finally {
      user.active = true;
    }
  });

  it('registerClient refuses invalid metadata and leaves the old client working', async () => {
    await expect(fx.oidc.registerClient({ client_id: 'gate', redirect_uris: ['not a url'] })).rejects.toThrow(
      TypeError,
    );
    const { idToken } = await fx.signIn('alice');
    expect(idToken.aud).toBe('gate');
  });

  it('RP-initiated logout on the branded page ends the session', async () => {
    const { agent, tokens } = await fx.signIn('bob');
    const before = await fx.oidc.listSessions('u2');
    expect(before.length).toBeGreaterThan(0);
    const query = new URLSearchParams({ id_token_hint: tokens.id_token, client_id: 'gate' });
    const confirm = await agent.go(`${fx.oidc.endpoints.endSession}?${query}`);
    expect(confirm.body).toContain('>Sign out</button>');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const done = await agent.go(formAction(confirm), { form: { xsrf, logout: 'yes' } });
    expect(done.body).toContain('You have signed out.');
    for (const session of before) expect(await fx.oidc.sessionActive(session.sessionId)).toBe(false);
  });

  it('registerClient adds a redirect URI to an existing client (the gate registers its pages)', async () => {
    const pages = 'http://127.0.0.1:9/pages/callback';
    await fx.oidc.registerClient({ client_id: 'gate', redirect_uris: [fx.redirectUri, pages] });
    const result = await signInBrowserless({
      authorizationEndpoint: fx.oidc.endpoints.authorization,
      tokenEndpoint: fx.oidc.endpoints.token,
      clientId: 'gate',
      redirectUri: pages,
      login: 'alice',
      password: fx.password,
    });
    expect(result.idToken.sub).toBe('u1');
  });
});

describe('createOidcServer: refusals', () => {
  it('a rejected push ends with access_denied at the client', async () => {
    await expect(
      signInBrowserless({
        authorizationEndpoint: fx.oidc.endpoints.authorization,
        tokenEndpoint: fx.oidc.endpoints.token,
        clientId: 'gate',
        redirectUri: fx.redirectUri,
        login: 'bob',
        password: fx.password,
        params: { acr_values: 'phr' },
        approvePush: () => {
          expect(fx.oidc.answerPush('u2', 'reject')).toBe(true);
        },
      }),
    ).rejects.toThrow(/access_denied/);
    expect(fx.oidc.answerPush('u2', 'approve')).toBe(false);
  });

  it('five wrong codes end the attempt with access_denied', async () => {
    const agent = createBrowserlessAgent(fx.redirectUri);
    const query = new URLSearchParams({
      client_id: 'gate',
      redirect_uri: fx.redirectUri,
      response_type: 'code',
      scope: 'openid',
      acr_values: 'urn:okta:loa:2fa:any',
      code_challenge: 'y'.repeat(43),
      code_challenge_method: 'S256',
    });
    const login = await agent.go(`${fx.oidc.endpoints.authorization}?${query}`);
    let page = await agent.go(formAction(login), { form: { login: 'alice', password: fx.password } });
    for (let i = 0; i < 4; i += 1) {
      expect(page.body).toContain('name="otp"');
      page = await agent.go(formAction(page), { form: { otp: '999999' } });
      expect(page.status).toBe(401);
    }
    page = await agent.go(formAction(page), { form: { otp: '999999' } });
    expect(page.stopped).toBe(true);
    expect(new URL(page.url).searchParams.get('error')).toBe('access_denied');
  });

  it('an interaction URL without its cookie shows an error page, not a form', async () => {
    const response = await fetch(`${fx.http.url}/oauth2/default/interaction/forged-uid`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const body = await response.text();
    expect(body).toContain('expired');
    expect(body).not.toContain('name="password"');
  });

  it('escapes the login hint on the page', async () => {
    const agent = createBrowserlessAgent(fx.redirectUri);
    const query = new URLSearchParams({
      client_id: 'gate',
      redirect_uri: fx.redirectUri,
      response_type: 'code',
      scope: 'openid',
      login_hint: '"><script>alert(1)</script>',
      code_challenge: 'z'.repeat(43),
      code_challenge_method: 'S256',
    });
    const page = await agent.go(`${fx.oidc.endpoints.authorization}?${query}`);
    expect(page.body).toContain('&quot;&gt;&lt;script&gt;');
    expect(page.body).not.toContain('<script>');
  });
});

describe('createOidcServer: partial revocation', () => {
  it('ending sessions only leaves refresh tokens working; one token or one session can go alone', async () => {
    const first = await fx.oidc.mintRefreshToken('u3', 'gate');
    const second = await fx.oidc.mintRefreshToken('u3', 'gate');
    const ended = await fx.oidc.revokeAccountTokens('u3', { tokens: false });
    expect(ended.tokens).toBe(0);
    expect(await fx.oidc.sessionActive(first.sessionId)).toBe(false);
    expect(await fx.oidc.refreshTokenWorks(first.refreshToken)).toBe(true);
    expect(await fx.oidc.revokeRefreshToken(first.refreshToken)).toBe(true);
    expect(await fx.oidc.refreshTokenWorks(first.refreshToken)).toBe(false);
    expect(await fx.oidc.refreshTokenWorks(second.refreshToken)).toBe(true);
    const third = await fx.oidc.mintRefreshToken('u3', 'gate');
    expect(await fx.oidc.endSession(third.sessionId)).toBe(true);
    expect(await fx.oidc.endSession(third.sessionId)).toBe(false);
    expect(await fx.oidc.refreshTokenWorks(third.refreshToken)).toBe(true);
  });
});
