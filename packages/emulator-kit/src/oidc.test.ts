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

describe('createOidcServer: discovery', () => {
  it('serves discovery with the issuer and IdP-shaped endpoints', async () => {
    const response = await fetch(`${fx.http.url}/oauth2/default/.well-known/openid-configuration`);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.issuer).toBe(`${fx.http.url}/oauth2/default`);
    expect(body.token_endpoint).toBe(`${fx.http.url}/oauth2/default/v1/token`);
    expect(body.authorization_endpoint).toBe(`${fx.http.url}/oauth2/default/v1/authorize`);
    expect(body.acr_values_supported).toContain('urn:okta:loa:2fa:any');
    expect(body.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('works with openid-client discovery over http', async () => {
    const client = await import('openid-client');
    const config = await client.discovery(new URL(fx.oidc.issuer), 'gate', undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    expect(config.serverMetadata().issuer).toBe(fx.oidc.issuer);
    expect(config.serverMetadata().jwks_uri).toBe(`${fx.http.url}/oauth2/default/v1/keys`);
  });
});

describe('createOidcServer: sign-in', () => {
  it('password only gives the low acr and amr pwd, with profile claims', async () => {
    const { idToken, tokens, steps } = await fx.signIn('alice');
    expect(steps).toEqual(['login']);
    expect(idToken).toMatchObject({
      sub: 'u1',
      acr: 'urn:okta:loa:1fa:pwd',
      amr: ['pwd'],
      email: 'alice@example.com',
      name: 'Alice',
      preferred_username: 'alice',
      groups: ['Staff'],
      ver: 1,
      iss: fx.oidc.issuer,
      aud: 'gate',
    });
    expect(typeof idToken.auth_time).toBe('number');
    expect(typeof tokens.refresh_token).toBe('string');
    const userinfo = await fetch(fx.oidc.endpoints.userinfo, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(await userinfo.json()).toMatchObject({ sub: 'u1', email: 'alice@example.com', groups: ['Staff'] });
  });

  it('acr_values step-up asks for the OTP and gives the high acr', async () => {
    const { idToken, steps } = await fx.signIn('alice', { acr_values: 'urn:okta:loa:2fa:any' });
    expect(steps).toEqual(['login', 'otp']);
    expect(idToken).toMatchObject({ acr: 'urn:okta:loa:2fa:any', amr: ['pwd', 'otp', 'mfa'] });
    expect(fx.events.at(-1)).toEqual({
      type: 'login_success',
      accountId: 'u1',
      acr: 'urn:okta:loa:2fa:any',
      amr: ['pwd', 'otp', 'mfa'],
      clientId: 'gate',
    });
  });

  it('essential acr in the claims parameter triggers step-up and echoes the requested value', async () => {
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: ['phr'] } } });
    const { idToken, steps } = await fx.signIn('alice', { claims });
    expect(steps).toEqual(['login', 'otp']);
    expect(idToken.acr).toBe('phr');
  });

  it('an essential acr nobody can reach ends with unmet_authentication_requirements, no loop', async () => {
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:example:loa:4'] } } });
    await expect(fx.signIn('alice', { claims })).rejects.toThrow(/unmet_authentication_requirements/);
    const phr = JSON.stringify({ id_token: { acr: { essential: true, value: 'phr' } } });
    await expect(fx.signIn('carol', { claims: phr })).rejects.toThrow(/unmet_authentication_requirements/);
  });

  it('a wrong OTP is refused', async () => {
    await expect(fx.signIn('alice', { acr_values: 'phr' }, { otp: '000000' })).rejects.toThrow(
      /OTP step \(401\)/,
    );
  });

  it('a wrong password is refused without saying which part was wrong', async () => {
    const agent = createBrowserlessAgent(fx.redirectUri);
    const loginPage = await agent.go(fx.authorizeUrl());
    expect(loginPage.body).toContain('name="login"');
    expect(loginPage.body).toContain('Okta');
    expect(loginPage.body).toContain('>Sign in</button>');
    const refused = await agent.go(formAction(loginPage), { form: { login: 'alice', password: 'nope' } });
    expect(refused.status).toBe(401);
    expect(refused.body).toContain('Sign-in failed');
    expect(refused.body).not.toContain('nope');
    expect(fx.events.at(-1)).toEqual({
      type: 'login_failure',
      login: 'alice',
      accountId: undefined,
      clientId: 'gate',
    });
    expect(JSON.stringify(fx.events)).not.toContain('nope');
  });

  it('push approval completes step-up with amr swk', async () => {
    const { idToken, steps } = await fx.signIn('bob', { acr_values: 'urn:okta:loa:2fa:any' });
    expect(steps).toEqual(['login', 'push']);
    expect(idToken).toMatchObject({ sub: 'u2', acr: 'urn:okta:loa:2fa:any', amr: ['pwd', 'swk', 'mfa'] });
    expect(fx.oidc.pushChallenges('u2')[0]?.status).toBe('approved');
  });

  it('a user without a second factor gets the low acr when step-up was only asked for', async () => {
    const { idToken } = await fx.signIn('carol', { acr_values: 'urn:okta:loa:2fa:any' });
    expect(idToken.acr).toBe('urn:okta:loa:1fa:pwd');
  });

  it('an existing password session is stepped up with the second factor only', async () => {
    const first = await fx.signIn('alice');
    const again = await signInBrowserless({
      authorizationEndpoint: fx.oidc.endpoints.authorization,
      tokenEndpoint: fx.oidc.endpoints.token,
      clientId: 'gate',
      redirectUri: fx.redirectUri,
      login: 'alice',
      password: 'not-used',
      params: { acr_values: 'urn:okta:loa:2fa:any' },
      otp: () => fx.otps.u1,
      agent: first.agent,
    });
    expect(again.steps).toEqual(['otp']);
    expect(again.idToken).toMatchObject({ sub: 'u1', acr: 'urn:okta:loa:2fa:any' });
  });

  it('max_age=0 forces the password again', async () => {
    const first = await fx.signIn('alice');
    const again = await signInBrowserless({
      authorizationEndpoint: fx.oidc.endpoints.authorization,
      tokenEndpoint: fx.oidc.endpoints.token,
      clientId: 'gate',
      redirectUri: fx.redirectUri,
      login: 'alice',
      password: fx.password,
      params: { max_age: '0' },
      agent: first.agent,
    });
    expect(again.steps).toEqual(['login']);
  });
});
