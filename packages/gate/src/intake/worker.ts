/**
 * The inbox worker: claims pending events, hands each to the orchestrator, marks it done, retries failures.
 * Within one subject, events are processed in `occurredAt` order: an event waits while an earlier one of the
 * same subject is pending. Across replicas, `FOR UPDATE SKIP LOCKED` gives each event to one worker.
 * @module
 */

import { backoffDelay, type NormalizedEvent } from '@recovery-gate/core';
import { withLeaseRenewal } from '../store/lease.js';
import type { Logger, Metrics, Orchestrator, Store } from '../types.js';
import type { SecurityAlert } from './alerts.js';

/** Options for {@link createInboxWorker}. */
export interface WorkerOptions {
  readonly store: Store;
  readonly orchestrator: Pick<Orchestrator, 'handleEvent' | 'handleEventBatch'>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
  /** Raised when an event fails for good. */
  readonly alert?: (alert: SecurityAlert) => Promise<void>;
  /** Events claimed per round (bypasses among them are handled in one transaction). @default 100 */
  readonly batchSize?: number;
  /**
   * How long a claim lasts before another worker may take the event over (a crashed replica); renewed every
   * third of it while the event is handled. @default 30000
   */
  readonly leaseMs?: number;
  /** Attempts before an event is marked failed. @default 10 */
  readonly maxAttempts?: number;
  /** Base retry back-off, doubled per attempt, with jitter, capped at one hour (core's `backoffDelay`). @default 2000 */
  readonly backoffMs?: number;
  /**
   * Events handled at once. A round never holds two events of one subject, so these are always different
   * subjects (as with several replicas). @default 4
   */
  readonly concurrency?: number;
  /** Events younger than this wait, so a late, earlier event of the same subject can overtake. @default 0 */
  readonly settleMs?: number;
}

interface Row extends Record<string, unknown> {
  idempotency_key: string;
  payload: NormalizedEvent;
  attempts: number;
  occurred_at: Date;
}

/** The worker; `runOnce` processes what is due and returns how many events it handled (ok or not). */
export interface InboxWorker {
  runOnce(): Promise<number>;
  /**
   * Stops claiming: a running `runOnce` finishes the events it holds and returns (a replica shutting down
   * leaves the rest to the others). Later calls of `runOnce` do nothing.
   */
  halt(): void;
}

const CLAIM = `
  UPDATE gate_inbox SET status = 'processing', attempts = attempts + 1, locked_until = $2
   WHERE idempotency_key IN (
     SELECT i.idempotency_key FROM gate_inbox i
      WHERE ((i.status = 'pending' AND i.next_attempt_at <= $1) OR (i.status = 'processing' AND i.locked_until < $1))
        AND i.received_at <= $4
        AND NOT EXISTS (
          SELECT 1 FROM gate_inbox e
           WHERE e.subject_key = i.subject_key AND e.status IN ('pending', 'processing')
             AND (e.occurred_at < i.occurred_at OR (e.occurred_at = i.occurred_at AND e.idempotency_key < i.idempotency_key)))
      ORDER BY i.occurred_at, i.received_at
      LIMIT $3
      FOR UPDATE SKIP LOCKED)
   RETURNING idempotency_key, payload, attempts, occurred_at`;

type Ctx = WorkerOptions & {
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly backoffMs: number;
};

async function claim(ctx: Ctx): Promise<Row[]> {
  const at = ctx.now();
  const rows = await ctx.store.query<Row>(CLAIM, [
    at.toISOString(),
    new Date(at.getTime() + ctx.leaseMs).toISOString(),
    ctx.batchSize ?? 100,
    new Date(at.getTime() - (ctx.settleMs ?? 0)).toISOString(),
  ]);
  return rows.sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime());
}

const SETTLE = `
  UPDATE gate_inbox SET status = $2, next_attempt_at = $3, processed_at = $4, locked_until = NULL, last_error = $5
   WHERE idempotency_key = $1 AND status = 'processing'`;

async function fail(ctx: Ctx, row: Row, error: unknown): Promise<void> {
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  const message = `${typeof code === 'string' ? `${code}: ` : ''}${text}`.slice(0, 500);
  const final = row.attempts >= ctx.maxAttempts;
  const delay = backoffDelay(row.attempts - 1, { baseMs: ctx.backoffMs, capMs: 3_600_000 });
  const next = new Date(ctx.now().getTime() + delay).toISOString();
  await ctx.store.query(SETTLE, [row.idempotency_key, final ? 'failed' : 'pending', next, null, message]);
  ctx.metrics.inc('recovery_events_failed_total', { idp: row.payload.idp, final: String(final) });
  ctx.logger.warn('event processing failed', {
    key: row.idempotency_key,
    attempt: row.attempts,
    final,
    error,
  });
  if (!final) return;
  const data = { key: row.idempotency_key, error: message.slice(0, 200) };
  await ctx.alert?.({ kind: 'event.failed', idp: row.payload.idp, data });
}

