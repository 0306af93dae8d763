import type { NormalizedEvent } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { event, startEnv, useOktaDouble } from './setup.test-helper.js';

class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

describe('case engine resilience (okta double)', { timeout: 120_000 }, () => {
  const t = useOktaDouble();
  const { clock } = t;

  const alice = (over: Partial<NormalizedEvent> = {}) =>
    event('okta', {
      subject: { userId: 'u-alice', login: 'alice@example.com' },
      occurredAt: clock.now.toISOString(),
      ...over,
    });
  const count = (method: string) => t.idp.calls.filter((c) => c.method === method).length;

  async function satisfyAlice(): Promise<string> {
    await t.env.engine.handleEvent(alice());
    const [c] = await t.env.engine.listCases({ subjectId: 'u-alice' });
    if (!c) throw new Error('no case');
    await t.env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    await t.env.engine.recordApproval(c.id, {
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
      ...t.idp.provider,
      startDeviceChallenge: async (userId: string) => {
        asking();
        await hanging;
        return t.idp.provider.startDeviceChallenge(userId);
      },
    };
    await t.env.close();
    t.env = await startEnv(new Map([['okta', slow]]), clock);
    const opening = t.env.engine.handleEvent(alice());
    await asked;
    const [c] = await t.env.engine.listCases({ subjectId: 'u-alice' });
    if (!c) throw new Error('no case');
    await t.env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    await t.env.engine.recordApproval(c.id, {
      approverId: 'u-erin',
      role: 'manager',
      decision: 'approve',
      reason: 'ok',
    });
    release();
    await opening;
    await t.env.engine.tick();
    expect(count('revokeSessions')).toBe(1);
    expect((await t.env.engine.getCase(c.id))?.state).not.toBe('verifying');
  });

  it('a duplicate event opens one case; another request for the same subject and action joins it', async () => {
    const first = alice();
    await t.env.engine.handleEvent(first);
    await t.env.engine.handleEvent(first);
    await t.env.engine.handleEvent(alice({ actor: { id: 'u-gina', type: 'user', displayName: null } }));
    const cases = await t.env.engine.listCases({ subjectId: 'u-alice' });
    expect(cases).toHaveLength(1);
    expect(t.idp.calls.filter((c) => c.method === 'readSubjectFacts' && c.userId === 'u-alice')).toHaveLength(
      1,
    );
    expect(t.env.audit.entries.filter((e) => e.type === 'case.joined')).toHaveLength(1);
  });

  it('a withdrawal that arrives before its request (out of order) keeps the case from opening', async () => {
    const request = alice({ occurredAt: '2026-11-22T09:00:00.000Z' });
    await t.env.engine.handleEvent(
      alice({ kind: 'recovery_request_withdrawn', occurredAt: '2026-11-22T09:05:00.000Z' }),
    );
    await t.env.engine.handleEvent(request);
    expect(await t.env.engine.listCases({ subjectId: 'u-alice' })).toHaveLength(0);
    // A later request opens a case, and a withdrawal then cancels it.
    await t.env.engine.handleEvent(alice({ occurredAt: '2026-11-22T09:10:00.000Z' }));
    await t.env.engine.handleEvent(
      alice({ kind: 'recovery_request_withdrawn', occurredAt: '2026-11-22T09:20:00.000Z' }),
    );
    const [c] = await t.env.engine.listCases({ subjectId: 'u-alice' });
    expect(c?.state).toBe('cancelled');
  });

  it('an IdP outage mid-execution leaves the case pending, retried with back-off, then it completes', async () => {
    t.idp.failNext('resetAuthenticators', 2);
    const id = await satisfyAlice();
    let c = await t.env.engine.getCase(id);
    expect(c?.state).toBe('executing');
    expect(c?.journal.find((j) => j.step === 'reset')).toMatchObject({
      state: 'pending',
      error: 'ERR_IDP_UNAVAILABLE',
    });
    await t.env.engine.tick();
    expect(count('resetAuthenticators')).toBe(1); // back-off: not retried before its time
    t.env.advance(1_000);
    await t.env.engine.tick();
    expect(count('resetAuthenticators')).toBe(2);
    t.env.advance(2_000);
    await t.env.engine.tick();
    c = await t.env.engine.getCase(id);
    expect(c?.journal.find((j) => j.step === 'reset')?.state).toBe('done');
    await t.env.engine.claimCredential(id, 'u-alice');
    expect((await t.env.engine.getCase(id))?.state).toBe('completed');
    expect(t.idp.liveCredentials('u-alice')).toHaveLength(1);
  });

  it('an IdP that keeps failing fails the case after the bound and alerts security; nothing half-done runs', async () => {
    t.idp.failNext('revokeSessions', 100);
    const id = await satisfyAlice();
    for (let i = 0; i < 8; i += 1) {
      t.env.advance(120_000);
      await t.env.engine.tick();
    }
    const c = await t.env.engine.getCase(id);
    expect(c?.state).toBe('failed');
    expect(count('resetAuthenticators')).toBe(0);
    expect(count('issueTemporaryCredential')).toBe(0);
    expect(t.env.sent.some((n) => n.to.kind === 'security' && n.subject.includes('failed'))).toBe(true);
  });

  it('a crash after a step resumes on a fresh engine without repeating done side effects', async () => {
    t.env.restart({
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
    t.env.restart({ retryBaseMs: 1000 });
    t.env.advance(1_000);
    await t.env.engine.tick();
    const [c] = await t.env.engine.listCases({ subjectId: 'u-alice' });
    expect(count('revokeSessions')).toBe(1);
    expect(c?.state).toBe('executing');
    await t.env.engine.claimCredential(c?.id ?? '', 'u-alice');
    expect((await t.env.engine.getCase(c?.id ?? ''))?.state).toBe('completed');
  });

  it('a credential lost in a crash at claim is revoked before a new one is issued: never two live', async () => {
    const id = await satisfyAlice();
    t.env.restart({
      onSideEffect: (_id, step) => {
        if (step === 'issue') throw new SimulatedCrash('killed');
      },
    });
    await expect(t.env.engine.claimCredential(id, 'u-alice')).rejects.toThrow('killed');
    expect(t.idp.liveCredentials('u-alice')).toHaveLength(1);
    t.env.restart({});
    const claimed = await t.env.engine.claimCredential(id, 'u-alice');
    expect(t.idp.liveCredentials('u-alice').map((c) => c.secret)).toEqual([claimed.secret.reveal()]);
    expect(count('revokeTemporaryCredential')).toBe(1);
  });

  it('an unclaimed credential window ends the case and clears the request marker', async () => {
    const id = await satisfyAlice();
    t.env.advance(25 * 3_600_000);
    await t.env.engine.tick();
    const c = await t.env.engine.getCase(id);
    expect(c?.state).toBe('failed');
    expect(c?.reason).toBe('credential_not_collected');
    expect(count('issueTemporaryCredential')).toBe(0);
  });

  it('"this wasn\'t me" after completion revokes the credential and sessions and alerts security', async () => {
    const id = await satisfyAlice();
    await t.env.engine.claimCredential(id, 'u-alice');
    const token = t.idp.mintSession('u-alice');
    expect(t.idp.liveCredentials('u-alice')).toHaveLength(1);
    await t.env.engine.cancel(id, { by: 'u-alice', reason: 'not_me' });
    expect(t.idp.liveCredentials('u-alice')).toHaveLength(0);
    expect(t.idp.refreshTokenWorks(token)).toBe(false);
    expect((await t.env.engine.getCase(id))?.state).toBe('repudiated');
    expect(t.env.sent.some((n) => n.to.kind === 'security' && n.subject.includes('repudiated'))).toBe(true);
  });

  it('a status the IdP refused is owed with the transition and paid by the timer, even after a restart', async () => {
    t.idp.failNext('writeCaseStatus', 1);
    await t.env.engine.handleEvent(alice());
    const [c] = await t.env.engine.listCases({ subjectId: 'u-alice' });
    expect(c?.state).toBe('verifying');
    expect(t.idp.caseStatus('u-alice')).toBeNull();
    const owed = async () =>
      (await t.env.store.query('SELECT effects_due_at FROM cases WHERE id = $1', [c?.id]))[0]?.effects_due_at;
    expect(await owed()).not.toBeNull();
    // Not due yet: the timer leaves it alone.
    await t.env.engine.tick();
    expect(t.idp.caseStatus('u-alice')).toBeNull();
    // A new process (as after a crash) pays the debt once it falls due, and settles it.
    t.env.restart();
    t.env.advance(61_000);
    await t.env.engine.tick();
    expect(t.idp.caseStatus('u-alice')).toContain('verifying');
    expect(await owed()).toBeNull();
    const writes = count('writeCaseStatus');
    t.env.advance(120_000);
    await t.env.engine.tick();
    expect(count('writeCaseStatus')).toBe(writes);
  });

  it('a policy denial owes its alert: paid once, even when the timer runs again', async () => {
    t.idp.failNext('writeCaseStatus', 1);
    await t.env.engine.handleEvent(
      event('okta', {
        subject: { userId: 'u-dave', login: 'dave@example.com' },
        occurredAt: clock.now.toISOString(),
      }),
    );
    const [c] = await t.env.engine.listCases({ subjectId: 'u-dave' });
    expect(c?.state).toBe('denied');
    const alerts = () => t.env.sent.filter((n) => n.idempotencyKey === `${c?.id}:denied`).length;
    expect(alerts()).toBe(1);
    t.env.advance(61_000);
    await t.env.engine.tick();
    expect(t.idp.caseStatus('u-dave')).toContain('denied');
    t.env.advance(61_000);
    await t.env.engine.tick();
    // The notifier dedupes on the key; the engine pays each debt until settled, then stops.
    expect(count('writeCaseStatus')).toBe(2);
  });
});
