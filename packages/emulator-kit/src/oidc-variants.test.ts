import { afterEach, describe, expect, it } from 'vitest';
import { decodeJwtPayload, signInBrowserless } from './browserless.js';
import { type HttpServerHandle, json, startHttpServer } from './http.js';
import { createOidcServer, OIDC_ROUTE_PRESETS } from './oidc.js';
import type { OidcAccounts, OidcServerOptions } from './oidc-types.js';
import { createRouter } from './router.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const accounts: OidcAccounts = {
  findAccount: (id) =>
    id === 'kc-1' ? { preferred_username: 'alice', email: 'alice@example.com' } : undefined,
  authenticate: (login, password) => (login === 'alice' && password === 'pw' ? 'kc-1' : null),
  secondFactor: () => 'otp',
  currentOtp: () => '111222',
};

let http: HttpServerHandle | undefined;
afterEach(async () => {
  await http?.close();
  http = undefined;
});

async function start(
  build: (url: string) => Omit<OidcServerOptions, 'accounts'>,
  accountsOverride = accounts,
) {
  const router = createRouter();
  http = await startHttpServer(router.handle);
  const oidc = await createOidcServer({ accounts: accountsOverride, ...build(http.url) });
  router.mount(oidc.mountPath, oidc.handler);
  return { router, oidc, url: http.url };
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

describe('Keycloak-shaped server with JWT access tokens', () => {
  const keycloak = (url: string): Omit<OidcServerOptions, 'accounts'> => ({
    issuer: `${url}/realms/demo`,
    routes: OIDC_ROUTE_PRESETS.keycloak,
    acr: { passwordOnly: '1', multiFactor: '2', stepUp: ['2'] },
    accessTokens: {
      format: 'jwt',
      audience: 'https://kc.test/account',
      extraClaims: ({ accountId }) => ({ realm_access: { roles: accountId ? ['user'] : ['admin'] } }),
    },
    scopes: ['admin'],
    clients: [
      { client_id: 'gate', redirect_uris: [REDIRECT] },
      {
        client_id: 'admin-svc',
        client_secret: 's3cret',
        grant_types: ['client_credentials'],
        scope: 'admin',
      },
    ],
  });

  it('issues a verifiable JWT for client_credentials', async () => {
    const { oidc } = await start(keycloak);
    const response = await fetch(oidc.endpoints.token, {
      method: 'POST',
      headers: { authorization: basic('admin-svc', 's3cret') },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin' }),
    });
    expect(response.status).toBe(200);
    const { access_token: token } = (await response.json()) as { access_token: string };
    const claims = decodeJwtPayload(token);
    expect(claims).toMatchObject({
      iss: oidc.issuer,
      aud: 'https://kc.test/account',
      client_id: 'admin-svc',
    });
    expect(claims.realm_access).toEqual({ roles: ['admin'] });
    const verified = await oidc.verifyAccessToken(token);
    expect(verified).toMatchObject({ clientId: 'admin-svc', accountId: undefined, scope: 'admin' });
    const tampered = `${token.slice(0, -4)}AAAA`;
    expect(await oidc.verifyAccessToken(tampered)).toBeUndefined();
  });

  it('refuses a wrong client secret', async () => {
    const { oidc } = await start(keycloak);
    const response = await fetch(oidc.endpoints.token, {
      method: 'POST',
      headers: { authorization: basic('admin-svc', 'wrong') },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin' }),
    });
    expect(response.status).toBe(401);
    expect(JSON.stringify(await response.json())).not.toContain('s3cret');
  });

  it('LoA 2 step-up gives acr 2, and the user JWT verifies until the account is disabled', async () => {
    let active = true;
    const { oidc } = await start(keycloak, { ...accounts, isAccountActive: () => active });
    const result = await signInBrowserless({
      authorizationEndpoint: oidc.endpoints.authorization,
      tokenEndpoint: oidc.endpoints.token,
      clientId: 'gate',
      redirectUri: REDIRECT,
      login: 'alice',
      password: 'pw',
      params: { acr_values: '2' },
      otp: () => '111222',
    });
    expect(result.idToken).toMatchObject({ sub: 'kc-1', acr: '2' });
    expect(decodeJwtPayload(result.tokens.access_token)).toMatchObject({
      aud: 'https://kc.test/account',
      sub: 'kc-1',
      realm_access: { roles: ['user'] },
    });
    const verified = await oidc.verifyAccessToken(result.tokens.access_token);
    expect(verified).toMatchObject({ clientId: 'gate', accountId: 'kc-1' });
    active = false;
    expect(await oidc.verifyAccessToken(result.tokens.access_token)).toBeUndefined();
  });
});

describe('JWT access tokens and refresh', () => {
  it('a minted refresh token refreshes to a JWT access token and stops after revoke', async () => {
    const { oidc } = await start((url) => ({
      issuer: `${url}/realms/demo`,
      routes: OIDC_ROUTE_PRESETS.keycloak,
      accessTokens: { format: 'jwt' },
      clients: [{ client_id: 'gate', client_secret: 'gate-secret', redirect_uris: [REDIRECT] }],
    }));
    const { refreshToken } = await oidc.mintRefreshToken('kc-1', 'gate');
    const response = await fetch(oidc.endpoints.token, {
      method: 'POST',
      headers: { authorization: basic('gate', 'gate-secret') },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; id_token: string };
    expect(decodeJwtPayload(body.access_token)).toMatchObject({ sub: 'kc-1', aud: oidc.issuer });
    expect(await oidc.verifyAccessToken(body.access_token)).toMatchObject({ accountId: 'kc-1' });
    expect(await oidc.refreshTokenWorks(refreshToken)).toBe(true);
    await oidc.revokeAccountTokens('kc-1');
    expect(await oidc.refreshTokenWorks(refreshToken)).toBe(false);
  });
});

describe('Entra-shaped server: issuer below the mount path', () => {
  const tenant = '11111111-2222-3333-4444-555555555555';
  const entra = (url: string): Omit<OidcServerOptions, 'accounts'> => ({
    issuer: `${url}/${tenant}/v2.0`,
    mountPath: `/${tenant}`,
    routes: OIDC_ROUTE_PRESETS.entra,
    clients: [{ client_id: 'gate', redirect_uris: [REDIRECT] }],
  });

  it('serves discovery at the issuer and endpoints at the Entra paths', async () => {
    const { oidc, url } = await start(entra);
    expect(oidc.issuer).toBe(`${url}/${tenant}/v2.0`);
    const client = await import('openid-client');
    const config = await client.discovery(new URL(oidc.issuer), 'gate', undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    const metadata = config.serverMetadata();
    expect(metadata.token_endpoint).toBe(`${url}/${tenant}/oauth2/v2.0/token`);
    expect(metadata.authorization_endpoint).toBe(`${url}/${tenant}/oauth2/v2.0/authorize`);
    expect(metadata.jwks_uri).toBe(`${url}/${tenant}/discovery/v2.0/keys`);
  });

  it('runs the code flow with openid-client and opaque access tokens verify until revoked', async () => {
    const { oidc } = await start(entra);
    const result = await signInBrowserless({
      authorizationEndpoint: oidc.endpoints.authorization,
      tokenEndpoint: oidc.endpoints.token,
      clientId: 'gate',
      redirectUri: REDIRECT,
      login: 'alice',
      password: 'pw',
    });
    expect(result.idToken).toMatchObject({ iss: oidc.issuer, acr: 'pwd', amr: ['pwd'] });
    expect(await oidc.verifyAccessToken(result.tokens.access_token)).toMatchObject({ accountId: 'kc-1' });
    await oidc.revokeAccountTokens('kc-1');
    expect(await oidc.verifyAccessToken(result.tokens.access_token)).toBeUndefined();
  });

  it('authentication context (claims acrs) steps up through requiresStepUp and extraClaims', async () => {
    const { oidc } = await start((url) => ({
      ...entra(url),
      claims: { openid: ['sub', 'acrs'] },
      requiresStepUp: ({ claims }) => JSON.stringify(claims ?? {}).includes('"acrs"'),
      extraClaims: ({ amr, use }) => (use === 'id_token' && amr?.includes('mfa') ? { acrs: ['c1'] } : {}),
    }));
    const claims = JSON.stringify({ id_token: { acrs: { essential: true, value: 'c1' } } });
    const stepped = await signInBrowserless({
      authorizationEndpoint: oidc.endpoints.authorization,
      tokenEndpoint: oidc.endpoints.token,
      clientId: 'gate',
      redirectUri: REDIRECT,
      login: 'alice',
      password: 'pw',
      params: { claims },
      otp: () => '111222',
    });
    expect(stepped.steps).toEqual(['login', 'otp']);
    expect(stepped.idToken.acrs).toEqual(['c1']);
    const plain = await signInBrowserless({
      authorizationEndpoint: oidc.endpoints.authorization,
      tokenEndpoint: oidc.endpoints.token,
      clientId: 'gate',
      redirectUri: REDIRECT,
      login: 'alice',
      password: 'pw',
    });
    expect(plain.steps).toEqual(['login']);
    expect(plain.idToken.acrs).toBeUndefined();
  });

  it('refuses a mount path that is not a prefix of the issuer path', async () => {
    await expect(
      createOidcServer({ accounts, issuer: 'http://127.0.0.1:1/a/b', mountPath: '/c' }),
    ).rejects.toThrow(TypeError);
  });
});

describe('integration seams', () => {
  it('an emulator route wins over the mount and can delegate after reading the body', async () => {
    const seen: string[] = [];
    const { router, oidc } = await start((url) => ({
      issuer: `${url}/oauth2/default`,
      routes: OIDC_ROUTE_PRESETS.okta,
      clients: [{ client_id: 'gate', redirect_uris: [REDIRECT] }],
    }));
    router.route('POST', '/oauth2/default/v1/token', async (req, res) => {
      const form = req.body as Record<string, string>;
      seen.push(form.grant_type ?? '');
      if (form.grant_type === 'urn:emulator:custom') return json(res, 200, { custom: true });
      await oidc.handler(req.raw, res);
    });
    const { refreshToken } = await oidc.mintRefreshToken('kc-1', 'gate');
    const response = await fetch(oidc.endpoints.token, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: 'gate',
      }),
    });
    expect(response.status).toBe(200);
    expect(seen).toEqual(['refresh_token']);
  });

  it("refreshTokenWorks authenticates as the token's client with its registered method", async () => {
    const { oidc } = await start((url) => ({
      issuer: `${url}/oauth2/default`,
      clients: [
        {
          client_id: 'post-client',
          client_secret: 'post-secret',
          token_endpoint_auth_method: 'client_secret_post',
          redirect_uris: [REDIRECT],
        },
        { client_id: 'basic-client', client_secret: 'basic-secret', redirect_uris: [REDIRECT] },
      ],
    }));
    const viaPost = await oidc.mintRefreshToken('kc-1', 'post-client');
    const viaBasic = await oidc.mintRefreshToken('kc-1', 'basic-client');
    expect(await oidc.refreshTokenWorks(viaPost.refreshToken)).toBe(true);
    expect(await oidc.refreshTokenWorks(viaBasic.refreshToken)).toBe(true);
    expect(await oidc.refreshTokenWorks('not-a-token')).toBe(false);
    expect(
      oidc
        .listRefreshTokens('kc-1')
        .map((token) => token.clientId)
        .sort(),
    ).toEqual(['basic-client', 'post-client']);
  });

  it('with rotation on, refreshTokenWorks asks introspection and does not consume the token', async () => {
    const { oidc } = await start((url) => ({
      issuer: `${url}/oauth2/default`,
      rotateRefreshTokens: true,
      clients: [{ client_id: 'gate', redirect_uris: [REDIRECT] }],
    }));
    const { refreshToken } = await oidc.mintRefreshToken('kc-1', 'gate');
    expect(await oidc.refreshTokenWorks(refreshToken)).toBe(true);
    expect(await oidc.refreshTokenWorks(refreshToken)).toBe(true);
    const first = await fetch(oidc.endpoints.token, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: 'gate',
      }),
    });
    const rotated = ((await first.json()) as { refresh_token: string }).refresh_token;
    expect(rotated).not.toBe(refreshToken);
    expect(await oidc.refreshTokenWorks(refreshToken)).toBe(false);
    expect(await oidc.refreshTokenWorks(rotated)).toBe(true);
  });
});
