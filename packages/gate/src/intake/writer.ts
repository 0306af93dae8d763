/**
 * Group commit for hook intake: deliveries that arrive while earlier ones are being stored wait, then go to
 * the inbox together in one statement (one transaction when they exceed one statement); each is acknowledged
 * only after its batch committed, and a batch that fails fails every delivery in it (none is acknowledged, so
 * the IdP retries them all).
 * @module
 */

import type { NormalizedEvent } from '@recovery-gate/core';
import type { Queryable, Store } from '../types.js';
import { eventKey, INBOX_INSERT_CHUNK, insertEventKeys } from './inbox.js';

/** Options for {@link createInboxWriter}. */
export interface InboxWriterOptions {
  readonly store: Store;
  readonly now: () => Date;
  /**
   * Batches committing at once. The embedded store has one connection, so one; PostgreSQL commits several
   * in parallel on its pool. @default 1 on PGlite, 4 on PostgreSQL
   */
  readonly maxInFlight?: number;
  /** Events in one batch at most (a delivery is never split across batches). @default 1000 */
  readonly maxBatchEvents?: number;
  /** The inbox `source` of what this writer stores. @default 'hook' */
  readonly source?: string;
}

/** Stores hook deliveries durably, several per commit when they arrive together. */
export interface InboxWriter {
  /**
   * Stores `events`; resolves with how many were new once their batch has committed.
   * @throws ERR_STORAGE when the batch failed: it was rolled back, nothing in it is stored.
   */
  write(events: readonly NormalizedEvent[]): Promise<number>;
}

interface Waiter {
  readonly events: readonly NormalizedEvent[];
  resolve(stored: number): void;
  reject(error: unknown): void;
}

/** Creates a writer; batches form only while earlier ones are committing, so a lone delivery never waits. */
export function createInboxWriter(options: InboxWriterOptions): InboxWriter {
  const { store } = options;
  const maxInFlight = Math.max(1, options.maxInFlight ?? (store.kind === 'pglite' ? 1 : 4));
  const maxEvents = Math.max(1, options.maxBatchEvents ?? 1000);
  const source = options.source ?? 'hook';
  const pending: Waiter[] = [];
  let inFlight = 0;
  const urgent: Queryable = { query: (sql, params) => store.query(sql, params, { priority: 'high' }) };

  const take = (): Waiter[] => {
    const batch: Waiter[] = [];
    let events = 0;
    for (let next = pending[0]; next !== undefined; next = pending[0]) {
      if (batch.length > 0 && events + next.events.length > maxEvents) break;
      batch.push(next);
      pending.shift();
      events += next.events.length;
    }
    return batch;
  };

  const commit = async (batch: readonly Waiter[]): Promise<void> => {
    try {
      const all = batch.flatMap((w) => w.events);
      // A hook's sender is waiting for the acknowledgement: ahead of background work. A batch that fits one
      // statement runs it on its own, which commits it atomically without BEGIN and COMMIT (on PostgreSQL
      // one round trip instead of three); a larger one takes a transaction so it stays all or nothing.
      const inserted =
        all.length <= INBOX_INSERT_CHUNK
          ? await insertEventKeys(urgent, all, source, options.now())
          : await store.transaction((tx) => insertEventKeys(tx, all, source, options.now()), {
              priority: 'high',
            });
      const fresh = new Set(inserted);
      // A key sent twice in one batch (an IdP retry) counts once, for the first delivery that carried it.
      for (const w of batch) w.resolve(w.events.filter((e) => fresh.delete(eventKey(e))).length);
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  };

  const pump = (): void => {
    while (inFlight < maxInFlight && pending.length > 0) {
      inFlight += 1;
      void commit(take()).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  };

  return {
    write(events) {
      if (events.length === 0) return Promise.resolve(0);
      return new Promise<number>((resolve, reject) => {
        pending.push({ events, resolve, reject });
        pump();
      });
    },
  };
}
