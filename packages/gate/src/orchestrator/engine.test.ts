import { isGateError } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { event, useOktaDouble } from './setup.test-helper.js';

const HOUR = 3_600_000;

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isGateError(error) ? error.code : error).toBe(code);
}

describe('case engine (okta double)', { timeout: 120_000 }, () => {
  const t = useOktaDouble();
  const { clock } = t;

  const request = (
    name: string,
    over: Parameters<typeof event>[1] extends infer T ? Partial<T> : never = {},
  ) =>
    event('okta', {
      subject: { userId: `u-${name}`, login: `${name}@example.com` },
      occurredAt: clock.now.toISOString(),
      ...over,
    });

  /** Erin, alice's manager, approves the case. */
  const managerApproves = (caseId: string) =>
    t.env.engine.recordApproval(caseId, {
      approverId: 'u-erin',
      role: 'manager',
      decision: 'approve',
      reason: 'spoke on video',
    });
  async function caseOf(name: string) {
    const [c] = await t.env.engine.listCases({ subjectId: `u-${name}`, kind: 'recovery' });
    if (!c) throw new Error(`no case for ${name}`);
    return c;
  }

  it('alice (lost phone) completes: revoke before reset, TAC issued once at claim, old token refused', async () => {
    const oldToken = t.idp.mintSession('u-alice');
    await t.env.engine.handleEvent(request('alice'));
    const opened = await caseOf('alice');
    expect(opened.state).toBe('verifying');
    expect(opened.tier).toBe('T2');
    const verifyTargets = t.env.sent.filter((n) => n.links?.some((l) => l.url.includes('/verify/')));
    const targets = new Set(verifyTargets.map((n) => (n.to.kind === 'security' ? 'security' : n.to.address)));
    expect([...targets].sort()).toEqual(['+1-555-0101', 'alice.personal@example.net']);
    const token = t.env.linkTo('+1-555-0101', 'verify');
    const link = await t.env.engine.consumeLink(token, 'verify', 'u-alice');
    expect(link).toMatchObject({ caseId: opened.id, channelId: 'phone:mobile' });
    await t.env.engine.recordEvidence(opened.id, {
      kind: 'phone_otp',
      by: 'u-alice',
      channelId: 'phone:mobile',
    });
    expect((await caseOf('alice')).state).toBe('verifying');
    await managerApproves(opened.id);
    const executing = await t.env.engine.getCase(opened.id);
    expect(executing?.state).toBe('executing');
    expect(t.idp.refreshTokenWorks(oldToken)).toBe(false);
    const order = t.idp.calls.map((c) => c.method);
    expect(order.indexOf('revokeSessions')).toBeLessThan(order.indexOf('resetAuthenticators'));
    expect(t.idp.liveCredentials('u-alice')).toHaveLength(0);

    await expectCode(t.env.engine.claimCredential(opened.id, 'u-erin'), 'ERR_LINK_INVALID');
    const claimed = await t.env.engine.claimCredential(opened.id, 'u-alice');
    expect(t.idp.liveCredentials('u-alice').map((c) => c.secret)).toEqual([claimed.secret.reveal()]);
    await expectCode(t.env.engine.claimCredential(opened.id, 'u-alice'), 'ERR_LINK_INVALID');

    const done = await t.env.engine.getCase(opened.id);
    expect(done?.state).toBe('completed');
    expect(t.idp.caseStatus('u-alice')).toBe('completed');
    const secret = claimed.secret.reveal();
    expect(JSON.stringify(done)).not.toContain(secret);
    expect(JSON.stringify(t.env.audit.entries)).not.toContain(secret);
    expect(JSON.stringify(t.env.sent)).not.toContain(secret);
    expect(t.env.metrics.render()).toMatch(/recovery_cases_total\{[^}]*outcome="completed"[^}]*\} 1/);
  });

  it('the push asks alice to pick a number: told on her trusted channels and to her alone, never in the case view', async () => {
    await t.env.engine.handleEvent(request('alice'));
    const c = await caseOf('alice');
    const shown = await t.env.engine.pendingChallenge(c.id, 'u-alice');
    expect(shown?.numberToMatch).toBe(42);
    const told = t.env.sent.filter((n) => n.subject.startsWith('Look at your phone'));
    expect(told.map((n) => (n.to.kind === 'security' ? 'security' : n.to.address)).sort()).toEqual([
      '+1-555-0101',
      'alice.personal@example.net',
    ]);
    for (const n of told) {
      expect(n.text).toContain('pick 42');
      expect(n.links?.[0]?.url).toContain('/verify/');
    }
    expect(await t.env.engine.pendingChallenge(c.id, 'u-frank')).toBeNull();
    expect(JSON.stringify(await t.env.engine.getCase(c.id))).not.toMatch(/numberToMatch|\b42\b/);
    expect(JSON.stringify(t.env.audit.entries)).not.toContain('numberToMatch');
    t.idp.answerChallenge('u-alice', 'approved');
    await t.env.engine.tick();
    expect(await t.env.engine.pendingChallenge(c.id, 'u-alice')).toBeNull();
  });

  it('the approval that satisfies a case executes it on the proofs it read: they are read once', async () => {
    await t.env.engine.handleEvent(request('alice'));
    const c = await caseOf('alice');
    await t.env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    const store = t.env.store;
    const query = store.query.bind(store);
    const reads: string[] = [];
    store.query = (sql, params, options) => {
      const table = /FROM (case_evidence|case_approvals)\b/.exec(sql)?.[1];
      if (table) reads.push(table);
      return query(sql, params, options);
    };
    try {
      await managerApproves(c.id);
    } finally {
      store.query = query;
    }
    expect((await t.env.engine.getCase(c.id))?.state).toBe('executing');
    expect(reads.sort()).toEqual(['case_approvals', 'case_evidence']);
  });

  it('the approval that completes a case starts the facts read before its commit; the case executes after it, on that one read', async () => {
    await t.env.engine.handleEvent(request('alice'));
    const c = await caseOf('alice');
    await t.env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    const store = t.env.store;
    const transaction = store.transaction.bind(store);
    // The IdP calls made by the time each transaction committed.
    const atCommit: string[][] = [];
    store.transaction = async (fn, ...rest) => {
      const result = await transaction(fn, ...rest);
      atCommit.push(t.idp.calls.map((x) => `${x.method}:${x.userId}`));
      return result;
    };
    const from = t.idp.calls.length;
    try {
      await managerApproves(c.id);
    } finally {
      store.transaction = transaction;
    }
    const during = t.idp.calls.slice(from).map((x) => `${x.method}:${x.userId}`);
    // One facts read of the subject, made before the first step, and already under way at the approval's commit.
    expect(during.filter((x) => x === 'readSubjectFacts:u-alice')).toHaveLength(1);
    expect(during.indexOf('readSubjectFacts:u-alice')).toBeLessThan(during.indexOf('revokeSessions:u-alice'));
    expect(atCommit[0]?.slice(from)).toEqual(['readSubjectFacts:u-alice']);
    expect((await t.env.engine.getCase(c.id))?.state).toBe('executing');
  });

  it('an approval that leaves evidence missing reads no facts ahead', async () => {
    await t.env.engine.handleEvent(request('alice'));
    const c = await caseOf('alice');
    const from = t.idp.calls.length;
    await managerApproves(c.id);
    const read = t.idp.calls.slice(from).filter((x) => x.method === 'readSubjectFacts');
    expect(read.map((x) => x.userId)).not.toContain('u-alice');
    expect((await t.env.engine.getCase(c.id))?.state).toBe('verifying');
  });

  it('the completing approval whose facts read fails is recorded, the case stays verifying and nothing runs until a read succeeds', async () => {
    await t.env.engine.handleEvent(request('alice'));
    const c = await caseOf('alice');
    await t.env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    t.idp.failNext('readSubjectFacts', 1);
    const from = t.idp.calls.length;
    await managerApproves(c.id);
    const stuck = await t.env.engine.getCase(c.id);
    expect(stuck?.state).toBe('verifying');
    expect(stuck?.approvals.map((a) => a.personId)).toEqual(['u-erin']);
    expect(stuck?.journal.filter((j) => !j.step.startsWith('ask:'))).toEqual([]);
    expect(t.idp.calls.slice(from).map((x) => x.method)).toEqual(['readSubjectFacts']);
    // The retry after the back-off (1 s here) reads again and executes.
    clock.now = new Date(clock.now.getTime() + 5_000);
    await t.env.engine.tick();
    expect((await t.env.engine.getCase(c.id))?.state).toBe('executing');
  });

  it('bob (impostor): no link to a phone changed 2 days ago, that phone does not count, a rejected push denies', async () => {
    await t.env.engine.handleEvent(request('bob'));
    const c = await caseOf('bob');
    expect(t.env.sent.some((n) => n.to.kind === 'phone' && n.to.address === '+1-555-0102')).toBe(false);
    expect(
      t.env.sent.some(
        (n) =>
          n.to.kind === 'email' &&
          n.to.address === 'bob@example.com' &&
          n.links?.some((l) => l.url.includes('/verify/')),
      ),
    ).toBe(false);
    await t.env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-bob', channelId: 'phone:mobile' });
    await t.env.engine.recordEvidence(c.id, { kind: 'caller_id', by: 'u-bob' });
    await t.env.engine.recordApproval(c.id, {
      approverId: 'u-erin',
      role: 'manager',
      decision: 'approve',
      reason: 'caller knew details',
    });
    const pending = await t.env.engine.getCase(c.id);
    expect(pending?.state).toBe('verifying');
    expect(pending?.decision?.ignored.join()).toContain('CHANNEL_TOO_NEW');
    t.idp.answerChallenge('u-bob', 'rejected');
    await t.env.engine.tick();
    expect((await t.env.engine.getCase(c.id))?.state).toBe('denied');
    await expectCode(t.env.engine.claimCredential(c.id, 'u-bob'), 'ERR_LINK_INVALID');
    expect(
      t.idp.calls.some((x) => x.method === 'issueTemporaryCredential' || x.method === 'resetAuthenticators'),
    ).toBe(false);
    expect(t.env.sent.some((n) => n.to.kind === 'security' && n.subject.includes('rejected'))).toBe(true);
  });

  it('carol (privileged): supervised proofing, dual control by security, a 4h hold that survives a restart', async () => {
    await t.env.engine.handleEvent(request('carol'));
    const c = await caseOf('carol');
    expect(c.tier).toBe('T4');
    await t.env.engine.recordEvidence(c.id, { kind: 'supervised_proofing', by: 'u-gina' });
    await expectCode(
      t.env.engine.recordApproval(c.id, {
        approverId: 'u-gina',
        role: 'security_team',
        decision: 'approve',
        reason: 'x',
      }),
      'ERR_SEPARATION_OF_DUTIES',
    );
    await expectCode(
      t.env.engine.recordApproval(c.id, {
        approverId: 'u-erin',
        role: 'security_team',
        decision: 'approve',
        reason: 'x',
      }),
      'ERR_APPROVER_NOT_ELIGIBLE',
    );
    await t.env.engine.recordApproval(c.id, {
      approverId: 'u-sara',
      role: 'security_team',
      decision: 'approve',
      reason: 'ok',
    });
    expect((await caseOf('carol')).state).toBe('verifying');
    await expectCode(
      t.env.engine.recordApproval(c.id, {
        approverId: 'u-sara',
        role: 'security_team',
        decision: 'approve',
        reason: 'again',
      }),
      'ERR_SEPARATION_OF_DUTIES',
    );
    await t.env.engine.recordApproval(c.id, {
      approverId: 'u-sam',
      role: 'security_team',
      decision: 'approve',
      reason: 'ok',
    });
    const held = await caseOf('carol');
    expect(held.state).toBe('held');
    expect(Date.parse(held.notBefore ?? '')).toBe(clock.now.getTime() + 4 * HOUR);
    const notices = t.env.sent.filter((n) => n.subject.includes('pending'));
    expect(notices.map((n) => (n.to.kind === 'security' ? '' : n.to.address)).sort()).toEqual([
      '+1-555-0103',
      'carol@example.com',
    ]);
    expect(notices.every((n) => n.links?.[0]?.url.includes('/cancel/'))).toBe(true);
    expect(t.idp.calls.some((x) => x.method === 'revokeSessions')).toBe(false);

    t.env.restart();
    t.env.advance(3 * HOUR);
    await t.env.engine.tick();
    expect((await caseOf('carol')).state).toBe('held');
    t.env.advance(HOUR);
    await t.env.engine.tick();
    expect((await caseOf('carol')).state).toBe('executing');
    const claimed = await t.env.engine.claimCredential(c.id, 'u-carol');
    expect(t.idp.liveCredentials('u-carol').map((x) => x.secret)).toEqual([claimed.secret.reveal()]);
    expect((await caseOf('carol')).state).toBe('completed');
  });

  it('"this wasn\'t me" during the hold cancels, clears the marker and alerts security', async () => {
    await t.env.engine.handleEvent(request('carol'));
    const c = await caseOf('carol');
    await t.env.engine.recordEvidence(c.id, { kind: 'supervised_proofing', by: 'u-gina' });
    await t.env.engine.recordApproval(c.id, {
      approverId: 'u-sara',
      role: 'security_team',
      decision: 'approve',
      reason: 'ok',
    });
    await t.env.engine.recordApproval(c.id, {
      approverId: 'u-sam',
      role: 'security_team',
      decision: 'approve',
      reason: 'ok',
    });
    const token = t.env.linkTo('carol@example.com', 'cancel');
    const link = await t.env.engine.consumeLink(token, 'cancel', 'u-carol');
    await t.env.engine.cancel(link.caseId, { by: 'u-carol', reason: "subject: this wasn't me" });
    t.env.advance(5 * HOUR);
    await t.env.engine.tick();
    const after = await t.env.engine.getCase(c.id);
    expect(after?.state).toBe('cancelled');
    expect(
      t.idp.calls.some((x) => x.method === 'revokeSessions' || x.method === 'issueTemporaryCredential'),
    ).toBe(false);
    expect(t.idp.caseStatus('u-carol')).toBe('cancelled');
    expect(t.env.sent.some((n) => n.to.kind === 'security' && n.subject.includes('cancelled'))).toBe(true);
    expect(t.env.metrics.render()).toMatch(/recovery_cancellations_total\{[^}]*reason="subject"/);
  });

  it('dave (contract ended) is denied at once and nothing is asked or executed', async () => {
    await t.env.engine.handleEvent(request('dave'));
    const c = await caseOf('dave');
    expect(c.state).toBe('denied');
    expect(c.reason).toContain('CONTRACT_EXPIRED');
    expect(t.env.sent.some((n) => n.links?.some((l) => l.url.includes('/verify/')))).toBe(false);
    expect(t.idp.calls.some((x) => x.method === 'revokeSessions')).toBe(false);
    expect(t.idp.caseStatus('u-dave')).toBe('denied');
    expect(t.env.metrics.render()).toMatch(/recovery_denials_total\{[^}]*reason="CONTRACT_EXPIRED"/);
  });

  it('the requester and the subject can never approve; an approver must be the manager on file', async () => {
    await t.env.engine.handleEvent(request('alice'));
    const c = await caseOf('alice');
    await expectCode(
      t.env.engine.recordApproval(c.id, {
        approverId: 'u-frank',
        role: 'second_agent',
        decision: 'approve',
        reason: 'me',
      }),
      'ERR_SEPARATION_OF_DUTIES',
    );
    await expectCode(
      t.env.engine.recordApproval(c.id, {
        approverId: 'u-alice',
        role: 'manager',
        decision: 'approve',
        reason: 'me',
      }),
      'ERR_SEPARATION_OF_DUTIES',
    );
    await expectCode(
      t.env.engine.recordApproval(c.id, {
        approverId: 'u-gina',
        role: 'manager',
        decision: 'approve',
        reason: 'x',
      }),
      'ERR_APPROVER_NOT_ELIGIBLE',
    );
    expect(await t.env.engine.getCase(c.id).then((x) => x?.approvals.length)).toBe(0);
  });

  it('links are single-use, bound to the person and purpose, and expire', async () => {
    await t.env.engine.handleEvent(request('alice'));
    const token = t.env.linkTo('alice.personal@example.net', 'verify');
    await expectCode(t.env.engine.consumeLink(token, 'verify', 'u-bob'), 'ERR_LINK_INVALID');
    await expectCode(t.env.engine.consumeLink(token, 'approve', 'u-alice'), 'ERR_LINK_INVALID');
    await t.env.engine.consumeLink(token, 'verify', 'u-alice');
    await expectCode(t.env.engine.consumeLink(token, 'verify', 'u-alice'), 'ERR_LINK_INVALID');
    const other = t.env.linkTo('+1-555-0101', 'verify');
    t.env.advance(25 * HOUR);
    await expectCode(t.env.engine.consumeLink(other, 'verify', 'u-alice'), 'ERR_LINK_INVALID');
    await expectCode(t.env.engine.consumeLink('x'.repeat(43), 'verify', 'u-alice'), 'ERR_LINK_INVALID');
    const rows = await t.env.store.query('SELECT token_hash FROM links');
    expect(rows.every((r) => r.token_hash !== token && String(r.token_hash).length === 64)).toBe(true);
  });
});
