import { isGateError } from '@recovery-gate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeIdp, type FakeIdp } from './fake-idp.test-helper.js';
import { type Env, event, startEnv } from './setup.test-helper.js';

class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

describe('IdP delivery (keycloak double)', { timeout: 120_000 }, () => {
  let env: Env;
  let idp: FakeIdp;
  const clock = { now: new Date('2026-11-22T10:00:00.000Z') };

  beforeEach(async () => {
    clock.now = new Date('2026-11-22T10:00:00.000Z');
    idp = createFakeIdp('keycloak', () => clock.now);
    env = await startEnv(new Map([['keycloak', idp.provider]]), clock);
  }, 120_000);
  afterEach(async () => {
    await env.close();
  }, 120_000);

  async function satisfyAlice(): Promise<string> {
    await env.engine.handleEvent(
      event('keycloak', {
        subject: { userId: 'u-alice', login: 'alice' },
        occurredAt: clock.now.toISOString(),
      }),
    );
    const [c] = await env.engine.listCases({ subjectId: 'u-alice' });
    if (!c) throw new Error('no case');
    await env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    await env.engine.recordApproval(c.id, {
      approverId: 'u-erin',
      role: 'manager',
      decision: 'approve',
      reason: 'ok',
    });
    return c.id;
  }

  it('the IdP mails the action link to a trusted personal address (never the account mailbox) and the case completes', async () => {
    const id = await satisfyAlice();
    const c = await env.engine.getCase(id);
    expect(c?.state).toBe('completed');
    const issue = c?.journal.find((j) => j.step === 'issue');
    expect(issue?.result).toMatchObject({ delivery: 'idp', deliveredTo: 'email:personal' });
    expect(idp.liveCredentials('u-alice')).toHaveLength(1);
    const refused = await env.engine.claimCredential(id, 'u-alice').catch((e: unknown) => e);
    expect(isGateError(refused, 'ERR_LINK_INVALID')).toBe(true);
    expect(idp.markers()).not.toContain('u-alice:mfa_reset');
  });

  it('a crash while an IdP without a send record sends the link never sends a second one; security is told', async () => {
    env.restart({
      onSideEffect: (_id, step) => {
        if (step === 'issue') throw new SimulatedCrash('killed');
      },
    });
    const id = await satisfyAlice().catch(async (e: unknown) => {
      if (!(e instanceof SimulatedCrash)) throw e;
      const [c] = await env.engine.listCases({ subjectId: 'u-alice' });
      return c?.id ?? '';
    });
    expect(idp.liveCredentials('u-alice')).toHaveLength(1);
    env.restart({});
    env.advance(1_000);
    await env.engine.tick();
    expect((await env.engine.getCase(id))?.state).toBe('completed');
    expect(idp.liveCredentials('u-alice')).toHaveLength(1);
    expect(idp.calls.filter((c) => c.method === 'issueTemporaryCredential')).toHaveLength(1);
    expect(
      env.sent.some((n) => n.to.kind === 'security' && n.subject.includes('may not have been sent')),
    ).toBe(true);
    expect(idp.calls.filter((c) => c.method === 'revokeSessions')).toHaveLength(1);
    // Without a record to read, the subject is never told the account was recovered.
    const told = env.sent.filter((n) => n.to.kind !== 'security' && n.text.includes(id));
    expect(told.length).toBeGreaterThan(0);
    expect(told.some((n) => n.subject === 'Your account was recovered')).toBe(false);
  });
});
