/**
 * The org's TAC authenticator settings bound the lifetime ("The actual allowed range depends on the org-level
 * authenticator configuration"): the adapter reads them, lowers a longer tier lifetime to the org maximum and
 * refuses one below the org minimum before creating anything.
 */
import { isGateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaTestEnvironment, startTestEnvironment } from '../testing/index.js';

const envs: OktaTestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

describe('okta TAC within the org authenticator settings (min 60, max 720 minutes, no multi-use)', () => {
  it('lowers a 24 h tier to the org maximum and refuses a tier below the minimum, creating nothing', async () => {
    const env = await startTestEnvironment();
    envs.push(env);
    const { control } = env.emulator;
    Object.assign(control.state.tacAuthenticator, { minTtl: 60, maxTtl: 720, multiUseAllowed: false });
    const alice = control.userId('alice@example.com');
    const issued = await env.adapter.issueTemporaryCredential(alice, {
      action: 'mfa_reset',
      lifetimeSeconds: 24 * 3600,
      singleUse: true,
    });
    const stored = [...control.state.enrollments.values()].find((e) => e.userId === alice && e.key === 'tac');
    expect(stored?.tac?.expiresAt).toBe(Date.parse(issued.expiresAt));
    expect(Date.parse(issued.expiresAt) - Date.parse(issued.issuedAt)).toBe(720 * 60_000);
    expect(issued.singleUse).toBe(true);
    const before = control.state.enrollments.size;
    const error = await env.adapter
      .issueTemporaryCredential(alice, { action: 'mfa_reset', lifetimeSeconds: 15 * 60, singleUse: true })
      .catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_INPUT_INVALID')).toBe(true);
    expect(String((error as Error).message)).toMatch(/60-720 minutes/);
    expect(control.state.enrollments.size).toBe(before);
  });
});
