import { inspect } from 'node:util';
import { isGateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaTestEnvironment, startTestEnvironment } from '../testing/index.js';

const envs: OktaTestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

async function start(): Promise<OktaTestEnvironment> {
  const env = await startTestEnvironment({ hook: false });
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

/**
 * Divergence D7: Okta's API description sends `profile.ttl` (a string), its TAC guide `config.ttl` with
 * `authenticatorType`. The emulator honours one shape and ignores the other; under each, the code Okta holds
 * must be the one the gate reports (lifetime and use), or none at all.
 */
describe.each(['profile', 'config'] as const)('TAC when Okta honours the %s body', (shape) => {
  async function startIn(): Promise<OktaTestEnvironment> {
    const env = await startTestEnvironment({ hook: false, emulator: { tacRequestBody: shape } });
    envs.push(env);
    return env;
  }
  const held = (env: OktaTestEnvironment, id: string | null) =>
    [...env.emulator.control.state.enrollments.values()].find((e) => e.id === id)?.tac;

  it('the lifetime and single use reported are the ones Okta holds, and only one code exists', async () => {
    const env = await startIn();
    const alice = env.emulator.control.userId('alice@example.com');
    const credential = await env.adapter.issueTemporaryCredential(alice, {
      lifetimeSeconds: 20 * 60,
      singleUse: true,
      action: 'mfa_reset',
    });
    const tac = held(env, credential.id);
    expect(tac?.multiUse).toBe(false);
    expect(tac?.expiresAt).toBe(Date.parse(credential.expiresAt));
    expect(Date.parse(credential.expiresAt) - Date.parse(credential.issuedAt)).toBe(20 * 60_000);
    const codes = [...env.emulator.control.state.enrollments.values()].filter(
      (e) => e.userId === alice && e.key === 'tac',
    );
    expect(codes).toHaveLength(1);
    expect(await env.emulator.control.signInWithTac(alice, credential.secret?.reveal() ?? '')).toBe(true);
    expect(await env.emulator.control.signInWithTac(alice, credential.secret?.reveal() ?? '')).toBe(false);
  });

  it('a multi-use tier gets a multi-use code where the org allows it, else a single-use one said as such', async () => {
    const env = await startIn();
    const alice = env.emulator.control.userId('alice@example.com');
    const options = { lifetimeSeconds: 30 * 60, singleUse: false, action: 'mfa_reset' } as const;
    const reusable = await env.adapter.issueTemporaryCredential(alice, options);
    expect(reusable.singleUse).toBe(false);
    expect(held(env, reusable.id)?.multiUse).toBe(true);
    const other = await startIn();
    other.emulator.control.state.tacAuthenticator.multiUseAllowed = false;
    const bob = other.emulator.control.userId('bob@example.com');
    const single = await other.adapter.issueTemporaryCredential(bob, options);
    expect(single.singleUse).toBe(true);
    expect(held(other, single.id)?.multiUse).toBe(false);
  });
});
