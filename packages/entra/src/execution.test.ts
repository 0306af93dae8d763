import { isGateError, type RecoveryProvider } from '@recovery-gate/core';
import { type FaultProxy, startFaultProxy } from '@recovery-gate/emulator-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestEnvironment } from '../testing/harness.js';
import { loopbackHttpClient } from './client/transport.js';
import { createProvider } from './index.js';

type Env = Awaited<ReturnType<typeof startTestEnvironment>>;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function start(): Promise<Env> {
  const env = await startTestEnvironment();
  closers.push(() => env.close());
  return env;
}

/** Requests served from `from` on, as `METHOD /path`, the user id as `{u}` and method ids as `{id}`. */
function served(env: Env, userId: string, from: number): string[] {
  return env.emulator.control.requests
    .slice(from)
    .map((r) => `${r.method} ${r.path.replaceAll(userId, '{u}').replace(/[0-9a-f-]{36}$/, '{id}')}`);
}

const methodsOf = (env: Env, userId: string) =>
  [...env.emulator.control.tenant.methods.values()].filter(
    (m) => m.userId === userId && m.type !== 'password',
  );

const RESET = { all: true, keepKinds: ['password'] } as const;

describe('execution path: only the calls correctness needs', () => {
  it('revoke is one call, reset lists once then deletes each method, issue is one call', async () => {
    const env = await start();
    const alice = env.emulator.control.user('alice').id;
    // Her default MFA method is push here, so Graph lets the phone go (reset-default.test.ts covers SMS).
    env.emulator.control.user('alice').defaultMfaMethod = 'push';
    let from = env.emulator.control.requests.length;
    await env.adapter.revokeSessions(alice, { sessions: true, refreshTokens: true, grants: false });
    expect(served(env, alice, from)).toEqual(['POST /users/{u}/revokeSignInSessions']);

    const targets = methodsOf(env, alice);
    expect(targets.some((m) => m.type === 'phone')).toBe(true);
    from = env.emulator.control.requests.length;
    const { removed } = await env.adapter.resetAuthenticators(alice, RESET);
    expect([...removed].sort()).toEqual(targets.map((m) => m.id).sort());
    const reset = served(env, alice, from);
    expect(reset[0]).toBe('GET /users/{u}/authentication/methods');
    expect(reset.slice(1)).toHaveLength(targets.length);
    expect(reset.slice(1).every((r) => r.startsWith('DELETE '))).toBe(true);
    // The mobile phone goes last (Graph refuses it while an alternate phone remains).
    expect(reset.at(-1)).toBe('DELETE /users/{u}/authentication/phoneMethods/{id}');

    from = env.emulator.control.requests.length;
    await env.adapter.issueTemporaryCredential(alice, {
      lifetimeSeconds: 900,
      singleUse: true,
      action: 'mfa_reset',
    });
    expect(served(env, alice, from)).toEqual(['POST /users/{u}/authentication/temporaryAccessPassMethods']);
  });
});

/** The adapter on the emulator through a proxy that can fail chosen Graph requests. */
async function behindProxy(env: Env): Promise<{ adapter: RecoveryProvider; proxy: FaultProxy }> {
  const proxy = await startFaultProxy(env.emulator.url);
  closers.push(() => proxy.close());
  const adapter = createProvider(env.config, {
    graphOrigin: proxy.url,
    httpClient: loopbackHttpClient(env.emulator.url),
    now: () => new Date(env.emulator.control.now()),
    random: () => 0.5,
    sleep: async () => undefined,
    maxRetries: 1,
  });
  return { adapter, proxy };
}

describe('execution path: a partial failure of the parallel deletes', () => {
  it('fails the step, starts no later round, and the retry removes what is left', async () => {
    const env = await start();
    const { adapter, proxy } = await behindProxy(env);
    const alice = env.emulator.control.user('alice').id;
    env.emulator.control.user('alice').defaultMfaMethod = 'push';
    const types = () => methodsOf(env, alice).map((m) => m.type);
    expect(types()).toEqual(expect.arrayContaining(['microsoftAuthenticator', 'email', 'phone']));
    proxy.fail({
      method: 'DELETE',
      path: /\/emailMethods\/[^/]+$/,
      status: 503,
      body: { error: { code: 'serviceNotAvailable', message: 'injected' } },
    });
    const error = await adapter.resetAuthenticators(alice, RESET).catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_IDP_UNAVAILABLE')).toBe(true);
    // The authenticator (same round) is gone; the email failed; the mobile phone's round never started.
    expect(types()).not.toContain('microsoftAuthenticator');
    expect(types()).toEqual(expect.arrayContaining(['email', 'phone']));
    expect(proxy.requests.some((r) => r.path.includes('/phoneMethods/'))).toBe(false);
    proxy.heal();
    const retry = await adapter.resetAuthenticators(alice, RESET);
    expect(retry.removed).toHaveLength(2);
    expect(types()).toEqual([]);
  });
});
