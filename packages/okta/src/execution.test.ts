import { isGateError, type RecoveryProvider } from '@recovery-gate/core';
import { type FaultProxy, startFaultProxy } from '@recovery-gate/emulator-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaTestEnvironment, startTestEnvironment } from '../testing/index.js';
import { ORG_LOOKUP_TTL_MS } from './client/context.js';
import { createProvider } from './index.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function start(): Promise<OktaTestEnvironment> {
  const env = await startTestEnvironment({ hook: false });
  closers.push(() => env.close());
  return env;
}

/** The requests the emulator served since the last reset, as `METHOD /path` with the user id as `{u}`. */
function served(env: OktaTestEnvironment, userId: string): string[] {
  return env.emulator.control.faults
    .requestLog()
    .map(
      (r) => `${r.method} ${r.path.replaceAll(userId, '{u}').replace(/\/(opf|lae|ost|mbl)\w+$/, '/{id}')}`,
    );
}

const ALL = { sessions: true, refreshTokens: true, grants: true } as const;
const RESET = { all: true, keepKinds: ['password'] } as const;
const TAC = { lifetimeSeconds: 900, singleUse: true, action: 'mfa_reset' } as const;

describe('execution path: only the calls correctness needs', () => {
  it('revoke, reset and issue send exactly their minimal call sets', async () => {
    const env = await start();
    const alice = env.emulator.control.userId('alice@example.com');
    const log = env.emulator.control.faults;

    log.resetLog();
    await env.adapter.revokeSessions(alice, ALL);
    expect(served(env, alice).sort()).toEqual([
      'DELETE /api/v1/users/{u}/grants',
      'DELETE /api/v1/users/{u}/sessions',
    ]);

    log.resetLog();
    const { removed } = await env.adapter.resetAuthenticators(alice, RESET);
    expect(removed.length).toBeGreaterThan(0);
    const reset = served(env, alice);
    // The two lists (and the org's TAC authenticator, warmed for the issue), then one delete per removal.
    expect(reset.filter((r) => r.startsWith('GET')).sort()).toEqual([
      'GET /api/v1/authenticators',
      'GET /api/v1/users/{u}/authenticator-enrollments',
      'GET /api/v1/users/{u}/factors',
    ]);
    expect(reset.filter((r) => r.startsWith('DELETE'))).toHaveLength(removed.length);
    expect(reset).toHaveLength(3 + removed.length);

    log.resetLog();
    await env.adapter.issueTemporaryCredential(alice, TAC);
    expect(served(env, alice)).toEqual(['POST /api/v1/users/{u}/authenticator-enrollments/tac']);
  });

  it('reads the TAC authenticator again once the cached id is older than its expiry', async () => {
    const env = await start();
    const alice = env.emulator.control.userId('alice@example.com');
    await env.adapter.issueTemporaryCredential(alice, TAC);
    env.emulator.control.faults.resetLog();
    await env.adapter.issueTemporaryCredential(alice, TAC);
    expect(served(env, alice)).toEqual(['POST /api/v1/users/{u}/authenticator-enrollments/tac']);
    env.emulator.control.advanceClock(ORG_LOOKUP_TTL_MS + 1000);
    env.emulator.control.faults.resetLog();
    await env.adapter.issueTemporaryCredential(alice, TAC);
    expect(served(env, alice)).toEqual([
      'GET /api/v1/authenticators',
      'POST /api/v1/users/{u}/authenticator-enrollments/tac',
    ]);
  });

  it('a login still resolves to the user (one read) before the writes', async () => {
    const env = await start();
    const alice = env.emulator.control.userId('alice@example.com');
    env.emulator.control.faults.resetLog();
    await env.adapter.revokeSessions('alice@example.com', ALL);
    const calls = served(env, alice);
    expect(calls[0]).toBe('GET /api/v1/users/alice%40example.com');
    expect(calls.slice(1).sort()).toEqual([
      'DELETE /api/v1/users/{u}/grants',
      'DELETE /api/v1/users/{u}/sessions',
    ]);
  });
});

