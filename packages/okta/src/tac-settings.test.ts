/**
 * The org's TAC authenticator settings bound the lifetime ("The actual allowed range depends on the org-level
 * authenticator configuration"): the adapter reads them, lowers a longer tier lifetime to the org maximum and
 * refuses one below the org minimum before creating anything.
 */
import { isGateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../emulator/index.js';
import { type OktaTestEnvironment, startTestEnvironment } from '../testing/index.js';

const envs: OktaTestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

describe('okta TAC within the org authenticator settings (min 60, max 720 minutes, no multi-use)', () => {
  it('lowers a 24 h tier to the org maximum and refuses a tier below the minimum, creating nothing', async () => {
    const env = await startTestEnvironment({
      emulator: { tacAuthenticator: { minTtl: 60, maxTtl: 720, multiUseAllowed: false } },
    });
    envs.push(env);
    const { control } = env.emulator;
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

describe('plan checks the tiers against the TAC authenticator (read-only)', () => {
  const tiers = [
    { tier: 'SHORT', lifetimeSeconds: 15 * 60, singleUse: true },
    { tier: 'USUAL', lifetimeSeconds: 2 * 3600, singleUse: true },
    { tier: 'LONG', lifetimeSeconds: 8 * 3600, singleUse: true },
    { tier: 'MAILED', kind: 'keycloak_action_link', lifetimeSeconds: 60, singleUse: true },
  ];
  const codes = (findings: readonly { code: string }[]) =>
    findings.map((f) => f.code).filter((c) => c.startsWith('OKTA_TAC_'));

  async function planWith(tacAuthenticator: EmulatorOptions['tacAuthenticator']) {
    const env = await startTestEnvironment({ emulator: tacAuthenticator ? { tacAuthenticator } : {} });
    envs.push(env);
    const before = structuredClone(env.emulator.control.state.tacAuthenticator);
    const plan = await env.adapter.planGuardrails({ credentials: tiers });
    expect(env.emulator.control.state.tacAuthenticator).toEqual(before);
    return plan;
  }

  it('a tier below the minimum is critical, one above the maximum a warning; single use enforced: no multi-use finding', async () => {
    const plan = await planWith({ minTtl: 60, maxTtl: 240, defaultTtl: 60, multiUseAllowed: false });
    expect(codes(plan.findings)).toEqual(['OKTA_TAC_LIFETIME_BELOW_MIN', 'OKTA_TAC_LIFETIME_ABOVE_MAX']);
    const [below, above] = plan.findings.filter((f) => f.code.startsWith('OKTA_TAC_'));
    expect(below).toMatchObject({ severity: 'critical' });
    expect(below?.message).toMatch(/Tier SHORT .*15-minute.*60-240 minutes/);
    expect(above).toMatchObject({ severity: 'warning' });
    expect(above?.message).toMatch(/Tier LONG .*480-minute.*for 240 minutes/);
  });

  it('an authenticator that allows multi-use while the tiers require single use is a warning naming them', async () => {
    const plan = await planWith({ minTtl: 10, maxTtl: 720, defaultTtl: 480, multiUseAllowed: true });
    expect(codes(plan.findings)).toEqual(['OKTA_TAC_MULTI_USE_ALLOWED']);
    const finding = plan.findings.find((f) => f.code === 'OKTA_TAC_MULTI_USE_ALLOWED');
    expect(finding).toMatchObject({ severity: 'warning' });
    expect(finding?.message).toContain('SHORT, USUAL, LONG');
    expect(finding?.message).not.toContain('MAILED');
  });

  it('says nothing of the TAC without tiers that issue one, and nothing when the settings fit', async () => {
    const fits = await planWith({ minTtl: 10, maxTtl: 720, defaultTtl: 120, multiUseAllowed: false });
    expect(codes(fits.findings)).toEqual([]);
    const env = await startTestEnvironment();
    envs.push(env);
    expect(codes((await env.adapter.planGuardrails()).findings)).toEqual([]);
  });

  it('a missing TAC authenticator is critical', async () => {
    const env = await startTestEnvironment();
    envs.push(env);
    env.emulator.control.state.tacAuthenticator.id = '';
    const plan = await env.adapter.planGuardrails({ credentials: tiers });
    expect(codes(plan.findings)).toEqual(['OKTA_TAC_AUTHENTICATOR_MISSING']);
  });
});
