import { isGateError, type RecoveryAction } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaTestEnvironment, startTestEnvironment } from '../testing/index.js';

const envs: OktaTestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

describe('case status and request markers', () => {
  it('writes "<status> (case <id>)" to the status attribute and clears it with null', async () => {
    const env = await startTestEnvironment({ hook: false, emulator: { guardrailsApplied: true } });
    envs.push(env);
    await env.adapter.writeCaseStatus('alice@example.com', {
      caseId: 'c-42',
      status: 'held until 14:05Z',
      updatedAt: '2026-01-01T00:00:00Z',
    });
    expect(env.emulator.control.profileValue('alice@example.com', 'recoveryCaseStatus')).toBe(
      'held until 14:05Z (case c-42)',
    );
    await env.adapter.writeCaseStatus('alice@example.com', null);
    expect(env.emulator.control.profileValue('alice@example.com', 'recoveryCaseStatus')).toBeNull();
    const empty = await env.adapter
      .writeCaseStatus('alice@example.com', { caseId: '', status: 'x', updatedAt: '' })
      .catch((e: unknown) => e);
    expect(isGateError(empty, 'ERR_INPUT_INVALID')).toBe(true);
  });

  it('clears a request marker idempotently and refuses an unknown action', async () => {
    const env = await startTestEnvironment({ hook: false, emulator: { guardrailsApplied: true } });
    envs.push(env);
    const { control } = env.emulator;
    await control.nativeAction('frank@example.com', 'bob@example.com', {
      kind: 'add_to_group',
      group: 'recovery-request-password_reset',
    });
    const group = [...control.state.groups.values()].find(
      (g) => g.name === 'recovery-request-password_reset',
    );
    expect(group?.members.has(control.userId('bob@example.com'))).toBe(true);
    await env.adapter.clearRequestMarker('bob@example.com', 'password_reset');
    await env.adapter.clearRequestMarker('bob@example.com', 'password_reset');
    expect(group?.members.has(control.userId('bob@example.com'))).toBe(false);
    const bad = await env.adapter
      .clearRequestMarker('bob@example.com', 'reboot' as RecoveryAction)
      .catch((e: unknown) => e);
    expect(isGateError(bad, 'ERR_INPUT_INVALID')).toBe(true);
  });
});