/** The adapter on the emulator through a proxy that can fail chosen requests. */
async function behindProxy(
  env: OktaTestEnvironment,
): Promise<{ adapter: RecoveryProvider; proxy: FaultProxy }> {
  const proxy = await startFaultProxy(env.emulator.url);
  closers.push(() => proxy.close());
  const adapter = createProvider(
    { orgUrl: proxy.url, auth: { token: env.emulator.apiToken } },
    {
      now: () => new Date(env.emulator.control.now()),
      sleep: async () => undefined,
      random: () => 0.5,
      maxRetries: 1,
    },
  );
  return { adapter, proxy };
}

describe('execution path: a partial failure of parallel calls', () => {
  it('reset: one delete failing fails the step after the other finished; the retry removes the rest', async () => {
    const env = await start();
    const { adapter, proxy } = await behindProxy(env);
    const alice = env.emulator.control.userId('alice@example.com');
    const state = env.emulator.control.state;
    const factors = () => [...state.factors.values()].filter((f) => f.userId === alice).length;
    const enrollments = () =>
      [...state.enrollments.values()].filter((e) => e.userId === alice && e.key !== 'okta_password').length;
    expect(factors()).toBeGreaterThan(0);
    expect(enrollments()).toBeGreaterThan(0);
    proxy.fail({ method: 'DELETE', path: /\/authenticator-enrollments\/[^/]+$/ });
    const error = await adapter.resetAuthenticators(alice, RESET).catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_IDP_UNAVAILABLE')).toBe(true);
    // The parallel factor delete went through; the enrollment is still there: not done, so retried.
    expect(factors()).toBe(0);
    expect(enrollments()).toBeGreaterThan(0);
    proxy.heal();
    const retry = await adapter.resetAuthenticators(alice, RESET);
    expect(retry.removed.length).toBeGreaterThan(0);
    expect(enrollments()).toBe(0);
    const after = await adapter.readSubjectFacts(alice);
    expect((after.authenticators ?? []).filter((a) => a.kind !== 'password')).toEqual([]);
  });

  it('revoke: grants failing fails the step though sessions were cleared; the retry completes', async () => {
    const env = await start();
    const { adapter, proxy } = await behindProxy(env);
    const alice = env.emulator.control.userId('alice@example.com');
    const minted = await env.emulator.control.mintSession(alice);
    proxy.fail({ method: 'DELETE', path: /\/grants$/ });
    const error = await adapter.revokeSessions(alice, ALL).catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_IDP_UNAVAILABLE')).toBe(true);
    expect(
      proxy.requests.some((r) => r.method === 'DELETE' && r.path.endsWith('/sessions') && !r.failed),
    ).toBe(true);
    proxy.heal();
    const result = await adapter.revokeSessions(alice, ALL);
    expect([...result.revoked].sort()).toEqual(['grants', 'refresh_tokens', 'sessions']);
    const probe = await fetch(`${env.emulator.url}/api/v1/sessions/${minted.sessionId}`, {
      headers: { authorization: `SSWS ${env.emulator.apiToken}` },
    });
    expect(probe.status).toBe(404);
  });

  it('reset fails closed, deleting nothing, when a list it needs is not readable', async () => {
    const env = await start();
    const { adapter, proxy } = await behindProxy(env);
    const alice = env.emulator.control.userId('alice@example.com');
    proxy.fail({
      method: 'GET',
      path: /\/authenticator-enrollments$/,
      status: 403,
      body: {
        errorCode: 'E0000006',
        errorSummary: 'You do not have permission to perform the requested action',
      },
    });
    await expect(adapter.resetAuthenticators(alice, RESET)).rejects.toMatchObject({
      code: 'ERR_IDP_FORBIDDEN',
    });
    expect(proxy.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('issue: a failed POST forgets the cached TAC authenticator, and the retry reads it again', async () => {
    const env = await start();
    const { adapter, proxy } = await behindProxy(env);
    const alice = env.emulator.control.userId('alice@example.com');
    proxy.fail({ method: 'POST', path: /\/authenticator-enrollments\/tac$/, status: 400 });
    await expect(adapter.issueTemporaryCredential(alice, TAC)).rejects.toMatchObject({
      code: 'ERR_IDP_BAD_REQUEST',
    });
    proxy.heal();
    const before = proxy.requests.length;
    const issued = await adapter.issueTemporaryCredential(alice, TAC);
    expect(issued.secret).not.toBeNull();
    expect(proxy.requests.slice(before).map((r) => r.method)).toEqual(['GET', 'POST']);
  });
});
