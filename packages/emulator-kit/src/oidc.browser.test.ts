import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPkcePair, decodeJwtPayload } from './browserless.js';
import { type HttpServerHandle, send, startHttpServer } from './http.js';
import { createOidcServer, OIDC_ROUTE_PRESETS, type OidcServer } from './oidc.js';
import { createRouter } from './router.js';

// Real-browser check of the sign-in UI (the Chromium `npm test`'s set-up finds or installs). Screenshots are test artifacts.
const ARTIFACTS = path.resolve(import.meta.dirname, '..', '..', '..', 'test-artifacts', 'emulator-kit');
const factors: Record<string, 'otp' | 'push'> = { u1: 'otp', u2: 'push' };

let http: HttpServerHandle;
let oidc: OidcServer;
let other: OidcServer;
let browser: Browser;
let redirectUri: string;

beforeAll(async () => {
  const router = createRouter().route('GET', '/cb', (req, res) =>
    send(
      res,
      200,
      `<!doctype html><title>cb</title><p id="code">${req.query.get('code') ?? 'none'}</p>`,
      'text/html',
    ),
  );
  http = await startHttpServer(router.handle);
  redirectUri = `${http.url}/cb`;
  oidc = await createOidcServer({
    issuer: `${http.url}/realms/demo`,
    routes: OIDC_ROUTE_PRESETS.keycloak,
    branding: { name: 'Keycloak', tenant: 'demo', accent: '#0066cc' },
    acr: { passwordOnly: '1', multiFactor: '2', stepUp: ['2'] },
    accounts: {
      findAccount: (id) => (factors[id] ? { preferred_username: id === 'u1' ? 'alice' : 'bob' } : undefined),
      authenticate: (login, password) =>
        password === 'Demo-Passw0rd!'
          ? (({ alice: 'u1', bob: 'u2' } as Record<string, string>)[login] ?? null)
          : null,
      secondFactor: (id) => factors[id] ?? 'none',
      currentOtp: () => '424242',
    },
    clients: [{ client_id: 'gate', redirect_uris: [redirectUri] }],
  });
  router.mount(oidc.mountPath, oidc.handler);
  other = await createOidcServer({
    issuer: `${http.url}/realms/other`,
    routes: OIDC_ROUTE_PRESETS.keycloak,
    accounts: { findAccount: () => ({}), authenticate: () => 'u1', secondFactor: () => 'none' },
    clients: [{ client_id: 'gate', redirect_uris: [redirectUri] }],
  });
  router.mount(other.mountPath, other.handler);
  await mkdir(ARTIFACTS, { recursive: true });
  const executablePath = process.env.CHROMIUM_PATH;
  if (!executablePath)
    throw new Error('no Chromium: run `npm test` once (it installs one) or set CHROMIUM_PATH');
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  await http?.close();
});

function authorizeUrl(challenge: string): string {
  const query = new URLSearchParams({
    client_id: 'gate',
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid profile',
    state: 'st',
    acr_values: '2',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return `${oidc.endpoints.authorization}?${query}`;
}

async function exchange(code: string, verifier: string): Promise<Record<string, unknown>> {
  const response = await fetch(oidc.endpoints.token, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_id: 'gate',
    }),
  });
  const body = (await response.json()) as { id_token: string };
  return decodeJwtPayload(body.id_token);
}

describe('sign-in UI in Chromium', () => {
  it('password then one-time code gives acr 2', async () => {
    const pkce = createPkcePair();
    const page = await browser.newPage();
    await page.goto(authorizeUrl(pkce.challenge));
    await expect(page.title()).resolves.toContain('Keycloak');
    await page.screenshot({ path: path.join(ARTIFACTS, 'login.png') });
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('Demo-Passw0rd!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('One-time code').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'otp.png') });
    await page.getByLabel('One-time code').fill('424242');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/cb\?/);
    const code = new URL(page.url()).searchParams.get('code') ?? '';
    expect(await exchange(code, pkce.verifier)).toMatchObject({
      sub: 'u1',
      acr: '2',
      amr: ['pwd', 'otp', 'mfa'],
    });
    // Signing in at another server on the same host must not clobber this server's session cookie.
    const query = new URLSearchParams({
      client_id: 'gate',
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    await page.goto(`${other.endpoints.authorization}?${query}`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('Demo-Passw0rd!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/cb\?/);
    const again = createPkcePair();
    await page.goto(authorizeUrl(again.challenge));
    await page.waitForURL(/\/cb\?/);
    const sso = new URL(page.url()).searchParams.get('code') ?? '';
    expect(await exchange(sso, again.verifier)).toMatchObject({ sub: 'u1', acr: '2' });
    await page.close();
  });

  it('"approve on your phone" continues by itself once the push is approved', async () => {
    const pkce = createPkcePair();
    const page = await browser.newPage();
    await page.goto(authorizeUrl(pkce.challenge));
    await page.locator('input[name=login]').fill('bob');
    await page.locator('input[name=password]').fill('Demo-Passw0rd!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Approve on your phone' }).waitFor();
    const number = await page.locator('#number-challenge').textContent();
    expect(number).toBe(oidc.pushChallenges('u2')[0]?.numberChallenge);
    await page.screenshot({ path: path.join(ARTIFACTS, 'push.png') });
    expect(oidc.answerPush('u2', 'approve')).toBe(true);
    await page.waitForURL(/\/cb\?/, { timeout: 10_000 });
    const code = new URL(page.url()).searchParams.get('code') ?? '';
    expect(await exchange(code, pkce.verifier)).toMatchObject({
      sub: 'u2',
      acr: '2',
      amr: ['pwd', 'swk', 'mfa'],
    });
    await page.close();
  });
});
