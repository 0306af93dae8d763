import { signInBrowserless } from '@recovery-gate/emulator-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../emulator/seed.js';
import { startTestEnvironment } from '../testing/harness.js';

type Env = Awaited<ReturnType<typeof startTestEnvironment>>;
const open: Env[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((env) => env.close()));
});

async function start(): Promise<Env> {
  const env = await startTestEnvironment();
  open.push(env);
  return env;
}

function signIn(
  env: Env,
  login: string,
  password: string,
  params: Record<string, string> = {},
  approve = false,
) {
  const { server } = env.emulator.oidc;
  return signInBrowserless({
    authorizationEndpoint: server.endpoints.authorization,
    tokenEndpoint: server.endpoints.token,
    clientId: env.emulator.oidc.clientId,
    redirectUri: 'http://127.0.0.1/callback',
    login,
    password,
    params,
    ...(approve
      ? { approvePush: () => void server.answerPush(env.emulator.control.user(login).id, 'approve') }
      : {}),
  });
}

const STEP_UP = { claims: JSON.stringify({ id_token: { acrs: { essential: true, value: 'c1' } } }) };

describe('tenant OIDC sign-in for the verification pages', () => {
  it('serves discovery at the Entra v2.0 issuer', async () => {
    const env = await start();
    const response = await fetch(`${env.emulator.oidc.issuer}/.well-known/openid-configuration`);
    const body = (await response.json()) as { issuer: string; token_endpoint: string };
    expect(body.issuer).toBe(`${env.emulator.url}/${env.emulator.tenantId}/v2.0`);
    expect(body.token_endpoint).toBe(`${env.emulator.url}/${env.emulator.tenantId}/oauth2/v2.0/token`);
  });

  it('signs a user in with the password; step-up for an authentication context needs Authenticator approval', async () => {
    const env = await start();
    const plain = await signIn(env, 'alice@example.com', DEMO_PASSWORD);
    expect(plain.idToken.preferred_username).toBe('alice@example.com');
    expect(plain.idToken.acrs).toBeUndefined();
    const stepped = await signIn(env, 'alice@example.com', DEMO_PASSWORD, STEP_UP, true);
    expect(stepped.steps).toContain('push');
    expect(stepped.idToken.acrs).toEqual(['c1']);
    expect(stepped.idToken.amr).toContain('mfa');
  });

  it('a wrong password is refused', async () => {
    const env = await start();
    await expect(signIn(env, 'alice@example.com', 'wrong-password')).rejects.toThrow();
  });

  it('accepts a Temporary Access Pass at the password prompt, once', async () => {
    const env = await start();
    const alice = env.emulator.control.user('alice').id;
    const tap = await env.adapter.issueTemporaryCredential(alice, {
      lifetimeSeconds: 900,
      singleUse: true,
      action: 'mfa_reset',
    });
    const secret = tap.secret?.reveal() ?? '';
    const first = await signIn(env, 'alice@example.com', secret);
    expect(first.idToken.sub).toBe(alice);
    await expect(signIn(env, 'alice@example.com', secret)).rejects.toThrow();
  });

  it('revokeSignInSessions also ends the refresh tokens the sign-in server issued', async () => {
    const env = await start();
    const alice = env.emulator.control.user('alice').id;
    const minted = await env.emulator.oidc.server.mintRefreshToken(alice, env.emulator.oidc.clientId);
    expect(await env.emulator.oidc.server.refreshTokenWorks(minted.refreshToken)).toBe(true);
    await env.adapter.revokeSessions(alice, { sessions: true, refreshTokens: true, grants: false });
    // Not at once: Graph applies it within a few minutes (the emulator's default delay).
    expect(await env.emulator.oidc.server.refreshTokenWorks(minted.refreshToken)).toBe(true);
    await env.probes.awaitRevocation?.();
    expect(await env.emulator.oidc.server.refreshTokenWorks(minted.refreshToken)).toBe(false);
  });
});
