/**
 * Contract cases for registered-device challenges (push with number matching where the IdP has it).
 * @module
 */

import { describe, expect, it } from 'vitest';
import type { DeviceChallenge } from '../port.js';
import { type ContractContext, expectGateError, timeOf, userIdOf } from './contract-context.js';
import type { ContractEnvironment } from './harness.js';

async function startChallenge(
  env: ContractEnvironment,
): Promise<{ readonly userId: string; readonly challenge: DeviceChallenge }> {
  const userId = await userIdOf(env.adapter, env.fixtures.standardUser);
  return { userId, challenge: await env.adapter.startDeviceChallenge(userId) };
}

/** Device challenges follow the subject's answer; undeclared ones fail closed. */
export function deviceCases(ctx: ContractContext): void {
  describe('device challenge', () => {
    if (!ctx.supports('device_challenge')) {
      it('refuses startDeviceChallenge and pollDeviceChallenge (undeclared) with ERR_UNSUPPORTED', async () => {
        const env = await ctx.start();
        const userId = await userIdOf(env.adapter, env.fixtures.standardUser);
        await expectGateError(env.adapter.startDeviceChallenge(userId), 'ERR_UNSUPPORTED');
        const now = new Date().toISOString();
        const fake: DeviceChallenge = {
          id: 'contract-missing',
          authenticatorId: 'contract-missing',
          numberToMatch: null,
          startedAt: now,
          expiresAt: now,
        };
        await expectGateError(env.adapter.pollDeviceChallenge(userId, fake), 'ERR_UNSUPPORTED');
      });
      return;
    }
    declaredDeviceCases(ctx);
  });
}

function declaredDeviceCases(ctx: ContractContext): void {
  it('pushes to a device that supports it and stays pending until answered', async () => {
    const env = await ctx.start();
    const { userId, challenge } = await startChallenge(env);
    const facts = await env.adapter.readSubjectFacts(userId);
    const device = (facts.authenticators ?? []).find((a) => a.id === challenge.authenticatorId);
    expect(device?.supportsDeviceChallenge).toBe(true);
    expect(timeOf(challenge.expiresAt, 'expiresAt')).toBeGreaterThan(
      timeOf(challenge.startedAt, 'startedAt'),
    );
    if (ctx.harness.numberMatching === true || challenge.numberToMatch !== null) {
      expect(Number.isInteger(challenge.numberToMatch)).toBe(true);
      expect(challenge.numberToMatch).toBeGreaterThanOrEqual(0);
      expect(challenge.numberToMatch).toBeLessThan(100);
    }
    expect(await env.adapter.pollDeviceChallenge(userId, challenge)).toBe('pending');
  });

  const answer = ctx.requires(['answerDeviceChallenge']);
  it.skipIf(answer.skip)(
    `reports approved after the subject approves on the device${answer.note}`,
    async () => {
      const env = await ctx.start();
      const { userId, challenge } = await startChallenge(env);
      await env.probes.answerDeviceChallenge?.(userId, 'approve', challenge.numberToMatch);
      expect(await env.adapter.pollDeviceChallenge(userId, challenge)).toBe('approved');
    },
  );

  it.skipIf(answer.skip || ctx.harness.numberMatching !== true)(
    `reports rejected when the subject picks another number than the one the gate shows${answer.note}`,
    async () => {
      const env = await ctx.start();
      const { userId, challenge } = await startChallenge(env);
      const wrong = ((challenge.numberToMatch ?? 0) + 1) % 100;
      await env.probes.answerDeviceChallenge?.(userId, 'approve', wrong);
      expect(await env.adapter.pollDeviceChallenge(userId, challenge)).toBe('rejected');
    },
  );

  it.skipIf(answer.skip)(
    `reports rejected after the subject rejects on the device${answer.note}`,
    async () => {
      const env = await ctx.start();
      const { userId, challenge } = await startChallenge(env);
      await env.probes.answerDeviceChallenge?.(userId, 'reject');
      expect(await env.adapter.pollDeviceChallenge(userId, challenge)).toBe('rejected');
    },
  );

  const clock = ctx.requires(['advanceClock'], { emulatorOnly: true });
  it.skipIf(clock.skip)(`reports expired when nobody answers in time${clock.note}`, async () => {
    const env = await ctx.start();
    const { userId, challenge } = await startChallenge(env);
    const window = Date.parse(challenge.expiresAt) - Date.parse(challenge.startedAt);
    env.probes.advanceClock?.(window + 1_000);
    expect(await env.adapter.pollDeviceChallenge(userId, challenge)).toBe('expired');
  });

  it('refuses to challenge an unknown user with ERR_USER_NOT_FOUND', async () => {
    const env = await ctx.start();
    await expectGateError(env.adapter.startDeviceChallenge(env.fixtures.unknownUser), 'ERR_USER_NOT_FOUND');
  });
}
