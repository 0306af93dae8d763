import { describe, expect, it } from 'vitest';
import { openOktaCase, useOktaDouble } from './setup.test-helper.js';

const MINUTE = 60_000;

/**
 * Evidence that counted and then grew older than the tier allows no longer counts (fail closed); the gate
 * asks the subject for it once more, so the case does not wait for a proof nobody told them is needed.
 */
describe('asking the subject again for a proof that went stale (okta double)', { timeout: 120_000 }, () => {
  const t = useOktaDouble();
  let caseId = '';

  const openFor = (name: string) => openOktaCase(t, name);
  /** The verification requests (not the push's number) sent to `address`. */
  const asksTo = (address: string) =>
    t.env.sent.filter(
      (n) => n.to.kind !== 'security' && n.to.address === address && n.subject.startsWith('Confirm your'),
    );
  const managerApproves = () =>
    t.env.engine.recordApproval(caseId, {
      approverId: 'u-erin',
      role: 'manager',
      decision: 'approve',
      reason: 'spoke on video',
    });
  /** Wakes the case with a caller-ID check, which never counts, so it is decided again. */
  const wake = () => t.env.engine.recordEvidence(caseId, { kind: 'caller_id', by: 'u-frank' });

  it("alice's step-up went stale while the manager took their time: asked again once, then it completes", async () => {
    const c = await openFor('alice');
    caseId = c.id;
    expect(c.tier).toBe('T2');
    expect(asksTo('+1-555-0101')).toHaveLength(1);
    await t.env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    // T2 counts evidence for 15 minutes; the manager answers after 20.
    t.env.advance(20 * MINUTE);
    await managerApproves();
    const waiting = await t.env.engine.getCase(c.id);
    expect(waiting?.state).toBe('verifying');
    expect(waiting?.decision?.ignored.join(' ')).toMatch(/EVIDENCE_STALE/);
    expect(t.idp.calls.map((x) => x.method)).not.toContain('revokeSessions');
    // Alice is told on each trusted channel that her confirmation no longer counts, with a new link.
    for (const address of ['+1-555-0101', 'alice.personal@example.net']) {
      const asks = asksTo(address);
      expect(asks.map((n) => n.subject)).toEqual([
        'Confirm your account recovery',
        'Confirm your account recovery again',
      ]);
      expect(asks[1]?.text).toMatch(/older than its policy allows/);
    }
    expect(t.env.audit.entries.filter((e) => e.type === 'case.verification_sent').map((e) => e.data)).toEqual(
      [
        { channels: ['phone:mobile', 'email:personal'] },
        { channels: ['phone:mobile', 'email:personal'], round: 1 },
      ],
    );
    // Deciding again, after a restart too, sends nothing more: the round is journaled.
    t.env.restart();
    await wake();
    expect(asksTo('+1-555-0101')).toHaveLength(2);

    // She confirms again through the new link: two fresh, independent proofs, and the recovery runs.
    const link = await t.env.engine.consumeLink(t.env.linkTo('+1-555-0101', 'verify'), 'verify', 'u-alice');
    expect(link).toMatchObject({ caseId: c.id });
    await t.env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    expect((await t.env.engine.getCase(c.id))?.state).toBe('executing');
    expect(t.idp.calls.map((x) => x.method)).toContain('revokeSessions');
  });

  it('asks once per stale proof, never more: a second stale confirmation asks a second time', async () => {
    const c = await openFor('alice');
    caseId = c.id;
    await t.env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    t.env.advance(20 * MINUTE);
    await wake();
    expect(asksTo('+1-555-0101')).toHaveLength(2);
    await t.env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    t.env.advance(20 * MINUTE);
    await wake();
    await wake();
    expect(asksTo('+1-555-0101')).toHaveLength(3);
    expect(t.env.audit.entries.filter((e) => e.type === 'case.verification_sent').at(-1)?.data).toMatchObject(
      {
        round: 2,
      },
    );
    // The manager's approval comes now: alice's two confirmations are stale, so nothing runs, and she was
    // already asked for each of them.
    await managerApproves();
    expect((await t.env.engine.getCase(c.id))?.state).toBe('verifying');
    expect(asksTo('+1-555-0101')).toHaveLength(3);
    expect(t.idp.calls.map((x) => x.method)).not.toContain('revokeSessions');
  });
});
