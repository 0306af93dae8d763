/**
 * The notification outbox: each idempotency key is stored once, sent once, and retried with backoff on failure.
 * A sensitive notification (a one-time code) is stored redacted, as a record only, and delivered directly
 * once: after a failure or a crash it is not retried (its text is gone), the user asks for a new one.
 * @module
 */

import { maskAddress } from '../log.js';
import { createLeaseQueue, type LeaseQueue } from '../store/queue.js';
import type { Logger, Metrics, Notification, Notifier, Queryable, Store } from '../types.js';
import type { Transport } from './transports.js';

/** Which transport serves each kind of recipient. */
export interface Transports {
  readonly email?: Transport;
  readonly phone?: Transport;
  readonly security?: Transport;
}

/** Options for {@link createOutboxNotifier}. */
export interface OutboxOptions {
  readonly store: Store;
  readonly transports: Transports;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
  /** Attempts before a notification is marked failed. @default 8 */
  readonly maxAttempts?: number;
  /** Base back-off in ms, doubled each attempt, with jitter, capped at one hour (core's `backoffDelay`). @default 5000 */
  readonly backoffMs?: number;
  /** How long a send may take before another worker may retry it. @default 60000 */
  readonly leaseMs?: number;
}

/** A Notifier backed by the outbox. `drain` retries what is due and returns how many it tried. */
export interface OutboxNotifier extends Notifier {
  stage: NonNullable<Notifier['stage']>;
  stageMany: NonNullable<Notifier['stageMany']>;
  drain(): Promise<number>;
  /** Gives back the claims a crashed run of the embedded store's one process left; returns how many. */
  releaseClaims(): Promise<number>;
  /** Deletes notifications settled before `before`; returns how many. */
  prune(before: Date): Promise<number>;
  close(): Promise<void>;
}

interface Row extends Record<string, unknown> {
  idempotency_key: string;
  channel: 'email' | 'phone' | 'security';
  payload: Notification;
  attempts: number;
}

/** Where a notification goes, masked for logs. */
export function describeRecipient(n: Notification): string {
  return n.to.kind === 'security' ? 'security' : `${n.to.kind}:${maskAddress(n.to.address)}`;
}

interface Ctx {
  readonly options: OutboxOptions;
  readonly queue: LeaseQueue<Row>;
}

/** The outbox's lease queue (`leaseMs`, `maxAttempts`, `backoffMs` from the outbox's options). */
export function outboxQueue(
  options: Pick<OutboxOptions, 'leaseMs' | 'maxAttempts' | 'backoffMs'> = {},
): LeaseQueue<Row> {
  return createLeaseQueue<Row>({
    table: 'notification_outbox',
    key: 'idempotency_key',
    claimed: 'sending',
    done: 'sent',
    createdColumn: 'created_at',
    returning: 'idempotency_key, channel, payload, attempts',
    // Links are single-use tokens: once a notification is settled, its stored copy keeps none.
    ackSet: "next_attempt_at = $2, sent_at = $2, payload = payload - 'links'",
    retrySet: "sent_at = NULL, payload = CASE WHEN $2 = 'pending' THEN payload ELSE payload - 'links' END",
    leaseMs: options.leaseMs ?? 60_000,
    maxAttempts: options.maxAttempts ?? 8,
    backoff: { baseMs: options.backoffMs ?? 5000, capMs: 3_600_000 },
  });
}

/** A sensitive notification is never claimed for a retry: its text was never stored. */
const NOT_SENSITIVE = "t.payload->>'sensitive' IS DISTINCT FROM 'true'";

function claim(ctx: Ctx): Promise<Row[]> {
  return ctx.queue.claim(ctx.options.store, ctx.options.now(), {
    limit: 20,
    orderBy: 't.next_attempt_at',
    where: NOT_SENSITIVE,
  });
}

/**
 * Stores a notification already claimed for its first attempt (one statement instead of insert-then-claim);
 * returns no row when the key exists.
 */
const INSERT_CLAIMED = `
  INSERT INTO notification_outbox (idempotency_key, channel, payload, status, attempts, next_attempt_at, locked_until, created_at)
  VALUES ($1, $2, $3::jsonb, 'sending', 1, $4, $5, $4) ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING idempotency_key, channel, payload, attempts`;