/** Hands one event over; true when the orchestrator took it (settled as done by the caller). */
async function processRow(ctx: Ctx, row: Row): Promise<boolean> {
  try {
    await ctx.orchestrator.handleEvent(row.payload);
    return true;
  } catch (error) {
    await fail(ctx, row, error);
    return false;
  }
}

/** Marks events done in one statement (one commit for a group of concurrently handled events). */
async function settleDone(ctx: Ctx, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const at = ctx.now().toISOString();
  await ctx.store.query(
    `UPDATE gate_inbox SET status = 'done', processed_at = $2, locked_until = NULL, last_error = NULL
      WHERE idempotency_key = ANY($1::text[]) AND status = 'processing'`,
    [keys, at],
  );
}

/**
 * Hands the rows the orchestrator can take together to it in one batch and settles them done; returns the
 * rows left for one-at-a-time handling (all of them when the batch failed: nothing of it was written).
 */
async function processBatch(ctx: Ctx, rows: readonly Row[]): Promise<readonly Row[]> {
  if (ctx.orchestrator.handleEventBatch === undefined) return rows;
  try {
    const left = new Set(await ctx.orchestrator.handleEventBatch(rows.map((row) => row.payload)));
    await settleDone(
      ctx,
      rows.filter((row) => !left.has(row.payload)).map((row) => row.idempotency_key),
    );
    return rows.filter((row) => left.has(row.payload));
  } catch (error) {
    ctx.logger.warn('event batch failed; handling its events one at a time', { events: rows.length, error });
    return rows;
  }
}

/** Extends the claims on `keys` still being handled by one lease from now. */
async function renewLeases(ctx: Ctx, keys: readonly string[]): Promise<void> {
  const until = new Date(ctx.now().getTime() + ctx.leaseMs).toISOString();
  await ctx.store.query(
    `UPDATE gate_inbox SET locked_until = $2 WHERE idempotency_key = ANY($1::text[]) AND status = 'processing'`,
    [keys, until],
  );
}

/** Creates the inbox worker. */
export function createInboxWorker(options: WorkerOptions): InboxWorker {
  const ctx: Ctx = {
    ...options,
    leaseMs: options.leaseMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? 10,
    backoffMs: options.backoffMs ?? 2000,
  };
  let halted = false;
  const handle = async (claimed: readonly Row[]): Promise<void> => {
    const rows = await processBatch(ctx, claimed);
    const width = Math.max(1, options.concurrency ?? 4);
    for (let i = 0; i < rows.length; i += width) {
      const group = rows.slice(i, i + width);
      const ok = await Promise.all(group.map((row) => processRow(ctx, row)));
      await settleDone(
        ctx,
        group.filter((_, j) => ok[j]).map((row) => row.idempotency_key),
      );
    }
  };
  return {
    async runOnce() {
      let handled = 0;
      while (!halted) {
        const claimed = await claim(ctx);
        if (claimed.length === 0) break;
        const keys = claimed.map((row) => row.idempotency_key);
        await withLeaseRenewal(
          ctx.leaseMs,
          () => renewLeases(ctx, keys),
          () => handle(claimed),
        );
        handled += claimed.length;
      }
      return handled;
    },
    halt() {
      halted = true;
    },
  };
}

/**
 * After a crash of the only process that can hold claims (the embedded store), releases its claims at once
 * instead of waiting for their leases: events and notifications it was working on become due again.
 */
export async function releaseClaims(store: Store): Promise<number> {
  const events = await store.query(
    "UPDATE gate_inbox SET status = 'pending', locked_until = NULL WHERE status = 'processing' RETURNING idempotency_key",
  );
  const mails = await store.query(
    "UPDATE notification_outbox SET status = 'pending', locked_until = NULL WHERE status = 'sending' RETURNING idempotency_key",
  );
  return events.length + mails.length;
}

/**
 * Deletes inbox events processed and notifications settled before `before`. Keys younger than that still
 * deduplicate late retries; pick `before` well past the IdPs' retry windows and the poll lookback.
 */
export async function pruneSettled(store: Store, before: Date): Promise<number> {
  const at = before.toISOString();
  const events = await store.query(
    "DELETE FROM gate_inbox WHERE status IN ('done', 'failed') AND received_at < $1 RETURNING idempotency_key",
    [at],
  );
  const mails = await store.query(
    "DELETE FROM notification_outbox WHERE status IN ('sent', 'failed') AND created_at < $1 RETURNING idempotency_key",
    [at],
  );
  return events.length + mails.length;
}
