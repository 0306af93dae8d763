/**
 * The inbox worker: claims pending events, hands each to the orchestrator, marks it done, retries failures.
 * Within one subject, events are processed in `occurredAt` order: an event waits while an earlier one of the
 * same subject is pending. Across replicas, `FOR UPDATE SKIP LOCKED` gives each event to one worker.
 * @module
 */

import { performance } from 'node:perf_hooks';
import type { NormalizedEvent } from '@recovery-gate/core';
import { createLeaseQueue, type LeaseQueue } from '../store/queue.js';
import type { Logger, Metrics, Orchestrator, Queryable, Store } from '../types.js';
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
  /** Events claimed per round (bypasses among them are handled in one transaction). @default 500 */
  readonly batchSize?: number;
  /**
   * How long a claim lasts before another worker may take the event over (a crashed replica); renewed every
   * third of it while the event is handled, so a dead replica's events are taken over within it. @default 10000
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
  /**
   * After a claim that came back short of `batchSize` (everything due was taken), the next claim waits until
   * this long after it, so events arriving meanwhile are claimed and settled together: one claim, one batch
   * and one settle for many events instead of one each. The first claim after a quiet spell never waits.
   * @default 0
   */
  readonly pauseMs?: number;
  /** Waits out a pause (tests pass their own). @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
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

/** An event may be claimed once every earlier open event of its subject is settled (occurrence order). */
const IN_ORDER = `t.received_at <= $4
  AND NOT EXISTS (
    SELECT 1 FROM gate_inbox e
     WHERE e.subject_key = t.subject_key AND e.status IN ('pending', 'processing')
       AND (e.occurred_at < t.occurred_at OR (e.occurred_at = t.occurred_at AND e.idempotency_key < t.idempotency_key)))`;

/** The inbox's lease queue (`leaseMs`, `maxAttempts`, `backoffMs` from the worker's options). */
export function inboxQueue(
  options: Pick<WorkerOptions, 'leaseMs' | 'maxAttempts' | 'backoffMs'> = {},
): LeaseQueue<Row> {
  return createLeaseQueue<Row>({
    table: 'gate_inbox',
    key: 'idempotency_key',
    claimed: 'processing',
    done: 'done',
    createdColumn: 'received_at',
    returning: 'idempotency_key, payload, attempts, occurred_at',
    ackSet: 'processed_at = $2',
    retrySet: 'processed_at = NULL',
    leaseMs: options.leaseMs ?? 10_000,
    maxAttempts: options.maxAttempts ?? 10,
    backoff: { baseMs: options.backoffMs ?? 2000, capMs: 3_600_000 },
  });
}

type Ctx = WorkerOptions & { readonly queue: LeaseQueue<Row> };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Events claimed per round. */
const batchLimit = (ctx: Ctx): number => ctx.batchSize ?? 500;

async function claim(ctx: Ctx): Promise<Row[]> {
  const at = ctx.now();
  const rows = await ctx.queue.claim(ctx.store, at, {
    limit: batchLimit(ctx),
    orderBy: 't.occurred_at, t.received_at',
    where: IN_ORDER,
    params: [new Date(at.getTime() - (ctx.settleMs ?? 0)).toISOString()],
  });
  return rows.sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime());
}

async function fail(ctx: Ctx, row: Row, error: unknown): Promise<void> {
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  const message = `${typeof code === 'string' ? `${code}: ` : ''}${text}`.slice(0, 500);
  const { final } = await ctx.queue.retry(
    ctx.store,
    { key: row.idempotency_key, attempts: row.attempts },
    ctx.now(),
    message,
  );
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
function settleDone(ctx: Ctx, keys: readonly string[]): Promise<void> {
  return ctx.queue.ack(ctx.store, keys, ctx.now());
}

/**
 * Hands the rows the orchestrator can take together to it in one batch and settles them done; returns the
 * rows left for one-at-a-time handling (all of them when the batch failed: nothing of it was written).
 */
async function processBatch(ctx: Ctx, rows: readonly Row[]): Promise<readonly Row[]> {
  if (ctx.orchestrator.handleEventBatch === undefined) return rows;
  const keyOf = new Map(rows.map((row) => [row.payload, row.idempotency_key]));
  const settled = new Set<NormalizedEvent>();
  // The events the orchestrator handled in its transaction are marked done in that same transaction: a
  // crash leaves them done with all their writes, or not done (claimed, taken up again) with none.
  const settle = async (tx: Queryable, handled: readonly NormalizedEvent[]): Promise<void> => {
    const keys = handled.flatMap((event) => keyOf.get(event) ?? []);
    await ctx.queue.ack(tx, keys, ctx.now());
    for (const event of handled) settled.add(event);
  };
  try {
    const left = new Set(
      await ctx.orchestrator.handleEventBatch(
        rows.map((row) => row.payload),
        settle,
      ),
    );
    await settleDone(
      ctx,
      rows
        .filter((row) => !left.has(row.payload) && !settled.has(row.payload))
        .map((row) => row.idempotency_key),
    );
    return rows.filter((row) => left.has(row.payload));
  } catch (error) {
    ctx.logger.warn('event batch failed; handling its events one at a time', { events: rows.length, error });
    return rows;
  }
}

/** Creates the inbox worker. */
export function createInboxWorker(options: WorkerOptions): InboxWorker {
  const ctx: Ctx = { ...options, queue: inboxQueue(options) };
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
  const pauseMs = Math.max(0, options.pauseMs ?? 0);
  const limit = batchLimit(ctx);
  // When the last claim that took everything due was made (monotonic ms); the next claim is paced from it.
  let lastShortClaim = Number.NEGATIVE_INFINITY;
  return {
    async runOnce() {
      let handled = 0;
      while (!halted) {
        const wait = lastShortClaim + pauseMs - performance.now();
        if (wait > 0) await (options.sleep ?? sleep)(wait);
        if (halted) break;
        const claimed = await claim(ctx);
        if (claimed.length < limit) lastShortClaim = performance.now();
        if (claimed.length === 0) break;
        const keys = claimed.map((row) => row.idempotency_key);
        await ctx.queue.holding(ctx.store, keys, ctx.now, () => handle(claimed));
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
 * After a crash of the only process that can hold claims (the embedded store), releases its inbox claims at
 * once instead of waiting for their leases: the events it was working on become due again.
 */
export function releaseClaims(store: Store): Promise<number> {
  return inboxQueue().release(store);
}

/**
 * Deletes inbox events processed before `before`. Keys younger than that still deduplicate late retries;
 * pick `before` well past the IdPs' retry windows and the poll lookback.
 */
export function pruneSettled(store: Store, before: Date): Promise<number> {
  return inboxQueue().prune(store, before);
}