/** Makes one attempt; returns null when the transport took it, else settles the row for a retry or as failed. */
async function attempt(ctx: Ctx, row: Row): Promise<Row | null> {
  const n = row.payload;
  const transport = ctx.options.transports[row.channel];
  try {
    if (transport === undefined) throw new Error(`No ${row.channel} transport is configured.`);
    await transport.deliver(n);
    return row;
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    // A transport's error may echo the body it was given; a sensitive one's is not kept.
    const message = (n.sensitive === true ? 'delivery failed (details withheld: sensitive)' : raw).slice(
      0,
      500,
    );
    await settleFailed(ctx, row, message, transport === undefined || n.sensitive === true);
    return null;
  }
}

/** Gives a row whose attempt failed back for a retry (or fails it: `fail`, or its last attempt). */
async function settleFailed(ctx: Ctx, row: Row, message: string, fail: boolean): Promise<void> {
  const { store, logger, metrics } = ctx.options;
  const { final: failed } = await ctx.queue.retry(
    store,
    { key: row.idempotency_key, attempts: row.attempts },
    ctx.options.now(),
    message,
    fail,
  );
  metrics.inc('recovery_notifications_total', {
    channel: row.channel,
    result: failed ? 'failed' : 'retry',
  });
  logger.warn('notification not sent', {
    key: row.idempotency_key,
    to: describeRecipient(row.payload),
    attempt: row.attempts,
    willRetry: !failed,
    error: message,
  });
}

/** Records `rows` sent (one statement), counts and logs them. */
async function settleSent(ctx: Ctx, rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const { store, logger, metrics, now } = ctx.options;
  await ctx.queue.ack(
    store,
    rows.map((r) => r.idempotency_key),
    now(),
  );
  for (const row of rows) {
    metrics.inc('recovery_notifications_total', { channel: row.channel, result: 'sent' });
    logger.info('notification sent', { key: row.idempotency_key, to: describeRecipient(row.payload) });
  }
}

async function deliver(ctx: Ctx, row: Row): Promise<void> {
  const sent = await attempt(ctx, row);
  if (sent !== null) await settleSent(ctx, [sent]);
}

/** What is kept of a sensitive notification's text. */
export const REDACTED_TEXT = '[redacted: sensitive notification]';

const RECORD_SENSITIVE = `
  INSERT INTO notification_outbox (idempotency_key, channel, payload, status, attempts, next_attempt_at, created_at)
  VALUES ($1, $2, $3::jsonb, 'sending', 1, $4, $4) ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING idempotency_key`;

/** Records a redacted copy (once per key), then delivers the real one directly, with no retry. */
async function sendSensitive(ctx: Ctx, n: Notification): Promise<void> {
  const { to, subject, idempotencyKey } = n;
  const record = { to, subject, text: REDACTED_TEXT, idempotencyKey, sensitive: true };
  const at = ctx.options.now().toISOString();
  const rows = await ctx.options.store.query(RECORD_SENSITIVE, [
    idempotencyKey,
    to.kind,
    JSON.stringify(record),
    at,
  ]);
  if (rows.length === 0) return;
  await deliver(ctx, { idempotency_key: idempotencyKey, channel: to.kind, payload: n, attempts: 1 });
}

/** Sensitive rows a crash left unsettled are failed, not retried: their text was never stored. */
const FAIL_ABANDONED = `
  UPDATE notification_outbox SET status = 'failed', locked_until = NULL,
         last_error = 'not sent before a restart; sensitive notifications are not retried'
   WHERE status IN ('pending', 'sending') AND payload->>'sensitive' = 'true' AND created_at < $1`;

/** Stores `n` claimed for its first attempt; no row when its key is already stored. */
function insertClaimed(ctx: Ctx, q: Queryable, n: Notification): Promise<Row[]> {
  const at = ctx.options.now();
  const until = ctx.queue.leaseUntil(at);
  return q.query<Row>(INSERT_CLAIMED, [
    n.idempotencyKey,
    n.to.kind,
    JSON.stringify(n),
    at.toISOString(),
    until,
  ]);
}

/** Stores many notifications claimed for their first attempt, in one statement; returns the new rows. */
const INSERT_MANY_CLAIMED = `
  INSERT INTO notification_outbox (idempotency_key, channel, payload, status, attempts, next_attempt_at, locked_until, created_at)
  SELECT k, c, p::jsonb, 'sending', 1, $4, $5, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(k, c, p)
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING idempotency_key, channel, payload, attempts`;

/** Notifications sent at once after a batch commits. */
const DELIVERY_WIDTH = 8;

