import { inspect } from 'node:util';
import { isGateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaTestEnvironment, startOktaTestEnvironment } from '../emulator/harness.js';

const envs: OktaTestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

async function start(): Promise<OktaTestEnvironment> {
  const env = await startOktaTestEnvironment({ hook: false });
  envs.push(env);
  return env;
}

describe('Temporary Access Code', () => {
  it('asks Okta for the tier ttl in minutes, single use, and returns the code once, wrapped', async () => {
    const env = await start();
    const alice = env.emulator.control.userId('alice@example.com');
    const credential = await env.adapter.issueTemporaryCredential(alice, {
      lifetimeSeconds: 1800,
      singleUse: true,
      action: 'mfa_reset',
    });
    const request = env.emulator.control.faults
      .requestLog()
      .find((r) => r.path.endsWith('/authenticator-enrollments/tac'));
    expect(request?.body).toMatchObject({ profile: { ttl: '30', multiUse: false } });
    expect(credential).toMatchObject({
      kind: 'okta_tac',
      singleUse: true,
      delivery: 'gate',
      deliveredTo: null,
    });
    expect(Date.parse(credential.expiresAt) - Date.parse(credential.issuedAt)).toBe(1800_000);
    const code = credential.secret?.reveal() ?? '';
    expect(code.length).toBeGreaterThanOrEqual(8);
    expect(JSON.stringify(credential)).not.toContain(code);
    expect(inspect(credential)).not.toContain(code);
  });

  it('a new TAC invalidates the previous one; revoking deletes the enrollment', async () => {
    const env = await start();
    const alice = env.emulator.control.userId('alice@example.com');
    const options = { lifetimeSeconds: 900, singleUse: true, action: 'password_reset' } as const;
    const first = await env.adapter.issueTemporaryCredential(alice, options);
    const second = await env.adapter.issueTemporaryCredential(alice, options);
    expect(await env.emulator.control.signInWithTac(alice, first.secret?.reveal() ?? '')).toBe(false);
    await env.adapter.revokeTemporaryCredential(alice, second);
    expect(await env.emulator.control.signInWithTac(alice, second.secret?.reveal() ?? '')).toBe(false);
    expect(
      [...env.emulator.control.state.enrollments.values()].some((e) => e.userId === alice && e.key === 'tac'),
    ).toBe(false);
  });

  it('refuses lifetimes Okta cannot honour (under 10 minutes) with ERR_INPUT_INVALID and issues nothing', async () => {
    const env = await start();
    const alice = env.emulator.control.userId('alice@example.com');
    const error = await env.adapter
      .issueTemporaryCredential(alice, { lifetimeSeconds: 300, singleUse: true, action: 'mfa_reset' })
      .catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_INPUT_INVALID')).toBe(true);
    expect(env.emulator.control.faults.requestLog().some((r) => r.path.endsWith('/tac'))).toBe(false);
  });
});
