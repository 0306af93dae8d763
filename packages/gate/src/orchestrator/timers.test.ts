import { baselinePolicy, type RecoveryAction, type RecoveryProvider } from '@recovery-gate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { GATE_MIGRATIONS } from '../store/index.js';
import { BACKENDS, type TestLocation, testLocation } from '../testing/stores.js';
import type { Store } from '../types.js';
import { createFakeIdp, type FakeIdp } from './fake-idp.test-helper.js';
import { type CaseEngine, createOrchestrator, orchestratorMigrations } from './index.js';
import { type Env, startEnv } from './setup.test-helper.js';
import { CASE_TIMER_LEASE_MS, caseTimerQueue } from './timers.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const LATER = new Date(T0.getTime() + 3_600_000);

/** A replica: its own engine, clock and view of the IdP, on the shared store. */
interface Replica {
  readonly engine: CaseEngine;
  readonly clock: { now: Date };
  /** Subjects whose facts this replica read. */
  readonly reads: string[];
  /** Cases this replica decided. */
  readonly decided: string[];
  /** Set to make this replica's next facts read wait until `release` is called. */
  stall?: { reached: () => void; release: Promise<void> } | undefined;
}

function replica(env: Env, idp: FakeIdp, clock: { now: Date }): Replica {
  const r: Replica = { engine: env.engine, clock, reads: [], decided: [] };
  const provider: RecoveryProvider = {
    ...idp.provider,
    async readSubjectFacts(id) {
      const stall = r.stall;
      if (stall !== undefined) {
        r.stall = undefined;
        stall.reached();
        await stall.release;
      }
      const facts = await idp.provider.readSubjectFacts(id);
      r.reads.push(id);
      return facts;
    },
  };
  (r as { engine: CaseEngine }).engine = createOrchestrator(
    {
      store: env.store,
      providers: new Map([['okta', provider]]),
      policy: baselinePolicy,
      audit: {
        async append(entry, tx) {
          await env.audit.append(entry, tx);
          if (entry.type === 'case.decided' && typeof entry.caseId === 'string') r.decided.push(entry.caseId);
        },
      },
      notifier: { send: async (n) => void env.sent.push(n) },
      metrics: env.metrics,
      logger: silentLogger,
      now: () => clock.now,
      baseUrl: 'https://gate.test',
    },
    { retryBaseMs: 1000 },
  );
  return r;
}

/** Makes `r`'s next facts read wait; resolves once it waits, with the function that lets it go on. */
function stallNextRead(r: Replica): { waiting: Promise<void>; go: () => void } {
  let go = () => {};
  let reached = () => {};
  const waiting = new Promise<void>((resolve) => {
    reached = resolve;
  });
  r.stall = { reached, release: new Promise<void>((resolve) => (go = resolve)) };
  return { waiting, go };
}

const SUBJECTS = ['u-alice', 'u-bob', 'u-carol', 'u-dave', 'u-erin', 'u-gina'];
const ACTIONS: readonly RecoveryAction[] = ['password_reset', 'mfa_reset'];

describe('case timers across replicas on PostgreSQL', { timeout: 120_000 }, () => {
  let env: Env | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  /**
   * Opens `count` cases whose first facts read fails, so each waits `requested` for its step retry (its
   * timer armed at the retry time); returns the two replicas and the case ids.
   */
  async function setup(count: number) {
    const clock = { now: T0 };
    const idp = createFakeIdp('okta', () => clock.now);
    env = await startEnv(new Map([['okta', idp.provider]]), clock, baselinePolicy, {}, 'postgres');
    idp.failNext('readSubjectFacts', count);
    const ids: string[] = [];
    for (const action of ACTIONS)
      for (const subjectId of SUBJECTS) {
        if (ids.length === count) break;
        const c = await env.engine.openCase({
          idp: 'okta',
          subject: subjectId,
          action,
          requesterId: 'u-frank',
        });
        if (!c) throw new Error('no case');
        ids.push(c.id);
      }
    const cases = await env.store.query<{ state: string; attempts: number }>(
      'SELECT state, attempts FROM cases',
    );
    expect(cases).toHaveLength(count);
    expect(cases.every((c) => c.state === 'requested' && c.attempts === 1)).toBe(true);
    const a = replica(env, idp, { now: LATER });
    const b = replica(env, idp, { now: LATER });
    return { env, a, b, ids };
  }

  /** How many times each case was decided (its audited `case.decided` records). */
  async function decisions(e: Env): Promise<Map<string, number>> {
    const rows = await e.store.query<{ case_id: string; n: number }>(
      "SELECT case_id, count(*)::int AS n FROM audit_records WHERE type = 'case.decided' GROUP BY case_id",
    );
    return new Map(rows.map((r) => [r.case_id, Number(r.n)]));
  }

  it('two replicas claim different due cases: each case is advanced once, by one of them', async () => {
    const { env: e, a, b, ids } = await setup(12);
    // A claims its first batch and stalls inside it; B, ticking meanwhile, gets only the rest.
    const stall = stallNextRead(a);
    const ticking = a.engine.tick();
    await stall.waiting;
    await b.engine.tick();
    stall.go();
    await ticking;
    expect(a.decided.length).toBeGreaterThan(0);
    expect(b.decided.length).toBeGreaterThan(0);
    expect([...a.decided, ...b.decided].sort()).toEqual([...ids].sort());
    const decided = await decisions(e);
    expect(ids.map((id) => decided.get(id))).toEqual(ids.map(() => 1));
    // Every timer was acknowledged (nothing left claimed) and the cases moved on.
    const timers = await e.store.query<{ status: string }>('SELECT status FROM case_timers');
    expect(timers.filter((t) => t.status === 'claimed')).toEqual([]);
    const states = await e.store.query<{ state: string }>('SELECT state FROM cases');
    expect(states.some((s) => s.state === 'requested')).toBe(false);
  });

  it("a dead replica's timer is taken over once its lease lapses, not before", async () => {
    const { env: e, b, ids } = await setup(1);
    const id = ids[0] ?? '';
    // A replica claimed the timer and died before advancing the case.
    const claimed = await caseTimerQueue().claim(e.store, LATER, { limit: 10, orderBy: 't.case_id' });
    expect(claimed.map((r) => r.case_id)).toEqual([id]);
    b.clock.now = new Date(LATER.getTime() + CASE_TIMER_LEASE_MS - 1);
    await b.engine.tick();
    expect(b.reads).toEqual([]);
    b.clock.now = new Date(LATER.getTime() + CASE_TIMER_LEASE_MS + 1);
    await b.engine.tick();
    expect(b.reads).toEqual(['u-alice']);
    expect((await decisions(e)).get(id)).toBe(1);
    expect((await e.engine.getCase(id))?.state).not.toBe('requested');
  });

  it('a stalled replica past its lease still fences the case: the replica that takes over does not advance it', async () => {
    const { env: e, a, b, ids } = await setup(1);
    const id = ids[0] ?? '';
    const stall = stallNextRead(a);
    const ticking = a.engine.tick();
    await stall.waiting;
    // A stalls past its lease (its renewals use its own stalled clock); B takes the timer over.
    b.clock.now = new Date(LATER.getTime() + 2 * CASE_TIMER_LEASE_MS);
    await b.engine.tick();
    const [timer] = await e.store.query<{ status: string }>(
      'SELECT status FROM case_timers WHERE case_id = $1',
      [id],
    );
    // B claimed and acknowledged it (the claim A held is gone), but found the case busy.
    expect(timer?.status).not.toBe('claimed');
    expect(b.reads).toEqual([]);
    stall.go();
    await ticking;
    expect(a.reads).toEqual(['u-alice']);
    expect((await decisions(e)).get(id)).toBe(1);
  });
});

