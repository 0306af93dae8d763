import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../testing/stores.js';
import { createFakeIdp } from './fake-idp.test-helper.js';
import { hashToken } from './links.js';
import { journalEntries } from './repo.js';
import { type Env, event, openOktaCase, startEnv, useOktaDouble } from './setup.test-helper.js';

const HOUR = 3_600_000;

/**
 * An approval that counted and then grew older than the tier allows no longer counts (fail closed); the gate
 * asks its approver once more, and lets them renew it, so the case does not wait for an approval nobody was
 * asked for. A fresh approval is still given once per person.
 */
describe('renewing an approval that went stale (okta double)', { timeout: 120_000 }, () => {
  const t = useOktaDouble();
  const { clock } = t;
  let caseId = '';

  async function openFor(name: string) {
    caseId = (await openOktaCase(t, name)).id;
  }
  const erinApproves = (over: { approverId?: string; linkHash?: string } = {}) =>
    t.env.engine.recordApproval(caseId, {
      approverId: 'u-erin',
      role: 'manager',
      decision: 'approve',
      reason: 'spoke on video',
      ...over,
    });
  /** The renewal requests sent to erin. */
  const renewalAsks = () =>
    t.env.sent.filter(
      (n) => n.to.kind === 'email' && n.to.address === 'erin@example.com' && /again/.test(n.subject),
    );
  /** Wakes the case with a caller-ID check, which never counts, so it is decided again. */
  const wake = () => t.env.engine.recordEvidence(caseId, { kind: 'caller_id', by: 'u-frank' });
  const approvals = async () => (await t.env.engine.getCase(caseId))?.approvals ?? [];
  it("erin's approval went stale: she is asked once to renew, renews, and the recovery runs", async () => {
    await openFor('alice');
    const refresh = t.idp.mintSession('u-alice');
    await erinApproves();
    const first = (await approvals())[0]?.at ?? '';
    // A duplicate of an approval that still counts is refused, as ever.
    await expect(erinApproves()).rejects.toMatchObject({ code: 'ERR_SEPARATION_OF_DUTIES' });
    expect(renewalAsks()).toHaveLength(0);

    clock.now = new Date(clock.now.getTime() + 25 * HOUR);
    await t.env.engine.recordEvidence(caseId, {
      kind: 'phone_otp',
      by: 'u-alice',
      channelId: 'phone:mobile',
    });
    const waiting = await t.env.engine.getCase(caseId);
    expect(waiting?.state).toBe('verifying');
    expect(waiting?.decision?.staleApprovals).toEqual([{ personId: 'u-erin', role: 'manager', at: first }]);
    expect(t.idp.calls.map((x) => x.method)).not.toContain('revokeSessions');
    // Erin is asked again, once, saying it is a renewal, with a link bound to her.
    expect(renewalAsks()).toHaveLength(1);
    expect(renewalAsks()[0]?.text).toMatch(/older than its policy allows.*renew it/);
    const step = `ask:approve:manager:again:u-erin:${Date.parse(first)}`;
    expect((await journalEntries(t.env.store, caseId, [step])).get(step)?.state).toBe('done');
    expect(
      t.env.audit.entries.filter((e) => e.type === 'case.approval_requested').map((e) => e.data),
    ).toContainEqual({ role: 'manager', links: 1, person: 'u-erin', renewal: true, staleAt: first });
    // Deciding again, after a restart too, asks nothing more: the renewal ask is journaled.
    await wake();
    t.env.restart();
    await wake();
    expect(renewalAsks()).toHaveLength(1);

    // The renewal is erin's: gina cannot decide in her place with her link (and it stays usable).
    const token = t.env.linkTo('erin@example.com', 'approve');
    await expect(erinApproves({ approverId: 'u-gina', linkHash: hashToken(token) })).rejects.toMatchObject({
      code: 'ERR_APPROVER_NOT_ELIGIBLE',
    });
    expect((await approvals()).map((a) => [a.personId, a.at])).toEqual([['u-erin', first]]);

    // Erin renews through her link: her approval is replaced, and with alice's fresh proof the recovery runs.
    await erinApproves({ linkHash: hashToken(token) });
    expect((await approvals()).map((a) => [a.personId, a.at, a.renewals])).toEqual([
      ['u-erin', clock.now.toISOString(), 1],
    ]);
    expect((await t.env.engine.getCase(caseId))?.state).toBe('executing');
    expect(t.idp.calls.map((x) => x.method)).toContain('revokeSessions');
    expect(t.idp.refreshTokenWorks(refresh)).toBe(false);
    const renewed = t.env.audit.entries.filter((e) => e.type === 'case.approval_renewed');
    expect(renewed.map((e) => [e.actor, e.data])).toEqual([
      ['u-erin', { role: 'manager', reason: 'spoke on video', renews: first }],
    ]);
    // The renewal is a decision made once: a second one is a duplicate.
    expect(t.env.audit.entries.filter((e) => e.type === 'case.approved')).toHaveLength(1);
  });

  it('a renewal that goes stale in its turn is asked for once more', async () => {
    await openFor('alice');
    await erinApproves();
    clock.now = new Date(clock.now.getTime() + 25 * HOUR);
    await wake();
    expect(renewalAsks()).toHaveLength(1);
    // Erin renews; alice has not proved anything yet, and a day later the renewal is stale too.
    await erinApproves();
    const renewedAt = (await approvals())[0]?.at ?? '';
    clock.now = new Date(clock.now.getTime() + 25 * HOUR);
    await wake();
    await wake();
    expect(renewalAsks()).toHaveLength(2);
    const step = `ask:approve:manager:again:u-erin:${Date.parse(renewedAt)}`;
    expect((await journalEntries(t.env.store, caseId, [step])).get(step)?.state).toBe('done');
    expect((await t.env.engine.getCase(caseId))?.state).toBe('verifying');
  });
});

