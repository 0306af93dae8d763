import type { NormalizedEvent } from '@recovery-gate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeIdp, type FakeIdp } from './fake-idp.test-helper.js';
import { type Env, event, startEnv } from './setup.test-helper.js';

class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

describe('case engine resilience (okta double)', { timeout: 120_000 }, () => {
  let env: Env;
  let idp: FakeIdp;
  const clock = { now: new Date('2026-11-22T10:00:00.000Z') };

  beforeEach(async () => {
    clock.now = new Date('2026-11-22T10:00:00.000Z');
    idp = createFakeIdp('okta', () => clock.now);
    env = await startEnv(new Map([['okta', idp.provider]]), clock);
  }, 120_000);
  afterEach(async () => {
    await env.close();
  }, 120_000);

  const alice = (over: Partial<NormalizedEvent> = {}) =>
    event('okta', {
      subject: { userId: 'u-alice', login: 'alice@example.com' },
      occurredAt: clock.now.toISOString(),
      ...over,
    });
  const count = (method: string) => idp.calls.filter((c) => c.method === method).length;

  async function satisfyAlice(): Promise<string> {
    await env.engine.handleEvent(alice());
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

  it('proofs recorded while another worker is deciding the case are not lost: the deciding worker decides again', async () => {
    // A replica whose push ask hangs while the subject and the manager answer through other replicas.
    let release!: () => void;
    const hanging = new Promise<void>((resolve) => {
      release = resolve;
    });
    let asking!: () => void;
    const asked = new Promise<void>((resolve) => {
      asking = resolve;
    });
    const slow = {
      ...idp.provider,
      startDeviceChallenge: async (userId: string) => {
        asking();
        await hanging;
        return idp.provider.startDeviceChallenge(userId);
      },
    };
    await env.close();
    env = await startEnv(new Map([['okta', slow]]), clock);
    const opening = env.engine.handleEvent(alice());
    await asked;
    const [c] = await env.engine.listCases({ subjectId: 'u-alice' });
    if (!c) throw new Error('no case');
    await env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    await env.engine.recordApproval(c.id, {
      approverId: 'u-erin',
      role: 'manager',
      decision: 'approve',
      reason: 'ok',
    });
    release();
    await opening;
    await env.engine.tick();
    expect(count('revokeSessions')).toBe(1);
    expect((await env.engine.getCase(c.id))?.state).not.toBe('verifying');
  });

  it('a duplicate event opens one case; another request for the same subject and action joins it', async () => {
    const first = alice();
    await env.engine.handleEvent(first);
    await env.engine.handleEvent(first);
    await env.engine.handleEvent(alice({ actor: { id: 'u-gina', type: 'user', displayName: null } }));
    const cases = await env.engine.listCases({ subjectId: 'u-alice' });
    expect(cases).toHaveLength(1);
    expect(idp.calls.filter((c) => c.method === 'readSubjectFacts' && c.userId === 'u-alice')).toHaveLength(
      1,
    );
    expect(env.audit.entries.filter((e) => e.type === 'case.joined')).toHaveLength(1);
  });

  it('a withdrawal that arrives before its request (out of order) keeps the case from opening', async () => {
    const request = alice({ occurredAt: '2026-11-22T09:00:00.000Z' });
    await env.engine.handleEvent(
      alice({ kind: 'recovery_request_withdrawn', occurredAt: '2026-11-22T09:05:00.000Z' }),
    );
    await env.engine.handleEvent(request);
    expect(await env.engine.listCases({ subjectId: 'u-alice' })).toHaveLength(0);
    // A later request opens a case, and a withdrawal then cancels it.
    await env.engine.handleEvent(alice({ occurredAt: '2026-11-22T09:10:00.000Z' }));
    await env.engine.handleEvent(
      alice({ kind: 'recovery_request_withdrawn', occurredAt: '2026-11-22T09:20:00.000Z' }),
    );
    const [c] = await env.engine.listCases({ subjectId: 'u-alice' });
    expect(c?.state).toBe('cancelled');
  });

  it('an IdP outage mid-execution leaves the case pending, retried with back-off, then it completes', async () => {
    idp.failNext('resetAuthenticators', 2);
    const id = await satisfyAlice();
    let c = await env.engine.getCase(id);
    expect(c?.state).toBe('executing');
    expect(c?.journal.find((j) => j.step === 'reset')).toMatchObject({
      state: 'pending',
      error: 'ERR_IDP_UNAVAILABLE',
    });
    await env.engine.tick();
    expect(count('resetAuthenticators')).toBe(1); // back-off: not retried before its time
    env.advance(1_000);
    await env.engine.tick();
    expect(count('resetAuthenticators')).toBe(2);
    env.advance(2_000);
    await env.engine.tick();
    c = await env.engine.getCase(id);
    expect(c?.journal.find((j) => j.step === 'reset')?.state).toBe('done');
    await env.engine.claimCredential(id, 'u-alice');
    expect((await env.engine.getCase(id))?.state).toBe('completed');
    expect(idp.liveCredentials('u-alice')).toHaveLength(1);
  });

  it('an IdP that keeps failing fails the case after the bound and alerts security; nothing half-done runs', async () => {
    idp.failNext('revokeSessions', 100);
    const id = await satisfyAlice();
    for (let i = 0; i < 8; i += 1) {
      env.advance(120_000);
      await env.engine.tick();
    }
    const c = await env.engine.getCase(id);
    expect(c?.state).toBe('failed');
    expect(count('resetAuthenticators')).toBe(0);
    expect(count('issueTemporaryCredential')).toBe(0);
    expect(env.sent.some((n) => n.to.kind === 'security' && n.subject.includes('failed'))).toBe(true);
  });

  it('a crash after a step resumes on a fresh engine without repeating done side effects', async () => {
    env.restart({
      retryBaseMs: 1000,
      onSideEffect: (_id, step) => {
        if (step === 'reset') throw new SimulatedCrash('killed');
      },
    });
    await satisfyAlice().catch((e: unknown) => {
      if (!(e instanceof SimulatedCrash)) throw e;
    });
    expect(count('revokeSessions')).toBe(1);
    expect(count('resetAuthenticators')).toBe(1);
    env.restart({ retryBaseMs: 1000 });
    env.advance(1_000);
    await env.engine.tick();
    const [c] = await env.engine.listCases({ subjectId: 'u-alice' });
    expect(count('revokeSessions')).toBe(1);
    expect(c?.state).toBe('executing');
    await env.engine.claimCredential(c?.id ?? '', 'u-alice');
    expect((await env.engine.getCase(c?.id ?? ''))?.state).toBe('completed');
  });

  it('a credential lost in a crash at claim is revoked before a new one is issued: never two live', async () => {
    const id = await satisfyAlice();
    env.restart({
      onSideEffect: (_id, step) => {
        if (step === 'issue') throw new SimulatedCrash('killed');
      },
    });
    await expect(env.engine.claimCredential(id, 'u-alice')).rejects.toThrow('killed');
    expect(idp.liveCredentials('u-alice')).toHaveLength(1);
    env.restart({});
    const claimed = await env.engine.claimCredential(id, 'u-alice');
    expect(idp.liveCredentials('u-alice').map((c) => c.secret)).toEqual([claimed.secret.reveal()]);
    expect(count('revokeTemporaryCredential')).toBe(1);
  });

  it('an unclaimed credential window ends the case and clears the request marker', async () => {
    const id = await satisfyAlice();
    env.advance(25 * 3_600_000);
    await env.engine.tick();
    const c = await env.engine.getCase(id);
    expect(c?.state).toBe('failed');
    expect(c?.reason).toBe('credential_not_collected');
    expect(count('issueTemporaryCredential')).toBe(0);
  });

  it('"this wasn\'t me" after completion revokes the credential and sessions and alerts security', async () => {
    const id = await satisfyAlice();
    await env.engine.claimCredential(id, 'u-alice');
    const token = idp.mintSession('u-alice');
    expect(idp.liveCredentials('u-alice')).toHaveLength(1);
    await env.engine.cancel(id, { by: 'u-alice', reason: 'not_me' });
    expect(idp.liveCredentials('u-alice')).toHaveLength(0);
    expect(idp.refreshTokenWorks(token)).toBe(false);
    expect((await env.engine.getCase(id))?.state).toBe('repudiated');
    expect(env.sent.some((n) => n.to.kind === 'security' && n.subject.includes('repudiated'))).toBe(true);
  });

  it('a status the IdP refused is owed with the transition and paid by the timer, even after a restart', async () => {
    idp.failNext('writeCaseStatus', 1);
    await env.engine.handleEvent(alice());
    const [c] = await env.engine.listCases({ subjectId: 'u-alice' });
    expect(c?.state).toBe('verifying');
    expect(idp.caseStatus('u-alice')).toBeNull();
    const owed = async () =>
      (await env.store.query('SELECT effects_due_at FROM cases WHERE id = $1', [c?.id]))[0]?.effects_due_at;
    expect(await owed()).not.toBeNull();
    // Not due yet: the timer leaves it alone.
    await env.engine.tick();
    expect(idp.caseStatus('u-alice')).toBeNull();
    // A new process (as after a crash) pays the debt once it falls due, and settles it.
    env.restart();
    env.advance(61_000);
    await env.engine.tick();
    expect(idp.caseStatus('u-alice')).toContain('verifying');
    expect(await owed()).toBeNull();
    const writes = count('writeCaseStatus');
    env.advance(120_000);
    await env.engine.tick();
    expect(count('writeCaseStatus')).toBe(writes);
  });

  it('a policy denial owes its alert: paid once, even when the timer runs again', async () => {
    idp.failNext('writeCaseStatus', 1);
    await env.engine.handleEvent(
      event('okta', {
        subject: { userId: 'u-dave', login: 'dave@example.com' },
        occurredAt: clock.now.toISOString(),
      }),
    );
    const [c] = await env.engine.listCases({ subjectId: 'u-dave' });
    expect(c?.state).toBe('denied');
    const alerts = () => env.sent.filter((n) => n.idempotencyKey === `${c?.id}:denied`).length;
    expect(alerts()).toBe(1);
    env.advance(61_000);
    await env.engine.tick();
    expect(idp.caseStatus('u-dave')).toContain('denied');
    env.advance(61_000);
    await env.engine.tick();
    // The notifier dedupes on the key; the engine pays each debt until settled, then stops.
    expect(count('writeCaseStatus')).toBe(2);
  });
});
