import { isGateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaTestEnvironment, startTestEnvironment } from '../../testing/index.js';
import { createProvider } from '../adapter.js';
import { rateLimitDelayMs, serverWaitMs } from './retry.js';

const envs: OktaTestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

async function start(options: Parameters<typeof startTestEnvironment>[0] = {}): Promise<OktaTestEnvironment> {
  const env = await startTestEnvironment({ hook: false, ...options });
  envs.push(env);
  return env;
}

describe('retries and error mapping', () => {
  it('computes the rate-limit wait from X-Rate-Limit-Reset against the response Date', () => {
    const headers = new Headers({
      'x-rate-limit-reset': '1700000010',
      date: new Date(1_700_000_004_000).toUTCString(),
    });
    expect(rateLimitDelayMs(headers, new Date(0))).toBe(6000);
    expect(rateLimitDelayMs(new Headers(), new Date(0))).toBeNull();
  });

  it("honours Retry-After first; Okta's X-Rate-Limit-Reset only on a 429 (it is on every response)", () => {
    const now = new Date(1_700_000_004_000);
    const reset = { 'x-rate-limit-reset': '1700000010', date: now.toUTCString() };
    expect(serverWaitMs({ status: 429, headers: new Headers(reset) }, now)).toBe(6000);
    expect(serverWaitMs({ status: 429, headers: new Headers({ ...reset, 'retry-after': '2' }) }, now)).toBe(
      2000,
    );
    expect(serverWaitMs({ status: 503, headers: new Headers(reset) }, now)).toBeNull();
    expect(serverWaitMs({ status: 503, headers: new Headers({ 'retry-after': '3' }) }, now)).toBe(3000);
  });

  it('waits for the rate-limit reset through the injected sleep, then succeeds', async () => {
    const env = await start();
    env.emulator.control.faults.inject({ kind: 'rate_limit', count: 2, retryAfterSeconds: 5 });
    const before = env.emulator.control.faults.requestCount();
    const person = await env.adapter.findUser('alice@example.com');
    expect(person?.login).toBe('alice@example.com');
    expect(env.emulator.control.faults.requestCount() - before).toBe(3);
    expect(env.sleeps).toHaveLength(2);
    for (const ms of env.sleeps) expect(ms).toBeGreaterThanOrEqual(5000);
    for (const ms of env.sleeps) expect(ms).toBeLessThanOrEqual(5250);
  });

  it("does not wait past its bound: a far reset is ERR_IDP_RATE_LIMITED with Okta's errorCode in details", async () => {
    const env = await start();
    env.emulator.control.faults.inject({ kind: 'rate_limit', count: 1, retryAfterSeconds: 600 });
    const error = await env.adapter.readSubjectFacts('alice@example.com').catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_IDP_RATE_LIMITED')).toBe(true);
    expect((error as { details: object }).details).toMatchObject({
      status: 429,
      errorCode: 'E0000047',
      op: 'getUser',
    });
    expect(env.sleeps).toEqual([]);
  });

  it('backs off with jitter on 5xx and gives up after maxRetries with ERR_IDP_UNAVAILABLE', async () => {
    const env = await start({ provider: { maxRetries: 3, random: () => 1 } });
    env.emulator.control.faults.inject({ kind: 'server_error', count: 10, status: 503 });
    const before = env.emulator.control.faults.requestCount();
    const error = await env.adapter.findUser('alice@example.com').catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_IDP_UNAVAILABLE')).toBe(true);
    expect((error as { details: object }).details).toMatchObject({ status: 503, errorCode: 'E0000009' });
    expect(env.emulator.control.faults.requestCount() - before).toBe(4);
    expect(env.sleeps).toEqual([250, 500, 1000]);
  });

  it('retries a timed-out request and maps a lasting timeout to ERR_IDP_UNAVAILABLE', async () => {
    const env = await start();
    const adapter = createProvider(
      { orgUrl: env.emulator.url, auth: { token: env.emulator.apiToken }, requestTimeoutMs: 100 },
      { sleep: async () => {}, maxRetries: 1 },
    );
    env.emulator.control.faults.inject({ kind: 'latency', ms: 400 });
    const before = env.emulator.control.faults.requestCount();
    const error = await adapter.findUser('alice@example.com').catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_IDP_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('timeout');
    expect(env.emulator.control.faults.requestCount() - before).toBe(2);
    env.emulator.control.faults.clear();
  });

  it('maps a refused token to ERR_IDP_UNAUTHORIZED without echoing the token', async () => {
    const env = await start();
    const token = 'wrong-token-0123456789';
    const adapter = createProvider({ orgUrl: env.emulator.url, auth: { token } }, { sleep: async () => {} });
    const error = await adapter.readSubjectFacts('alice@example.com').catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_IDP_UNAUTHORIZED')).toBe(true);
    expect((error as { details: object }).details).toMatchObject({ errorCode: 'E0000011' });
    expect(JSON.stringify((error as { details: object }).details) + (error as Error).message).not.toContain(
      token,
    );
  });
});
