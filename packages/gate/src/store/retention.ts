/**
 * Retention: how long each kind of record keeps personal data. Open cases are never touched. After
 * `caseDetails` a closed case loses its IdP facts, evidence details and approval reasons (who, when and the
 * outcome stay); after `cases` the case and everything hanging off it are deleted; after `auditData` an audit
 * record's data and actor are emptied but its seq, time, type, links and hash stay, so the chain still
 * verifies link by link and against its signed checkpoints.
 * @module
 */

import { parseDuration, TERMINAL_CASE_STATES } from '@recovery-gate/core';
import type { Store } from '../types.js';

/** The retention periods, as durations (`90d`, `400d`). */
export interface RetentionPeriods {
  readonly caseDetails: string;
  readonly cases: string;
  readonly auditData: string;
}

/** What one run pruned. */
export interface RetentionResult {
  readonly detailsCleared: number;
  readonly casesDeleted: number;
  readonly auditRecordsPruned: number;
}

const CLOSED = TERMINAL_CASE_STATES.map((s) => `'${s}'`).join(', ');
/** Tables whose rows belong to one case (foreign keys to `cases`), deleted before the case. */
const CASE_CHILDREN = ['case_evidence', 'case_approvals', 'case_journal', 'links', 'challenges'] as const;

function before(now: Date, duration: string): string {
  return new Date(now.getTime() - parseDuration(duration)).toISOString();
}

/** Applies the periods once, in one transaction per kind; returns the counts. */
export async function applyRetention(
  store: Store,
  periods: RetentionPeriods,
  now: Date,
): Promise<RetentionResult> {
  const detailsBefore = before(now, periods.caseDetails);
  const detailsCleared = await store.transaction(async (q) => {
    const rows = await q.query<{ id: string }>(
      `UPDATE cases SET facts = NULL WHERE state IN (${CLOSED}) AND updated_at < $1 AND facts IS NOT NULL RETURNING id`,
      [detailsBefore],
    );
    await q.query(
      `UPDATE case_evidence SET data = '{}'::jsonb WHERE data <> '{}'::jsonb AND case_id IN
         (SELECT id FROM cases WHERE state IN (${CLOSED}) AND updated_at < $1)`,
      [detailsBefore],
    );
    await q.query(
      `UPDATE case_approvals SET reason = NULL WHERE reason IS NOT NULL AND case_id IN
         (SELECT id FROM cases WHERE state IN (${CLOSED}) AND updated_at < $1)`,
      [detailsBefore],
    );
    return rows.length;
  });
  const casesBefore = before(now, periods.cases);
  const casesDeleted = await store.transaction(async (q) => {
    const doomed = `SELECT id FROM cases WHERE state IN (${CLOSED}) AND updated_at < $1`;
    for (const table of CASE_CHILDREN)
      await q.query(`DELETE FROM ${table} WHERE case_id IN (${doomed})`, [casesBefore]);
    await q.query(`DELETE FROM case_events WHERE case_id IN (${doomed})`, [casesBefore]);
    const rows = await q.query<{ id: string }>(
      `DELETE FROM cases WHERE state IN (${CLOSED}) AND updated_at < $1 RETURNING id`,
      [casesBefore],
    );
    return rows.length;
  });
  const auditRecordsPruned = await store.transaction(async (q) => {
    // Records of a case that is still open keep their data whatever their age.
    const rows = await q.query<{ seq: number }>(
      `UPDATE audit_records SET data = '{}', actor = NULL, pruned_at = $2
        WHERE pruned_at IS NULL AND at < $1
          AND (case_id IS NULL OR case_id NOT IN (SELECT id FROM cases WHERE state NOT IN (${CLOSED})))
        RETURNING seq`,
      [before(now, periods.auditData), now.toISOString()],
    );
    return rows.length;
  });
  return { detailsCleared, casesDeleted, auditRecordsPruned };
}
