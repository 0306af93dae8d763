/**
 * The one lease queue of the gate (the inbox's events, the outbox's notifications, the case timers): rows
 * wait `pending` until `next_attempt_at`; a claim takes a batch with `FOR UPDATE SKIP LOCKED` (replicas on
 * PostgreSQL each get other rows; the embedded store has one connection, so the same statement simply runs
 * alone), counts the attempt and sets a lease (`locked_until`). The claimer renews the lease while it works,
 * so a lease can be short: a dead claimer's rows are taken over once it lapses, a slow but live one keeps
 * them. A row is acknowledged (done, or waiting again for a recurring row), or retried after core's capped
 * back-off with jitter, or failed after its last attempt.
 * @module
 */

import { type Backoff, backoffDelay } from '@recovery-gate/core';
import type { Queryable } from '../types.js';

/** How a table serves as a lease queue. Names are the gate's own constants, never input. */
export interface LeaseQueueSpec {
  readonly table: string;
  /** The primary key column. */
  readonly key: string;
  /** The status of a claimed row (`processing`, `sending`); waiting rows are `pending`. */
  readonly claimed: string;
  /** The status of an acknowledged row (`done`, `sent`); given-up rows are `failed`. */
  readonly done: string;
  /**
   * The status an acknowledgement sets, as SQL over the row before it (a recurring row, a case timer, waits
   * `pending` again when it has a next time). @default the `done` status
   */
  readonly ackStatus?: string;
  /** The column that dates a row for pruning (`received_at`, `created_at`). */
  readonly createdColumn: string;
  /** Columns a claim returns. */
  readonly returning: string;
  /** Extra `SET` assignments of an acknowledgement; `$2` is the time. */
  readonly ackSet?: string;
  /** Extra `SET` assignments of a retry or failure; `$2` is the new status. */
  readonly retrySet?: string;
  /** How long a claim lasts unless renewed. */
  readonly leaseMs: number;
  /** Attempts before a row is failed. */
  readonly maxAttempts: number;
  /** The retry back-off (core's `backoffDelay`). */
  readonly backoff: Backoff;
}

/** What {@link LeaseQueue.claim} selects besides due rows. */
export interface ClaimFilter {
  /** Rows claimed at most. */
  readonly limit: number;
  /** Claim order over the candidate rows `t`. */
  readonly orderBy: string;
  /** An extra condition over the candidate rows `t`; its parameters are `$4` on. */
  readonly where?: string;
  readonly params?: readonly unknown[];
}

/** The outcome of a failed attempt. */
export interface RetryOutcome {
  /** True when it was the last attempt: the row is failed. */
  readonly final: boolean;
  readonly nextAttemptAt: Date;
}

/** A lease queue over one table. */
export interface LeaseQueue<Row extends Record<string, unknown>> {
  readonly spec: LeaseQueueSpec;
  /** The lease end of a claim made at `now` (for rows stored already claimed). */
  leaseUntil(now: Date): string;
  /** Claims due rows (waiting and due, or claimed with a lapsed lease), counting an attempt on each. */
  claim(q: Queryable, now: Date, filter: ClaimFilter): Promise<Row[]>;
  /** Claims one row by key when it is due; no row otherwise. */
  claimKey(q: Queryable, key: string, now: Date, where?: string): Promise<Row[]>;
  /** Extends the leases on `keys` still claimed by one lease from `now`. */
  renew(q: Queryable, keys: readonly string[], now: Date): Promise<void>;
  /** Runs `work` on claimed `keys`, renewing their leases every third of a lease until it ends. */
  holding<T>(q: Queryable, keys: readonly string[], now: () => Date, work: () => Promise<T>): Promise<T>;
  /** Acknowledges claimed rows, in one statement. */
  ack(q: Queryable, keys: readonly string[], now: Date): Promise<void>;
  /**
   * Gives a claimed row back for a retry after the back-off of its `attempts`, or fails it after the last
   * (or at once with `fail`); `error` is kept as the row's last error.
   */
  retry(
    q: Queryable,
    row: { readonly key: string; readonly attempts: number },
    now: Date,
    error: string,
    fail?: boolean,
  ): Promise<RetryOutcome>;
  /** Gives every claim back at once (the embedded store's one process restarted); returns how many. */
  release(q: Queryable): Promise<number>;
  /** Deletes acknowledged and failed rows dated before `before`; returns how many. */
  prune(q: Queryable, before: Date): Promise<number>;
}

