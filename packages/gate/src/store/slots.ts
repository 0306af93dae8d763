/**
 * Fixed-window counters in the store, taken in single statements so parallel requests (or replicas) never
 * see the same count: the one rate-limit primitive of the gate's pages.
 * @module
 */

import type { Queryable } from '../types.js';

/** The tables that hold counters (`key TEXT PRIMARY KEY, count INTEGER, window_ends_at TIMESTAMPTZ`). */
export type SlotTable = 'page_otp_limits' | 'recovery_code_limits';

/**
 * Takes one slot of a counter in one statement (a row lock in PostgreSQL, one connection in PGlite), so
 * parallel callers never see the same count. False when the window is full.
 */
export async function takeSlot(
  q: Queryable,
  table: SlotTable,
  key: string,
  max: number,
  windowMs: number,
  now: Date,
): Promise<boolean> {
  const ends = new Date(now.getTime() + windowMs).toISOString();
  await q.query(
    `INSERT INTO ${table} (key, count, window_ends_at) VALUES ($1, 0, $2) ON CONFLICT (key) DO NOTHING`,
    [key, ends],
  );
  const rows = await q.query(
    `UPDATE ${table}
        SET count = CASE WHEN window_ends_at <= $3 THEN 1 ELSE count + 1 END,
            window_ends_at = CASE WHEN window_ends_at <= $3 THEN $2 ELSE window_ends_at END
      WHERE key = $1 AND (window_ends_at <= $3 OR count < $4)
      RETURNING count`,
    [key, ends, now.toISOString(), max],
  );
  return rows.length === 1;
}
