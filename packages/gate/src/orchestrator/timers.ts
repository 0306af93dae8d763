/**
 * The case timers: one row per case in `case_timers`, served by the gate's one lease queue (as the inbox and
 * the outbox are), so the due work of cases is spread over replicas: each replica's tick claims other due
 * timers (`FOR UPDATE SKIP LOCKED`), renews their lease while it advances them, and a dead replica's timers
 * are taken over once their lease lapses.
 *
 * The lease only decides which replica works on which case. Mutual exclusion of a case's side effects stays
 * the per-case session lock `advance` takes (`recovery-gate:case:<id>`): it is held on a live database
 * session, so a replica that stalls past its lease (a long GC pause, a hung IdP call) still holds it, and the
 * replica that took the timer over finds the case busy and leaves it. A lease alone would not fence that.
 *
 * A timer is armed by triggers on `cases`, in the transaction of the case change itself: whenever a case's
 * state, `next_attempt_at`, `not_before` or `attempts` change, its timer's time becomes the case's next due
 * time ({@link CASE_DUE_SQL}), or none. The case's own `attempts`/`next_attempt_at` keep their meaning (step
 * retries, see `retryLater`); the timer's `attempts` count only failed passes of the timer itself. A claimed
 * timer whose case has nothing due is simply acknowledged: it waits again at the case's next due time, or
 * rests (`done`) until a case change arms it.
 * @module
 */

import { createLeaseQueue, type LeaseQueue } from '../store/queue.js';
import type { Migration, Store } from '../types.js';
import { advance } from './advance.js';
import { type Ctx, errorText } from './context.js';

/**
 * When a case next needs work, over a `cases` row `c`: a held case when its hold ends (and its step retry,
 * if one is pending, is due); an open case at its `next_attempt_at`; a closed case never.
 */
const CASE_DUE_SQL = `CASE
    WHEN c.state = 'held' THEN greatest(c.not_before, CASE WHEN c.attempts > 0 THEN c.next_attempt_at END)
    WHEN c.state IN ('requested', 'verifying', 'executing') THEN c.next_attempt_at
  END`;

/** The case timers' table and the triggers that arm them (migration `gate_0014_case_timers`). */
export const caseTimerMigration: Migration = {
  id: 'gate_0014_case_timers',
  sql: `
CREATE TABLE IF NOT EXISTS case_timers (
  case_id TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMPTZ,
  locked_until TIMESTAMPTZ,
  last_error TEXT,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS case_timers_due_idx ON case_timers (status, next_attempt_at);
CREATE OR REPLACE FUNCTION case_timer_due(c cases) RETURNS TIMESTAMPTZ LANGUAGE sql IMMUTABLE AS $$
  SELECT ${CASE_DUE_SQL}
$$;
-- A claimed timer keeps its claim (its claimer acknowledges it against the new time); any other waits again.
CREATE OR REPLACE FUNCTION case_timer_arm() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  due TIMESTAMPTZ := case_timer_due(NEW);
BEGIN
  IF due IS NULL THEN
    UPDATE case_timers t SET next_attempt_at = NULL,
           status = CASE WHEN t.status = 'claimed' THEN t.status ELSE 'done' END
     WHERE t.case_id = NEW.id;
  ELSE
    INSERT INTO case_timers AS t (case_id, status, next_attempt_at, created_at)
    VALUES (NEW.id, 'pending', due, NEW.created_at)
    ON CONFLICT (case_id) DO UPDATE SET
      next_attempt_at = EXCLUDED.next_attempt_at,
      status = CASE WHEN t.status = 'claimed' THEN t.status ELSE 'pending' END,
      attempts = CASE WHEN t.status = 'claimed' THEN t.attempts ELSE 0 END;
  END IF;
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS case_timer_insert ON cases;
CREATE TRIGGER case_timer_insert AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION case_timer_arm();
DROP TRIGGER IF EXISTS case_timer_update ON cases;
CREATE TRIGGER case_timer_update AFTER UPDATE ON cases FOR EACH ROW
  WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.next_attempt_at IS DISTINCT FROM NEW.next_attempt_at
     OR OLD.not_before IS DISTINCT FROM NEW.not_before OR OLD.attempts IS DISTINCT FROM NEW.attempts)
  EXECUTE FUNCTION case_timer_arm();
INSERT INTO case_timers (case_id, status, next_attempt_at, created_at)
SELECT c.id, 'pending', case_timer_due(c), c.created_at FROM cases c WHERE case_timer_due(c) IS NOT NULL
ON CONFLICT (case_id) DO NOTHING;
`,
};

