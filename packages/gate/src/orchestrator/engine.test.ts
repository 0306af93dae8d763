import { isGateError } from '@recovery-gate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeIdp, type FakeIdp } from './fake-idp.test-helper.js';
import { type Env, event, startEnv } from './setup.test-helper.js';

const HOUR = 3_600_000;

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isGateError(error) ? error.code : error).toBe(code);
}

describe('case engine (okta double)', { timeout: 120_000 }, () => {
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

  const request = (
    name: string,
    over: Parameters<typeof event>[1] extends infer T ? Partial<T> : never = {},
  ) =>
    event('okta', {
      subject: { userId: `u-${name}`, login: `${name}@example.com` },
      occurredAt: clock.now.toISOString(),
      ...over,
    });

  async function caseOf(name: string) {
    const [c] = await env.engine.listCases({ subjectId: `u-${name}`, kind: 'recovery' });
    if (!c) throw new Error(`no case for ${name}`);
    return c;
  }

  it('alice (lost phone) completes: revoke before reset, TAC issued once at claim, old token refused', async () => {
    const oldToken = idp.mintSession('u-alice');
    await env.engine.handleEvent(request('alice'));
    const opened = await caseOf('alice');
    expect(opened.state).toBe('verifying');
    expect(opened.tier).toBe('T2');
    const verifyTargets = env.sent.filter((n) => n.links?.some((l) => l.url.includes('/verify/')));
    const targets = new Set(verifyTargets.map((n) => (n.to.kind === 'security' ? 'security' : n.to.address)));
    expect([...targets].sort()).toEqual(['+1-555-0101', 'alice.personal@example.net']);
    const token = env.linkTo('+1-555-0101', 'verify');
    const link = await env.engine.consumeLink(token, 'verify', 'u-alice');
    expect(link).toMatchObject({ caseId: opened.id, channelId: 'phone:mobile' });
    await env.engine.recordEvidence(opened.id, {
      kind: 'phone_otp',
      by: 'u-alice',
      channelId: 'phone:mobile',
    });
    expect((await caseOf('alice')).state).toBe('verifying');
    await env.engine.recordApproval(opened.id, {
      approverId: 'u-erin',
      role: 'manager',
      decision: 'approve',
      reason: 'spoke on video',
    });
    const executing = await env.engine.getCase(opened.id);
    expect(executing?.state).toBe('executing');
    expect(idp.refreshTokenWorks(oldToken)).toBe(false);
    const order = idp.calls.map((c) => c.method);
    expect(order.indexOf('revokeSessions')).toBeLessThan(order.indexOf('resetAuthenticators'));
    expect(idp.liveCredentials('u-alice')).toHaveLength(0);

    await expectCode(env.engine.claimCredential(opened.id, 'u-erin'), 'ERR_LINK_INVALID');
    const claimed = await env.engine.claimCredential(opened.id, 'u-alice');
    expect(idp.liveCredentials('u-alice').map((c) => c.secret)).toEqual([claimed.secret.reveal()]);
    await expectCode(env.engine.claimCredential(opened.id, 'u-alice'), 'ERR_LINK_INVALID');

    const done = await env.engine.getCase(opened.id);
    expect(done?.state).toBe('completed');
    expect(idp.caseStatus('u-alice')).toBe('completed');
    const secret = claimed.secret.reveal();
    expect(JSON.stringify(done)).not.toContain(secret);
    expect(JSON.stringify(env.audit.entries)).not.toContain(secret);
    expect(JSON.stringify(env.sent)).not.toContain(secret);
    expect(env.metrics.render()).toMatch(/recovery_cases_total\{[^}]*outcome="completed"[^}]*\} 1/);
  });

  it('the push asks alice to pick a number: told on her trusted channels and to her alone, never in the case view', async () => {
    await env.engine.handleEvent(request('alice'));
    const c = await caseOf('alice');
    const shown = await env.engine.pendingChallenge(c.id, 'u-alice');
    expect(shown?.numberToMatch).toBe(42);
    const told = env.sent.filter((n) => n.subject.startsWith('Look at your phone'));
    expect(told.map((n) => (n.to.kind === 'security' ? 'security' : n.to.address)).sort()).toEqual([
      '+1-555-0101',
      'alice.personal@example.net',
    ]);
    for (const n of told) {
      expect(n.text).toContain('pick 42');
      expect(n.links?.[0]?.url).toContain('/verify/');
    }
    expect(await env.engine.pendingChallenge(c.id, 'u-frank')).toBeNull();
    expect(JSON.stringify(await env.engine.getCase(c.id))).not.toMatch(/numberToMatch|\b42\b/);
    expect(JSON.stringify(env.audit.entries)).not.toContain('numberToMatch');
    idp.answerChallenge('u-alice', 'approved');
    await env.engine.tick();
    expect(await env.engine.pendingChallenge(c.id, 'u-alice')).toBeNull();
  });

  it('bob (impostor): no link to a phone changed 2 days ago, that phone does not count, a rejected push denies', async () => {
    await env.engine.handleEvent(request('bob'));
    const c = await caseOf('bob');
    expect(env.sent.some((n) => n.to.kind === 'phone' && n.to.address === '+1-555-0102')).toBe(false);
    expect(
      env.sent.some(
        (n) =>
          n.to.kind === 'email' &&
          n.to.address === 'bob@example.com' &&
          n.links?.some((l) => l.url.includes('/verify/')),
      ),
    ).toBe(false);
    await env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-bob', channelId: 'phone:mobile' });
    await env.engine.recordEvidence(c.id, { kind: 'caller_id', by: 'u-bob' });
    await env.engine.recordApproval(c.id, {
      approverId: 'u-erin',
      role: 'manager',
      decision: 'approve',
      reason: 'caller knew details',
    });
    const pending = await env.engine.getCase(c.id);
    expect(pending?.state).toBe('verifying');
    expect(pending?.decision?.ignored.join()).toContain('CHANNEL_TOO_NEW');
    idp.answerChallenge('u-bob', 'rejected');
    await env.engine.tick();
    expect((await env.engine.getCase(c.id))?.state).toBe('denied');
    await expectCode(env.engine.claimCredential(c.id, 'u-bob'), 'ERR_LINK_INVALID');
    expect(
      idp.calls.some((x) => x.method === 'issueTemporaryCredential' || x.method === 'resetAuthenticators'),
    ).toBe(false);
    expect(env.sent.some((n) => n.to.kind === 'security' && n.subject.includes('rejected'))).toBe(true);
  });

  it('carol (privileged): supervised proofing, dual control by security, a 4h hold that survives a restart', async () => {
    await env.engine.handleEvent(request('carol'));
    const c = await caseOf('carol');
    expect(c.tier).toBe('T4');
    await env.engine.recordEvidence(c.id, { kind: 'supervised_proofing', by: 'u-gina' });
    await expectCode(
      env.engine.recordApproval(c.id, {
        approverId: 'u-gina',
        role: 'security_team',
        decision: 'approve',
        reason: 'x',
      }),
      'ERR_SEPARATION_OF_DUTIES',
    );
    await expectCode(
      env.engine.recordApproval(c.id, {
        approverId: 'u-erin',
        role: 'security_team',
        decision: 'approve',
        reason: 'x',
      }),
      'ERR_APPROVER_NOT_ELIGIBLE',
    );
    await env.engine.recordApproval(c.id, {
      approverId: 'u-sara',
      role: 'security_team',
      decision: 'approve',
      reason: 'ok',
    });
    expect((await caseOf('carol')).state).toBe('verifying');
    await expectCode(
      env.engine.recordApproval(c.id, {
        approverId: 'u-sara',
        role: 'security_team',
        decision: 'approve',
        reason: 'again',
      }),
      'ERR_SEPARATION_OF_DUTIES',
    );
    await env.engine.recordApproval(c.id, {
      approverId: 'u-sam',
      role: 'security_team',
      decision: 'approve',
      reason: 'ok',
    });
    const held = await caseOf('carol');
    expect(held.state).toBe('held');
    expect(Date.parse(held.notBefore ?? '')).toBe(clock.now.getTime() + 4 * HOUR);
    const notices = env.sent.filter((n) => n.subject.includes('pending'));
    expect(notices.map((n) => (n.to.kind === 'security' ? '' : n.to.address)).sort()).toEqual([
      '+1-555-0103',
      'carol@example.com',
    ]);
    expect(notices.every((n) => n.links?.[0]?.url.includes('/cancel/'))).toBe(true);
    expect(idp.calls.some((x) => x.method === 'revokeSessions')).toBe(false);

    env.restart();
    env.advance(3 * HOUR);
    await env.engine.tick();
    expect((await caseOf('carol')).state).toBe('held');
    env.advance(HOUR);
    await env.engine.tick();
    expect((await caseOf('carol')).state).toBe('executing');
    const claimed = await env.engine.claimCredential(c.id, 'u-carol');
    expect(idp.liveCredentials('u-carol').map((x) => x.secret)).toEqual([claimed.secret.reveal()]);
    expect((await caseOf('carol')).state).toBe('completed');
  });

  it('"this wasn\'t me" during the hold cancels, clears the marker and alerts security', async () => {
    await env.engine.handleEvent(request('carol'));
    const c = await caseOf('carol');
    await env.engine.recordEvidence(c.id, { kind: 'supervised_proofing', by: 'u-gina' });
    await env.engine.recordApproval(c.id, {
      approverId: 'u-sara',
      role: 'security_team',
      decision: 'approve',
      reason: 'ok',
    });
    await env.engine.recordApproval(c.id, {
      approverId: 'u-sam',
      role: 'security_team',
      decision: 'approve',
      reason: 'ok',
    });
    const token = env.linkTo('carol@example.com', 'cancel');
    const link = await env.engine.consumeLink(token, 'cancel', 'u-carol');
    await env.engine.cancel(link.caseId, { by: 'u-carol', reason: "subject: this wasn't me" });
    env.advance(5 * HOUR);
    await env.engine.tick();
    const after = await env.engine.getCase(c.id);
    expect(after?.state).toBe('cancelled');
    expect(
      idp.calls.some((x) => x.method === 'revokeSessions' || x.method === 'issueTemporaryCredential'),
    ).toBe(false);
    expect(idp.caseStatus('u-carol')).toBe('cancelled');
    expect(env.sent.some((n) => n.to.kind === 'security' && n.subject.includes('cancelled'))).toBe(true);
    expect(env.metrics.render()).toMatch(/recovery_cancellations_total\{[^}]*reason="subject"/);
  });

  it('dave (contract ended) is denied at once and nothing is asked or executed', async () => {
    await env.engine.handleEvent(request('dave'));
    const c = await caseOf('dave');
    expect(c.state).toBe('denied');
    expect(c.reason).toContain('CONTRACT_EXPIRED');
    expect(env.sent.some((n) => n.links?.some((l) => l.url.includes('/verify/')))).toBe(false);
    expect(idp.calls.some((x) => x.method === 'revokeSessions')).toBe(false);
    expect(idp.caseStatus('u-dave')).toBe('denied');
    expect(env.metrics.render()).toMatch(/recovery_denials_total\{[^}]*reason="CONTRACT_EXPIRED"/);
  });

  it('the requester and the subject can never approve; an approver must be the manager on file', async () => {
    await env.engine.handleEvent(request('alice'));
    const c = await caseOf('alice');
    await expectCode(
      env.engine.recordApproval(c.id, {
        approverId: 'u-frank',
        role: 'second_agent',
        decision: 'approve',
        reason: 'me',
      }),
      'ERR_SEPARATION_OF_DUTIES',
    );
    await expectCode(
      env.engine.recordApproval(c.id, {
        approverId: 'u-alice',
        role: 'manager',
        decision: 'approve',
        reason: 'me',
      }),
      'ERR_SEPARATION_OF_DUTIES',
    );
    await expectCode(
      env.engine.recordApproval(c.id, {
        approverId: 'u-gina',
        role: 'manager',
        decision: 'approve',
        reason: 'x',
      }),
      'ERR_APPROVER_NOT_ELIGIBLE',
    );
    expect(await env.engine.getCase(c.id).then((x) => x?.approvals.length)).toBe(0);
  });

  it('links are single-use, bound to the person and purpose, and expire', async () => {
    await env.engine.handleEvent(request('alice'));
    const token = env.linkTo('alice.personal@example.net', 'verify');
    await expectCode(env.engine.consumeLink(token, 'verify', 'u-bob'), 'ERR_LINK_INVALID');
    await expectCode(env.engine.consumeLink(token, 'approve', 'u-alice'), 'ERR_LINK_INVALID');
    await env.engine.consumeLink(token, 'verify', 'u-alice');
    await expectCode(env.engine.consumeLink(token, 'verify', 'u-alice'), 'ERR_LINK_INVALID');
    const other = env.linkTo('+1-555-0101', 'verify');
    env.advance(25 * HOUR);
    await expectCode(env.engine.consumeLink(other, 'verify', 'u-alice'), 'ERR_LINK_INVALID');
    await expectCode(env.engine.consumeLink('x'.repeat(43), 'verify', 'u-alice'), 'ERR_LINK_INVALID');
    const rows = await env.store.query('SELECT token_hash FROM links');
    expect(rows.every((r) => r.token_hash !== token && String(r.token_hash).length === 64)).toBe(true);
  });
});