describe.each(BACKENDS)(
  'two renewals of one stale approval at once, on %s',
  { timeout: 120_000 },
  (backend) => {
    const clock = { now: new Date('2026-11-22T10:00:00.000Z') };
    let env: Env;
    beforeEach(async () => {
      clock.now = new Date('2026-11-22T10:00:00.000Z');
      env = await startEnv(
        new Map([['okta', createFakeIdp('okta', () => clock.now).provider]]),
        clock,
        undefined,
        {},
        backend,
      );
    }, 120_000);
    afterEach(() => env.close(), 120_000);

    it('record one; the other is refused as a duplicate', async () => {
      await env.engine.handleEvent(
        event('okta', {
          subject: { userId: 'u-alice', login: 'alice@example.com' },
          occurredAt: clock.now.toISOString(),
        }),
      );
      const [c] = await env.engine.listCases({ subjectId: 'u-alice', kind: 'recovery' });
      const caseId = c?.id ?? '';
      const erinApproves = () =>
        env.engine.recordApproval(caseId, {
          approverId: 'u-erin',
          role: 'manager',
          decision: 'approve',
          reason: 'video',
        });
      await erinApproves();
      const first = (await env.engine.getCase(caseId))?.approvals[0]?.at;
      clock.now = new Date(clock.now.getTime() + 25 * HOUR);
      // Woken by a check that never counts: the case stays verifying whichever renewal wins, so the loser
      // is refused by the renewal's own guard, not by the case having moved on.
      await env.engine.recordEvidence(caseId, { kind: 'caller_id', by: 'u-frank' });
      expect((await env.engine.getCase(caseId))?.decision?.staleApprovals).toHaveLength(1);
      // A second replica (another engine on the same store) renews at the same moment.
      const replica = env.restart();
      const results = await Promise.allSettled([
        erinApproves(),
        replica.recordApproval(caseId, {
          approverId: 'u-erin',
          role: 'manager',
          decision: 'approve',
          reason: 'video',
        }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = results.find((r) => r.status === 'rejected');
      expect(lost?.status === 'rejected' && lost.reason).toMatchObject({ code: 'ERR_SEPARATION_OF_DUTIES' });
      const [only, ...rest] = (await env.engine.getCase(caseId))?.approvals ?? [];
      expect(rest).toEqual([]);
      expect(only?.renewals).toBe(1);
      expect(only?.at).not.toBe(first);
      expect(env.audit.entries.filter((e) => e.type === 'case.approval_renewed')).toHaveLength(1);
      // Erin's renewal counts: with alice's proof now, the recovery runs.
      expect((await env.engine.getCase(caseId))?.state).toBe('verifying');
      await env.engine.recordEvidence(caseId, {
        kind: 'phone_otp',
        by: 'u-alice',
        channelId: 'phone:mobile',
      });
      expect((await env.engine.getCase(caseId))?.state).toBe('executing');
    });
  },
);