const DUE = (spec: LeaseQueueSpec) =>
  `((t.status = 'pending' AND t.next_attempt_at <= $1) OR (t.status = '${spec.claimed}' AND t.locked_until < $1))`;

/** Creates the lease queue of `spec.table`. */
export function createLeaseQueue<Row extends Record<string, unknown>>(spec: LeaseQueueSpec): LeaseQueue<Row> {
  const { table, key, claimed } = spec;
  const take = `UPDATE ${table} SET status = '${claimed}', attempts = attempts + 1, locked_until = $2`;
  const leaseUntil = (now: Date) => new Date(now.getTime() + spec.leaseMs).toISOString();
  const renew = async (q: Queryable, keys: readonly string[], now: Date) => {
    if (keys.length === 0) return;
    await q.query(
      `UPDATE ${table} SET locked_until = $2 WHERE ${key} = ANY($1::text[]) AND status = '${claimed}'`,
      [keys, leaseUntil(now)],
    );
  };
  return {
    spec,
    leaseUntil,
    claim(q, now, filter) {
      const where = filter.where === undefined ? '' : ` AND (${filter.where})`;
      return q.query<Row>(
        `${take} WHERE ${key} IN (
           SELECT t.${key} FROM ${table} t WHERE ${DUE(spec)}${where}
            ORDER BY ${filter.orderBy} LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING ${spec.returning}`,
        [now.toISOString(), leaseUntil(now), filter.limit, ...(filter.params ?? [])],
      );
    },
    claimKey(q, rowKey, now, where) {
      return q.query<Row>(
        `${take.replace(table, `${table} AS t`)} WHERE t.${key} = $3 AND ${DUE(spec)}${where === undefined ? '' : ` AND (${where})`}
         RETURNING ${spec.returning}`,
        [now.toISOString(), leaseUntil(now), rowKey],
      );
    },
    renew,
    async holding(q, keys, now, work) {
      const timer = setInterval(
        () => {
          // A failed renewal is retried by the next one; a lease that lapses only lets another claimer take
          // the rows over (their handlers are idempotent).
          renew(q, keys, now()).catch(() => undefined);
        },
        Math.max(1000, Math.floor(spec.leaseMs / 3)),
      );
      try {
        return await work();
      } finally {
        clearInterval(timer);
      }
    },
    async ack(q, keys, now) {
      if (keys.length === 0) return;
      const set = spec.ackSet === undefined ? '' : `, ${spec.ackSet}`;
      await q.query(
        `UPDATE ${table} SET status = ${spec.ackStatus ?? `'${spec.done}'`}, locked_until = NULL, last_error = NULL${set}
          WHERE ${key} = ANY($1::text[]) AND status = '${claimed}'`,
        [keys, now.toISOString()],
      );
    },
    async retry(q, row, now, error, fail = false) {
      const final = fail || row.attempts >= spec.maxAttempts;
      const delay = backoffDelay(row.attempts - 1, spec.backoff);
      const nextAttemptAt = new Date(now.getTime() + delay);
      const set = spec.retrySet === undefined ? '' : `, ${spec.retrySet}`;
      await q.query(
        `UPDATE ${table} SET status = $2, next_attempt_at = $3, locked_until = NULL, last_error = $4${set}
          WHERE ${key} = $1 AND status = '${claimed}'`,
        [row.key, final ? 'failed' : 'pending', nextAttemptAt.toISOString(), error.slice(0, 500)],
      );
      return { final, nextAttemptAt };
    },
    async release(q) {
      const rows = await q.query(
        `UPDATE ${table} SET status = 'pending', locked_until = NULL WHERE status = '${claimed}' RETURNING ${key}`,
      );
      return rows.length;
    },
    async prune(q, before) {
      const rows = await q.query(
        `DELETE FROM ${table} WHERE status IN ('${spec.done}', 'failed') AND ${spec.createdColumn} < $1
          RETURNING ${key}`,
        [before.toISOString()],
      );
      return rows.length;
    },
  };
}