interface Row extends Record<string, unknown> {
  case_id: string;
  attempts: number;
}

/** How long a timer's claim lasts unless renewed (renewed every third of it while the case advances). */
export const CASE_TIMER_LEASE_MS = 5000;

/** Timers claimed at once: small, so a burst of due cases is spread over the replicas. */
const BATCH = 10;

/** Timers one tick works on at most (the rest wait for the next tick or another replica). */
const PER_TICK = 200;

/**
 * The case timers' lease queue. An acknowledged timer waits again at its time (moved on by the trigger
 * while it was claimed, and never before now), or rests when its case has nothing due. A timer whose pass
 * failed backs off to at most 15 minutes and is never given up on while its case is open (a repudiation
 * still owes its revocations): the steps' own retries (`retryLater`) bound what a case tries.
 */
export function caseTimerQueue(): LeaseQueue<Row> {
  return createLeaseQueue<Row>({
    table: 'case_timers',
    key: 'case_id',
    claimed: 'claimed',
    done: 'done',
    ackStatus: "CASE WHEN next_attempt_at IS NULL THEN 'done' ELSE 'pending' END",
    ackSet:
      'attempts = 0, next_attempt_at = CASE WHEN next_attempt_at IS NOT NULL THEN greatest(next_attempt_at, $2::timestamptz) END',
    createdColumn: 'created_at',
    returning: 'case_id, attempts',
    leaseMs: CASE_TIMER_LEASE_MS,
    maxAttempts: Number.MAX_SAFE_INTEGER,
    backoff: { baseMs: 5000, capMs: 900_000 },
  });
}

/**
 * Claims due case timers batch by batch and advances their cases, each case at most once per call; returns
 * how many timers it worked on. Replicas call it at once: each gets other cases.
 */
export async function runCaseTimers(ctx: Ctx, queue: LeaseQueue<Row> = caseTimerQueue()): Promise<number> {
  const store = ctx.deps.store;
  const seen: string[] = [];
  while (seen.length < PER_TICK) {
    const rows = await queue.claim(store, ctx.now(), {
      limit: Math.min(BATCH, PER_TICK - seen.length),
      orderBy: 't.next_attempt_at',
      // A timer acknowledged as still due waits for the next tick, not for this loop.
      where: 'NOT (t.case_id = ANY($4::text[]))',
      params: [seen],
    });
    if (rows.length === 0) break;
    const keys = rows.map((r) => r.case_id);
    seen.push(...keys);
    await queue.holding(store, keys, ctx.now, async () => {
      for (const row of rows) await runTimer(ctx, queue, row);
    });
  }
  return seen.length;
}

async function runTimer(ctx: Ctx, queue: LeaseQueue<Row>, row: Row): Promise<void> {
  const store = ctx.deps.store;
  try {
    await advance(ctx, row.case_id);
    await queue.ack(store, [row.case_id], ctx.now());
  } catch (error) {
    // The test seam's crash stands for a dead process: the claim stays until its lease lapses.
    if (error instanceof Error && error.name === 'SimulatedCrash') throw error;
    ctx.deps.logger.error('advancing a case failed', { caseId: row.case_id, error: errorText(error) });
    await queue
      .retry(store, { key: row.case_id, attempts: row.attempts }, ctx.now(), errorText(error))
      .catch(() => undefined);
  }
}

/**
 * After a crash of the only process that can hold claims (the embedded store), gives its case timers back at
 * once instead of waiting for their leases; returns how many.
 */
export function releaseCaseTimers(store: Store): Promise<number> {
  return caseTimerQueue().release(store);
}
