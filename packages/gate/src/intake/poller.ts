/**
 * A poller for one provider stream: reads from the persisted cursor, stores the events and the new cursor in
 * one transaction, and loops while the provider says more is ready. Runs under a lock, so once across replicas.
 * It counts failed runs in a row (the IdP down or refusing past its adapter's own retries) and raises one
 * alert when they reach the bound; the cursor stays where it was, so nothing is skipped when the IdP is back.
 * @module
 */

import type { RecoveryProvider } from '@recovery-gate/core';
import type { Logger, Metrics, Store } from '../types.js';
import type { SecurityAlert } from './alerts.js';
import { insertEvents } from './inbox.js';

/** Options for {@link createPoller}. */
export interface PollerOptions {
  readonly store: Store;
  readonly provider: RecoveryProvider;
  readonly stream: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
  /** Where to start when no cursor is stored yet (ISO time); the adapter's default otherwise. */
  readonly since?: string;
  /** Pages read per run at most, so one run cannot hold the lock forever. @default 100 */
  readonly maxPages?: number;
  /** Called after new events were stored (wakes the worker). */
  readonly onStored?: (count: number) => void;
  /** Raises the alert when `maxFailures` runs in a row failed (once, until a run succeeds). */
  readonly alert?: (alert: SecurityAlert) => Promise<void>;
  /** Failed runs in a row that raise the alert. @default 5 */
  readonly maxFailures?: number;
}

/** What one run did. */
export interface PollResult {
  /** False when another holder (replica) was polling this stream. */
  readonly ran: boolean;
  readonly pages: number;
  readonly stored: number;
  /** True when the run stopped at `maxPages` with more ready: poll again at once. */
  readonly more: boolean;
}

/** A stream poller. */
export interface Poller {
  readonly idp: string;
  readonly stream: string;
  /** Runs that failed in a row (0 after a run that succeeded). */
  readonly failures: number;
  pollOnce(): Promise<PollResult>;
}

/** What an alert may say about a failure: its code and the start of its message (never a response body). */
function describeFailure(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  return `${typeof code === 'string' ? `${code}: ` : ''}${text}`.slice(0, 200);
}

/** Reads the stored cursor of a stream, or null. */
export async function readCursor(store: Store, idp: string, stream: string): Promise<string | null> {
  const [row] = await store.query<{ cursor: string }>(
    'SELECT cursor FROM gate_cursors WHERE idp = $1 AND stream = $2',
    [idp, stream],
  );
  return row?.cursor ?? null;
}

/** Creates a poller for one stream of one provider. */
export function createPoller(options: PollerOptions): Poller {
  const { store, provider, stream, metrics, now } = options;
  const idp = provider.idp;
  const run = async (): Promise<Omit<PollResult, 'ran'>> => {
    let pages = 0;
    let stored = 0;
    let more = false;
    let newest: number | null = null;
    let cursor = await readCursor(store, idp, stream);
    for (;;) {
      const page = await provider.readEvents(
        stream,
        cursor,
        cursor === null && options.since !== undefined ? { since: options.since } : {},
      );
      pages += 1;
      const pageNewest = page.events.reduce<number | null>((max, e) => {
        const t = Date.parse(e.occurredAt);
        return Number.isNaN(t) || (max !== null && max >= t) ? max : t;
      }, null);
      if (pageNewest !== null && (newest === null || pageNewest > newest)) newest = pageNewest;
      const at = now();
      stored += await store.transaction(async (tx) => {
        const count = await insertEvents(tx, page.events, `poll:${stream}`, at);
        await tx.query(
          `INSERT INTO gate_cursors (idp, stream, cursor, newest_occurred_at, updated_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (idp, stream) DO UPDATE SET cursor = EXCLUDED.cursor,
             newest_occurred_at = COALESCE(EXCLUDED.newest_occurred_at, gate_cursors.newest_occurred_at),
             updated_at = EXCLUDED.updated_at`,
          [
            idp,
            stream,
            page.cursor,
            pageNewest === null ? null : new Date(pageNewest).toISOString(),
            at.toISOString(),
          ],
        );
        return count;
      });
      cursor = page.cursor;
      more = page.more;
      if (!page.more || pages >= (options.maxPages ?? 100)) break;
    }
    // Caught up with nothing new means no lag; otherwise the age of the newest event read.
    const lag = newest === null ? 0 : Math.max(0, (now().getTime() - newest) / 1000);
    metrics.set('recovery_poller_lag_seconds', lag, { idp, stream });
    metrics.inc('recovery_events_total', { idp, source: 'poll' }, stored);
    if (stored > 0) options.onStored?.(stored);
    return { pages, stored, more };
  };
  const maxFailures = Math.max(1, options.maxFailures ?? 5);
  let failures = 0;
  const failed = async (error: unknown): Promise<void> => {
    failures += 1;
    metrics.inc('recovery_poller_errors_total', { idp, stream });
    if (failures !== maxFailures) return;
    const data = { stream, failures, error: describeFailure(error) };
    // The alert must not hide the poll's own error (the loop logs that one).
    await options
      .alert?.({ kind: 'poll.failing', idp, data })
      .catch((alertError: unknown) =>
        options.logger.error('poll alert failed', { idp, stream, error: alertError }),
      );
  };
  return {
    idp,
    stream,
    get failures() {
      return failures;
    },
    async pollOnce() {
      const result = await store.withLock(`poll:${idp}:${stream}`, () =>
        run().catch(async (error: unknown) => {
          await failed(error);
          throw error;
        }),
      );
      if (result.ran && failures > 0) {
        if (failures >= maxFailures) options.logger.info('polling recovered', { idp, stream, failures });
        failures = 0;
      }
      return result.ran ? { ran: true, ...result.value } : { ran: false, pages: 0, stored: 0, more: false };
    },
  };
}
