/**
 * The seams between the gate's parts: storage, audit, notifications, metrics, logging, orchestration.
 * Each part is written against these interfaces so it can be built and tested on its own.
 * @module
 */

import type { IdpKind, NormalizedEvent, Policy, RecoveryProvider } from '@recovery-gate/core';

/** Something SQL can run on: the store itself or a transaction. Same SQL on PGlite and PostgreSQL. */
export interface Queryable {
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<Row[]>;
}

/** One schema migration. Ids sort lexically and run once, in order. */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/** Options of {@link Store.transaction}. */
export interface TransactionOptions {
  /**
   * `high` for work an external caller is waiting on (a hook's acknowledgement): the embedded store, which
   * has one connection, runs it before queued normal work. PostgreSQL runs transactions on a pool and
   * ignores it. @default 'normal'
   */
  readonly priority?: 'high' | 'normal';
}

/** Options of {@link Store.query}. */
export interface QueryOptions {
  /** As {@link TransactionOptions.priority}, for one statement run on its own. @default 'normal' */
  readonly priority?: 'high' | 'normal';
}

/** Durable storage: embedded PGlite by default, PostgreSQL via DATABASE_URL. */
export interface Store extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs one statement on its own: it commits by itself (atomic, and durable once it resolves), so a single
   * write needs no transaction (PostgreSQL: one round trip instead of three with BEGIN and COMMIT).
   */
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<Row[]>;
  /** Runs `fn` in one transaction; rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `fn` only if no other holder (in this process or any replica sharing the database) holds the
   * named lock; returns `{ ran: false }` at once otherwise. Used so pollers and timers run once.
   */
  withLock<T>(
    name: string,
    fn: () => Promise<T>,
  ): Promise<{ readonly ran: true; readonly value: T } | { readonly ran: false }>;
  /** Applies the migrations not yet applied (idempotent, safe with concurrent replicas). */
  migrate(migrations: readonly Migration[]): Promise<void>;
  close(): Promise<void>;
}

/** A structured logger. Never pass secrets: wrap them with createSecret so they print as [redacted]. */
export interface Logger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** One record appended to the tamper-evident audit chain (secrets never enter it). */
export interface AuditEntry {
  /** e.g. `case.opened`, `case.evidence`, `step.revoke_sessions`, `bypass.detected`, `hook.forged`. */
  readonly type: string;
  readonly caseId: string | null;
  /** Who did it: a person's IdP id, `gate`, or `idp:<kind>`; null when the IdP did not say. */
  readonly actor: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The audit chain, persisted. */
export interface AuditLog {
  append(entry: AuditEntry, tx?: Queryable): Promise<void>;
  /**
   * Appends several entries in order under one lock of the chain head (a batch of events). Logs without it
   * get the entries one `append` at a time.
   */
  appendMany?(entries: readonly AuditEntry[], tx?: Queryable): Promise<void>;
}

/** A message to people. Channels are resolved from the subject's facts or the config. */
export interface Notification {
  /** Who it is for: a subject's channel address, or the `security` webhook. */
  readonly to: { readonly kind: 'email' | 'phone'; readonly address: string } | { readonly kind: 'security' };
  readonly subject: string;
  readonly text: string;
  /** Optional links (verification, cancel). Links are single-use tokens, never credentials. */
  readonly links?: readonly { readonly label: string; readonly url: string }[];
  /** For dedupe across retries: the same key is sent once. */
  readonly idempotencyKey: string;
  /**
   * The text carries a secret (a one-time code): a durable notifier keeps only a redacted copy and sends it
   * once, without retries (the user asks for a new code instead). @default false
   */
  readonly sensitive?: boolean;
}

/** Sends notifications (webhook, SMTP, SMS gateway). */
export interface Notifier {
  send(notification: Notification): Promise<void>;
  /**
   * Stores a (non-sensitive) notification inside `tx`, so it commits or rolls back with the caller's work,
   * already claimed for its first attempt; after the commit, `deliver()` makes that attempt (a crash before
   * it leaves the notification to the retry loop). Only notifiers with a durable outbox have it.
   */
  stage?(notification: Notification, tx: Queryable): Promise<{ deliver(): Promise<void> }>;
  /** {@link Notifier.stage} for many notifications in one statement; `deliver()` sends them a few at a time. */
  stageMany?(notifications: readonly Notification[], tx: Queryable): Promise<{ deliver(): Promise<void> }>;
}

/** Records events handled, inside the transaction that handled them. */
export type SettleInTx = (tx: Queryable, handled: readonly NormalizedEvent[]) => Promise<void>;

/** Prometheus-style metrics. */
export interface Metrics {
  inc(name: string, labels?: Readonly<Record<string, string>>, value?: number): void;
  observe(name: string, value: number, labels?: Readonly<Record<string, string>>): void;
  set(name: string, value: number, labels?: Readonly<Record<string, string>>): void;
  /** The text exposition format for `/metrics`. */
  render(): string;
}

/** Dependencies handed to the orchestrator. */
export interface OrchestratorDeps {
  readonly store: Store;
  readonly providers: ReadonlyMap<IdpKind, RecoveryProvider>;
  /** The validated recovery policy (tiers, matrix, bypass mode). */
  readonly policy: Policy;
  readonly audit: AuditLog;
  readonly notifier: Notifier;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => Date;
  /** The public base URL of the gate, for links in notifications (e.g. https://gate.acme.example). */
  readonly baseUrl: string;
}

/** The case engine: turns events into cases and drives them to an end. */
export interface Orchestrator {
  /** Its tables. */
  readonly migrations: readonly Migration[];
  /** Handles one normalised IdP event (already deduplicated by the intake). */
  handleEvent(event: NormalizedEvent): Promise<void>;
  /**
   * Handles, together, those of `events` that can be (bypasses: a backlog after an outage, in one
   * transaction; requests for a case already open, in another) and returns the others, for
   * {@link Orchestrator.handleEvent} one at a time. Throws with nothing of the batch written when it fails
   * (joins that fail after the bypasses committed are returned instead). Orchestrators without it get every
   * event one at a time. `settle` runs inside the bypasses' transaction with the events it handled (the
   * intake marks them done there, so a crash leaves them either done with every write or not done at all).
   */
  handleEventBatch?(
    events: readonly NormalizedEvent[],
    settle?: SettleInTx,
  ): Promise<readonly NormalizedEvent[]>;
  /** Advances timers: holds that ended, challenges to poll, links that expired, steps to resume. */
  tick(): Promise<void>;
  /** Gives back the timer claims a crashed run of the embedded store's one process left; returns how many. */
  releaseClaims?(): Promise<number>;
}
