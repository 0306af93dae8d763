import type { NormalizedEvent } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { event, useOktaDouble } from './setup.test-helper.js';

describe('requests joining an open case, handled in a batch (okta double)', { timeout: 120_000 }, () => {
  const t = useOktaDouble();
  const { clock } = t;

  const request = (userId: string, over: Partial<NormalizedEvent> = {}) =>
    event('okta', { subject: { userId, login: null }, occurredAt: clock.now.toISOString(), ...over });
  const calls = (method: string, userId: string) =>
    t.idp.calls.filter((c) => c.method === method && c.userId === userId).length;
  const caseOf = async (userId: string) => {
    const [c] = await t.env.engine.listCases({ subjectId: userId });
    if (!c) throw new Error(`no case for ${userId}`);
    return c;
  };
  const caseEvents = async () =>
    new Map(
      (
        await t.env.store.query<{ event_key: string; case_id: string | null }>('SELECT * FROM case_events')
      ).map((r) => [r.event_key, r.case_id]),
    );

  it('records each join with its case and audit record in one go; opening, seen and withdrawn events are left', async () => {
    const aliceFirst = request('u-alice');
    await t.env.engine.handleEvent(aliceFirst);
    await t.env.engine.handleEvent(request('u-bob'));
    const alice = await caseOf('u-alice');
    const bob = await caseOf('u-bob');
    expect([alice.state, bob.state]).toEqual(['verifying', 'verifying']);
    const sentBefore = t.env.sent.length;
    // A minute later: a case advanced again would be written at this time.
    clock.now = new Date(clock.now.getTime() + 60_000);
    const factsBefore = calls('readSubjectFacts', 'u-alice');
    const gina = { id: 'u-gina', type: 'user' as const, displayName: null };

    const aliceAgain = request('u-alice', { actor: gina });
    const bobAgain = request('u-bob');
    const carol = request('u-carol');
    const bobWithdrawn = request('u-bob', { kind: 'recovery_request_withdrawn' });
    const left = await t.env.engine.handleEventBatch([aliceAgain, bobAgain, carol, aliceFirst, bobWithdrawn]);

    // Only the joins were taken: a new case, an event seen before and a withdrawal go one at a time.
    expect(left).toEqual([carol, aliceFirst, bobWithdrawn]);
    const recorded = await caseEvents();
    expect(recorded.get(`okta:${aliceAgain.id}`)).toBe(alice.id);
    expect(recorded.get(`okta:${bobAgain.id}`)).toBe(bob.id);
    expect(recorded.has(`okta:${carol.id}`)).toBe(false);
    const joins = t.env.audit.entries.filter((e) => e.type === 'case.joined');
    expect(joins).toEqual([
      { type: 'case.joined', caseId: alice.id, actor: 'u-gina', data: { event: `okta:${aliceAgain.id}` } },
      { type: 'case.joined', caseId: bob.id, actor: 'u-frank', data: { event: `okta:${bobAgain.id}` } },
    ]);
    // Waiting for evidence, the cases were not decided again nor asked again: nothing changed for them.
    expect(calls('readSubjectFacts', 'u-alice')).toBe(factsBefore);
    expect(t.env.sent.length).toBe(sentBefore);
    expect(await caseOf('u-alice')).toMatchObject({ state: 'verifying', updatedAt: alice.updatedAt });
    expect((await caseOf('u-bob')).updatedAt).toBe(bob.updatedAt);

    // Handled again (a retry after a crash), the joins are seen: nothing recorded twice.
    expect(await t.env.engine.handleEventBatch([aliceAgain, bobAgain])).toEqual([aliceAgain, bobAgain]);
    await t.env.engine.handleEvent(aliceAgain);
    expect(t.env.audit.entries.filter((e) => e.type === 'case.joined')).toHaveLength(2);
    // One at a time, the withdrawal still cancels bob's case, and carol's request opens hers.
    await t.env.engine.handleEvent(bobWithdrawn);
    await t.env.engine.handleEvent(carol);
    expect((await caseOf('u-bob')).state).toBe('cancelled');
    expect((await caseOf('u-carol')).state).toBe('verifying');
  });

  it('advances a joined case that has work due: a start that failed is retried by the join', async () => {
    t.idp.failNext('readSubjectFacts', 1);
    await t.env.engine.handleEvent(request('u-alice'));
    const waiting = await caseOf('u-alice');
    expect(waiting.state).toBe('requested');
    // The retry's back-off has passed: the case is due, and the next request for it starts it.
    clock.now = new Date(clock.now.getTime() + 3_600_000);
    expect(await t.env.engine.handleEventBatch([request('u-alice')])).toEqual([]);
    expect((await caseOf('u-alice')).state).toBe('verifying');
    expect(calls('readSubjectFacts', 'u-alice')).toBe(2);
  });

  it('settles the joined events in the transaction that joins them, and only those', async () => {
    await t.env.engine.handleEvent(request('u-alice'));
    const alice = await caseOf('u-alice');
    const aliceAgain = request('u-alice');
    const carol = request('u-carol');
    const settled: NormalizedEvent[][] = [];
    const left = await t.env.engine.handleEventBatch([aliceAgain, carol], async (tx, handled) => {
      // Inside the join's transaction, its case event is already there.
      const [row] = await tx.query<{ case_id: string }>(
        'SELECT case_id FROM case_events WHERE event_key = $1',
        [`okta:${aliceAgain.id}`],
      );
      expect(row?.case_id).toBe(alice.id);
      settled.push([...handled]);
    });
    expect(left).toEqual([carol]);
    expect(settled).toEqual([[aliceAgain]]);
  });

  it('settles nothing when the join fails: its events are left to one-at-a-time handling', async () => {
    await t.env.engine.handleEvent(request('u-alice'));
    const aliceAgain = request('u-alice');
    const left = await t.env.engine.handleEventBatch([aliceAgain], async () => {
      throw new Error('settle failed');
    });
    expect(left).toEqual([aliceAgain]);
    expect((await caseEvents()).has(`okta:${aliceAgain.id}`)).toBe(false);
    expect(t.env.audit.entries.filter((e) => e.type === 'case.joined')).toHaveLength(0);
  });
});