describe.each(BACKENDS)('arming case timers on %s', { timeout: 120_000 }, (backend) => {
  let location: TestLocation;
  let store: Store;
  beforeAll(async () => {
    location = await testLocation(backend);
    store = await location.open();
    await store.migrate([...GATE_MIGRATIONS, ...orchestratorMigrations]);
  });
  afterAll(async () => {
    await store.close();
    await location.cleanup();
  });

  const at = (ms: number) => new Date(T0.getTime() + ms);
  const timer = async () => {
    const [row] = await store.query<{ status: string; next_attempt_at: Date | null; attempts: number }>(
      "SELECT status, next_attempt_at, attempts FROM case_timers WHERE case_id = 'c-1'",
    );
    return row && { ...row, next_attempt_at: row.next_attempt_at && new Date(row.next_attempt_at) };
  };
  const patch = (set: string, params: unknown[] = []) =>
    store.query(`UPDATE cases SET ${set} WHERE id = 'c-1'`, params);

  it('keeps the timer at the case next due time, in the case change itself; a claim is acknowledged against it', async () => {
    const q = caseTimerQueue();
    await store.query(
      `INSERT INTO cases (id, idp, subject_id, action, requester_id, state, next_attempt_at, created_at, updated_at)
       VALUES ('c-1', 'okta', 'u-alice', 'mfa_reset', 'u-frank', 'requested', $1, $1, $1)`,
      [T0.toISOString()],
    );
    expect(await timer()).toEqual({ status: 'pending', next_attempt_at: T0, attempts: 0 });
    // Waiting for evidence: nothing due.
    await patch("state = 'verifying', next_attempt_at = NULL");
    expect(await timer()).toMatchObject({ status: 'done', next_attempt_at: null });
    // A hold is due when it ends; a step retry pending in it (attempts > 0) when both have passed.
    await patch("state = 'held', not_before = $1, next_attempt_at = $2", [at(3_600_000), T0]);
    expect(await timer()).toMatchObject({ status: 'pending', next_attempt_at: at(3_600_000) });
    await patch('attempts = 1, next_attempt_at = $1', [at(7_200_000)]);
    expect(await timer()).toMatchObject({ status: 'pending', next_attempt_at: at(7_200_000) });
    // Claimed, the case closes meanwhile: the claim stays until acknowledged, then the timer rests.
    expect(await q.claim(store, at(7_200_000), { limit: 1, orderBy: 't.case_id' })).toHaveLength(1);
    await patch("state = 'completed'");
    expect(await timer()).toMatchObject({ status: 'claimed', next_attempt_at: null, attempts: 1 });
    await q.ack(store, ['c-1'], at(7_200_000));
    expect(await timer()).toMatchObject({ status: 'done', next_attempt_at: null, attempts: 0 });
    // Armed again by a change; a claim acknowledged with the case still due waits from now, not in a loop.
    await patch("state = 'executing', next_attempt_at = $1", [at(9_000_000)]);
    expect(await q.claim(store, at(9_000_000), { limit: 1, orderBy: 't.case_id' })).toHaveLength(1);
    await q.ack(store, ['c-1'], at(9_005_000));
    expect(await timer()).toEqual({ status: 'pending', next_attempt_at: at(9_005_000), attempts: 0 });
    await store.query("DELETE FROM cases WHERE id = 'c-1'");
    expect(await timer()).toBeUndefined();
  });
});
