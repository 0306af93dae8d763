import { isGateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { HARNESS_HOOK_SECRET, type OktaTestEnvironment, startTestEnvironment } from '../testing/index.js';

const envs: OktaTestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

async function start(): Promise<OktaTestEnvironment> {
  const env = await startTestEnvironment({ emulator: { guardrailsApplied: true } });
  envs.push(env);
  return env;
}

function delivery(events: unknown[], secret = HARNESS_HOOK_SECRET) {
  return {
    method: 'POST',
    headers: { authorization: secret, 'content-type': 'application/json' },
    query: {},
    body: JSON.stringify({ eventType: 'com.okta.event_hook', eventId: 'e1', data: { events } }),
  };
}

function membershipEvent(uuid: string, actorId: string, userId: string, group: string, published: string) {
  return {
    uuid,
    published,
    eventType: 'group.user_membership.add',
    actor: { id: actorId, type: 'User', alternateId: 'frank@example.com', displayName: 'Frank' },
    outcome: { result: 'SUCCESS' },
    target: [
      { id: userId, type: 'User', alternateId: 'alice@example.com', displayName: 'Alice' },
      { id: '00g1', type: 'UserGroup', alternateId: 'unknown', displayName: group },
    ],
  };
}

describe('Okta event hooks', () => {
  it('answers the one-time verification challenge with {verification}', async () => {
    const env = await start();
    const result = await env.adapter.verifyHook({
      method: 'GET',
      headers: { authorization: HARNESS_HOOK_SECRET, 'x-okta-verification-challenge': 'challenge-123' },
      query: {},
      body: '',
    });
    expect(result.handshake).toBe(true);
    expect(result.response.status).toBe(200);
    expect(JSON.parse(result.response.body)).toEqual({ verification: 'challenge-123' });
  });

  it('refuses a forged delivery and a forged verification with ERR_HOOK_UNAUTHENTICATED, echoing no secret', async () => {
    const env = await start();
    const forged = delivery([], 'Bearer not-the-secret');
    const error = await env.adapter.verifyHook(forged).catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_HOOK_UNAUTHENTICATED')).toBe(true);
    expect(String((error as Error).message)).not.toContain(HARNESS_HOOK_SECRET);
    const noHeader = await env.adapter
      .verifyHook({ method: 'GET', headers: { 'x-okta-verification-challenge': 'x' }, query: {}, body: '' })
      .catch((e: unknown) => e);
    expect(isGateError(noHeader, 'ERR_HOOK_UNAUTHENTICATED')).toBe(true);
  });

  it("normalises a batch, drops duplicates and the gate's own events, and orders by published", async () => {
    const env = await start();
    const alice = env.emulator.control.userId('alice@example.com');
    const frank = env.emulator.control.userId('frank@example.com');
    const gate = env.emulator.control.userId('recovery-gate@example.com');
    const later = membershipEvent(
      'u2',
      frank,
      alice,
      'recovery-request-password_reset',
      '2026-01-01T10:05:00.000Z',
    );
    const earlier = membershipEvent(
      'u1',
      frank,
      alice,
      'recovery-request-mfa_reset',
      '2026-01-01T10:00:00.000Z',
    );
    const own = membershipEvent('u3', gate, alice, 'recovery-request-mfa_reset', '2026-01-01T10:01:00.000Z');
    const other = membershipEvent('u4', frank, alice, 'Finance', '2026-01-01T10:02:00.000Z');
    const result = await env.adapter.verifyHook(delivery([later, earlier, earlier, own, other]));
    expect(result.response.status).toBe(200);
    expect(result.events.map((e) => [e.id, e.kind, e.action])).toEqual([
      ['u1', 'recovery_requested', 'mfa_reset'],
      ['u2', 'recovery_requested', 'password_reset'],
    ]);
    expect(result.events[0]?.actor).toMatchObject({ id: frank, type: 'user' });
  });

  it('refuses a body that is not a delivery with ERR_HOOK_MALFORMED', async () => {
    const env = await start();
    for (const body of [
      '{"data":{}}',
      'not json',
      '[]',
      '{"data":{"events":{}}}',
      '{"data":{"events":[null]}}',
      '{"data":{"events":[[]]}}',
      '{"data":{"events":["x"]}}',
      '{"eventType":1,"data":{"events":[]}}',
      '{"eventId":null,"data":{"events":[]}}',
      '{"data":[]}',
    ]) {
      const error = await env.adapter.verifyHook({ ...delivery([]), body }).catch((e: unknown) => e);
      expect(isGateError(error, 'ERR_HOOK_MALFORMED'), body).toBe(true);
    }
  });

  it("end to end: apply registers and verifies the hook, then an agent's native request arrives as recovery_requested", async () => {
    const env = await start();
    await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    const hook = [...env.emulator.control.state.hooks.values()][0];
    expect(hook?.verificationStatus).toBe('VERIFIED');
    expect(hook?.events.items).toContain('group.user_membership.add');
    expect(hook?.events.items).not.toContain('user.account.expire_password');
    await env.emulator.control.nativeAction('frank@example.com', 'alice@example.com', {
      kind: 'add_to_group',
      group: 'recovery-request-account_unlock',
    });
    await env.adapter.writeCaseStatus('alice@example.com', {
      caseId: 'c-9',
      status: 'verifying',
      updatedAt: new Date().toISOString(),
    });
    await env.emulator.control.hooks.idle();
    expect(env.hookEvents.map((e) => [e.kind, e.action, e.subject.login])).toEqual([
      ['recovery_requested', 'account_unlock', 'alice@example.com'],
    ]);
  });
});
