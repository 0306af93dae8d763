import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REVOCATION_DELAY_MS } from '../emulator/index.js';
import { DEMO_PASSWORD, PASSWORD_METHOD_ID, PORTAL_APP } from '../emulator/seed.js';
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

/** A password sign-in (ROPC) at the emulator's token endpoint: the status code. */
async function passwordSignIn(env: Env, login: string, password: string): Promise<number> {
  const response = await fetch(`${env.emulator.url}/${env.emulator.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-host': new URL(env.emulator.oidc.authorityHost).host,
    },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: PORTAL_APP.clientId,
      username: login,
      password,
      scope: 'openid',
    }),
  });
  return response.status;
}

const methodIds = (env: Env, userId: string) =>
  [...env.emulator.control.tenant.methods.values()]
    .filter((m) => m.userId === userId)
    .map((m) => m.id)
    .sort();

describe('resets refuse bad input and change nothing', () => {
  it('refuses to remove the password method by id', async () => {
    const env = await start();
    const alice = env.emulator.control.user('alice').id;
    const before = methodIds(env, alice);
    await expect(
      env.adapter.resetAuthenticators(alice, { all: false, ids: [PASSWORD_METHOD_ID] }),
    ).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
    expect(methodIds(env, alice)).toEqual(before);
  });

  it('refuses a TAP shorter than Graph allows and a foreign credential kind', async () => {
    const env = await start();
    const alice = env.emulator.control.user('alice').id;
    const before = methodIds(env, alice);
    await expect(
      env.adapter.issueTemporaryCredential(alice, {
        lifetimeSeconds: 300,
        singleUse: true,
        action: 'mfa_reset',
      }),
    ).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
    await expect(
      env.adapter.revokeTemporaryCredential(alice, { kind: 'okta_tac', id: 'x' }),
    ).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
    expect(methodIds(env, alice)).toEqual(before);
  });
});

describe('password reset and lockout at the token endpoint', () => {
  it('after resetPassword the old password no longer signs in and a change is forced', async () => {
    const env = await start();
    const alice = env.emulator.control.user('alice');
    expect(await passwordSignIn(env, alice.userPrincipalName, DEMO_PASSWORD)).toBe(200);
    await env.adapter.resetPassword(alice.id, { lifetimeSeconds: 600 });
    expect(await passwordSignIn(env, alice.userPrincipalName, DEMO_PASSWORD)).toBe(400);
    expect(alice.forceChangePasswordNextSignIn).toBe(true);
    const audit = env.emulator.control.tenant.audits.at(-1);
    expect(audit).toMatchObject({
      activityDisplayName: 'Reset user password',
      initiatedBy: { app: { appId: env.config.auth.clientId } },
    });
  });

  it('smart lockout after ten failures lasts 60 s of emulator time; suspend blocks sign-in until unlock', async () => {
    const env = await start();
    const bob = env.emulator.control.user('bob');
    for (let i = 0; i < 10; i += 1) await passwordSignIn(env, bob.userPrincipalName, 'wrong');
    expect(await passwordSignIn(env, bob.userPrincipalName, DEMO_PASSWORD)).toBe(400);
    env.emulator.control.advanceClock(61_000);
    expect(await passwordSignIn(env, bob.userPrincipalName, DEMO_PASSWORD)).toBe(200);
    await env.adapter.suspend(bob.id);
    expect(await passwordSignIn(env, bob.userPrincipalName, DEMO_PASSWORD)).toBe(400);
    await env.adapter.unlock(bob.id);
    expect(await passwordSignIn(env, bob.userPrincipalName, DEMO_PASSWORD)).toBe(200);
  });
});

describe('revokeSignInSessions takes effect after a delay, as Graph documents', () => {
  it('by default the refresh token works for a few minutes, then is refused; the adapter says it is not instant', async () => {
    const env = await startTestEnvironment();
    open.push(env);
    const alice = env.emulator.control.user('alice').id;
    const session = await env.probes.mintSession(alice);
    const result = await env.adapter.revokeSessions(alice, {
      sessions: true,
      refreshTokens: true,
      grants: false,
    });
    expect(result.caveats.join(' ')).toMatch(/within a few minutes, not instantly/);
    expect(await env.probes.refreshTokenWorks(session.refreshToken)).toBe(true);
    env.emulator.control.advanceClock(DEFAULT_REVOCATION_DELAY_MS - 1_000);
    expect(await env.probes.refreshTokenWorks(session.refreshToken)).toBe(true);
    expect(await env.probes.sessionActive(session.sessionId)).toBe(true);
    // Graph ends what was issued before signInSessionsValidFromDateTime: a sign-in after the call survives.
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the OIDC server stamps whole seconds
    const later = await env.probes.mintSession(alice);
    env.emulator.control.advanceClock(1_000);
    expect(await env.probes.refreshTokenWorks(session.refreshToken)).toBe(false);
    expect(await env.probes.sessionActive(session.sessionId)).toBe(false);
    expect(await env.probes.refreshTokenWorks(later.refreshToken)).toBe(true);
    expect(await env.probes.sessionActive(later.sessionId)).toBe(true);
  });
});
