/**
 * Contract cases for retries: 429 and 5xx are retried as the IdP says, within a bound, on an injected sleep.
 * @module
 */

import { describe, expect, it } from 'vitest';
import { type ContractContext, expectGateError, skipNote, userIdOf } from './contract-context.js';
import type { ContractEnvironment } from './harness.js';

/** At most this many requests beyond a clean call before the adapter gives up. */
const RETRY_BOUND = 10;
/** Two 1 s waits on a real clock take at least this long; the adapter must sleep on its injected clock. */
const REAL_TIME_LIMIT_MS = 1_900;
/** Giving up after the retry bound must not take longer than this in real time. */
const GIVE_UP_LIMIT_MS = 5_000;

/** Warms the adapter up (tokens, discovery), then counts the requests of one clean findUser. */
async function cleanCost(env: ContractEnvironment): Promise<number> {
  const count = env.probes.requestCount as () => number;
  await env.adapter.findUser(env.fixtures.standardUser);
  const before = count();
  await env.adapter.findUser(env.fixtures.standardUser);
  return count() - before;
}

/** Runs `call` and returns how many requests it made and how long it took. */
async function measure(env: ContractEnvironment, call: () => Promise<unknown>) {
  const count = env.probes.requestCount as () => number;
  const before = count();
  const started = performance.now();
  const outcome = call();
  await outcome.catch(() => undefined);
  return { requests: count() - before, ms: performance.now() - started, outcome };
}

/** Retries are bounded, honour the IdP's headers, and never sleep for real. */
export function retryCases(ctx: ContractContext): void {
  describe('retries', () => {
    const faults = ctx.requires(['injectFault', 'requestCount'], { emulatorOnly: true });

    it.skipIf(faults.skip)(
      `retries two 429s as the IdP's headers say and then succeeds${faults.note}`,
      async () => {
        const env = await ctx.start();
        const clean = await cleanCost(env);
        const sleptBefore = env.probes.recordedSleeps?.().length ?? 0;
        env.probes.injectFault?.({ kind: 'rate_limit', count: 2, retryAfterSeconds: 1 });
        const run = await measure(env, () => env.adapter.findUser(env.fixtures.standardUser));
        await expect(run.outcome).resolves.not.toBeNull();
        expect(run.requests).toBe(clean + 2);
        expect(run.ms, 'the adapter must sleep on its injected clock').toBeLessThan(REAL_TIME_LIMIT_MS);
        const sleeps = env.probes.recordedSleeps?.().slice(sleptBefore);
        if (sleeps !== undefined) {
          expect(sleeps.length).toBeGreaterThanOrEqual(2);
          const total = sleeps.reduce((sum, ms) => sum + ms, 0);
          expect(total, 'two 429s saying "retry after 1 s" need about 2 s of waiting').toBeGreaterThanOrEqual(
            1_000,
          );
          expect(Math.max(...sleeps)).toBeLessThanOrEqual(60_000);
        }
      },
    );

    it.skipIf(faults.skip)(
      `gives up on endless 429s with ERR_IDP_RATE_LIMITED within a bound${faults.note}`,
      async () => {
        const env = await ctx.start();
        const clean = await cleanCost(env);
        env.probes.injectFault?.({ kind: 'rate_limit', count: 50, retryAfterSeconds: 1 });
        const run = await measure(env, () => env.adapter.findUser(env.fixtures.standardUser));
        await expectGateError(run.outcome, 'ERR_IDP_RATE_LIMITED');
        expect(run.ms, 'the adapter must sleep on its injected clock').toBeLessThan(GIVE_UP_LIMIT_MS);
        expect(run.requests).toBeGreaterThan(1);
        expect(run.requests).toBeLessThanOrEqual(clean + RETRY_BOUND);
      },
    );

    const noRevoke = skipNote(!ctx.supports('revoke_refresh_tokens'), 'revoke_refresh_tokens undeclared');
    const revokeNote = faults.skip ? faults.note : noRevoke;
    it.skipIf(faults.skip || noRevoke !== '')(
      `a 429 during revokeSessions is retried and the revoke happens${revokeNote}`,
      async () => {
        const env = await ctx.start();
        const id = await userIdOf(env.adapter, env.fixtures.standardUser);
        const minted = await env.probes.mintSession(id);
        env.probes.injectFault?.({ kind: 'rate_limit', count: 1, retryAfterSeconds: 1 });
        await env.adapter.revokeSessions(id, {
          sessions: ctx.supports('revoke_sessions'),
          refreshTokens: true,
          grants: ctx.supports('revoke_grants'),
        });
        await env.probes.awaitRevocation?.();
        expect(await env.probes.refreshTokenWorks(minted.refreshToken)).toBe(false);
      },
    );

    it.skipIf(faults.skip)(`retries a 503 and then succeeds${faults.note}`, async () => {
      const env = await ctx.start();
      const clean = await cleanCost(env);
      env.probes.injectFault?.({ kind: 'server_error', count: 1, status: 503 });
      const run = await measure(env, () => env.adapter.findUser(env.fixtures.standardUser));
      await expect(run.outcome).resolves.not.toBeNull();
      expect(run.requests).toBe(clean + 1);
      expect(run.ms).toBeLessThan(REAL_TIME_LIMIT_MS);
    });

    it.skipIf(faults.skip)(
      `gives up on endless 5xx with ERR_IDP_UNAVAILABLE within a bound${faults.note}`,
      async () => {
        const env = await ctx.start();
        const clean = await cleanCost(env);
        env.probes.injectFault?.({ kind: 'server_error', count: 50, status: 503 });
        const run = await measure(env, () => env.adapter.findUser(env.fixtures.standardUser));
        await expectGateError(run.outcome, 'ERR_IDP_UNAVAILABLE');
        expect(run.ms, 'the adapter must sleep on its injected clock').toBeLessThan(GIVE_UP_LIMIT_MS);
        expect(run.requests).toBeGreaterThan(1);
        expect(run.requests).toBeLessThanOrEqual(clean + RETRY_BOUND);
      },
    );
  });
}