/** Splits `rows` into digests for transports that take several per message; the rest go one by one. */
function digests(ctx: Ctx, rows: readonly Row[]): { single: Row[]; many: Row[][] } {
  const single: Row[] = [];
  const many: Row[][] = [];
  const byChannel = new Map<string, Row[]>();
  for (const row of rows) {
    const transport = ctx.options.transports[row.channel];
    if (transport?.deliverMany === undefined || row.payload.sensitive === true) single.push(row);
    else {
      const list = byChannel.get(row.channel) ?? [];
      list.push(row);
      byChannel.set(row.channel, list);
    }
  }
  for (const [channel, list] of byChannel) {
    // One notification alone keeps its own message.
    if (list.length === 1) single.push(...list);
    else {
      const size = Math.max(1, ctx.options.transports[channel as Row['channel']]?.maxPerMessage ?? 50);
      for (let i = 0; i < list.length; i += size) many.push(list.slice(i, i + size));
    }
  }
  return { single, many };
}

/** Makes one attempt at a digest; returns its rows when the transport took it, else settles each for a retry. */
async function attemptMany(ctx: Ctx, rows: readonly Row[]): Promise<readonly Row[]> {
  const transport = ctx.options.transports[(rows[0] as Row).channel];
  try {
    await transport?.deliverMany?.(rows.map((r) => r.payload));
    return rows;
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    for (const row of rows) await settleFailed(ctx, row, message, false);
    return [];
  }
}

/**
 * Delivers rows `DELIVERY_WIDTH` messages at a time (several rows of one channel as digests where the
 * transport takes them); those sent are settled together, the others each for a retry.
 */
async function deliverAll(ctx: Ctx, rows: readonly Row[]): Promise<void> {
  const { single, many } = digests(ctx, rows);
  const jobs: (() => Promise<readonly Row[]>)[] = [
    ...many.map((group) => () => attemptMany(ctx, group)),
    ...single.map((row) => async () => {
      const sent = await attempt(ctx, row);
      return sent === null ? [] : [sent];
    }),
  ];
  let next = 0;
  const sent: Row[] = [];
  const lane = async (): Promise<void> => {
    for (let i = next++; i < jobs.length; i = next++)
      sent.push(...(await (jobs[i] as () => Promise<readonly Row[]>)()));
  };
  await Promise.all(Array.from({ length: Math.min(DELIVERY_WIDTH, jobs.length) }, lane));
  await settleSent(ctx, sent);
}

/** Creates the outbox notifier. `send` resolves once the notification is stored and one attempt made. */
export function createOutboxNotifier(options: OutboxOptions): OutboxNotifier {
  const ctx: Ctx = { options, queue: outboxQueue(options) };
  return {
    async send(n) {
      if (n.sensitive === true) return sendSensitive(ctx, n);
      const fresh = await insertClaimed(ctx, options.store, n);
      const rows =
        fresh.length > 0
          ? fresh
          : await ctx.queue.claimKey(options.store, n.idempotencyKey, options.now(), NOT_SENSITIVE);
      for (const row of rows) await deliver(ctx, row);
    },
    async stage(n, tx) {
      if (n.sensitive === true) throw new Error('A sensitive notification is never staged: use send().');
      const rows = await insertClaimed(ctx, tx, n);
      return {
        async deliver() {
          for (const row of rows) await deliver(ctx, row);
        },
      };
    },
    async stageMany(ns, tx) {
      if (ns.some((n) => n.sensitive === true))
        throw new Error('A sensitive notification is never staged: use send().');
      if (ns.length === 0) return { deliver: async () => undefined };
      const at = options.now();
      const rows = await tx.query<Row>(INSERT_MANY_CLAIMED, [
        ns.map((n) => n.idempotencyKey),
        ns.map((n) => n.to.kind),
        ns.map((n) => JSON.stringify(n)),
        at.toISOString(),
        ctx.queue.leaseUntil(at),
      ]);
      return { deliver: () => deliverAll(ctx, rows) };
    },
    async drain() {
      const abandoned = new Date(options.now().getTime() - ctx.queue.spec.leaseMs).toISOString();
      await options.store.query(FAIL_ABANDONED, [abandoned]);
      const rows = await claim(ctx);
      await deliverAll(ctx, rows);
      return rows.length;
    },
    releaseClaims: () => ctx.queue.release(options.store),
    prune: (before) => ctx.queue.prune(options.store, before),
    async close() {
      for (const t of Object.values(options.transports)) await (t as Transport).close?.();
    },
  };
}
