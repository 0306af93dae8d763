/**
 * Reading and closing reviews. A review is closed by a member of a reviewer group who took no part in
 * the case (not its subject, requester, approver, proofing officer or any other actor on its audit trail),
 * with an outcome and a note; the close is audited and security is told.
 * @module
 */

import { GateError } from '@recovery-gate/core';
import type { Queryable } from '../types.js';
import {
  REVIEW_KINDS,
  REVIEW_OUTCOMES,
  type ReviewDeps,
  type ReviewKind,
  type ReviewOutcome,
  type ReviewRecord,
  toReview,
} from './model.js';

/** Filters of {@link listReviews}. */
export interface ReviewFilter {
  readonly state?: 'open' | 'closed';
  /** Only open reviews past due. */
  readonly overdue?: boolean;
  readonly kind?: ReviewKind;
  readonly caseId?: string;
  /** @default 200 */
  readonly limit?: number;
}

/** Lists reviews, open and oldest-due first. */
export async function listReviews(q: Queryable, filter: ReviewFilter, now: Date): Promise<ReviewRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.state) add('state = ?', filter.state);
  if (filter.overdue) add("state = 'open' AND due_at <= ?", now.toISOString());
  if (filter.kind && (REVIEW_KINDS as readonly string[]).includes(filter.kind)) add('kind = ?', filter.kind);
  if (filter.caseId) add('case_id = ?', filter.caseId);
  params.push(Math.min(Math.max(filter.limit ?? 200, 1), 1000));
  const rows = await q.query(
    `SELECT * FROM gate_reviews ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY (state = 'open') DESC, due_at ASC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toReview);
}

/** One review, or null. */
export async function getReview(q: Queryable, id: string): Promise<ReviewRecord | null> {
  const rows = await q.query('SELECT * FROM gate_reviews WHERE id = $1', [id]);
  return rows[0] ? toReview(rows[0]) : null;
}

/**
 * Everyone who took part in a case: its subject and requester, approvers, whoever presented or supervised
 * evidence, and every person on its audit trail; for a repudiation incident, the recovery's too.
 */
export async function participants(q: Queryable, caseId: string): Promise<Set<string>> {
  const ids = [caseId];
  const [c] = await q.query('SELECT subject_id, requester_id, kind, reason FROM cases WHERE id = $1', [
    caseId,
  ]);
  const reason = String(c?.reason ?? '');
  if (c?.kind === 'incident' && reason.startsWith('repudiation:'))
    ids.push(reason.slice('repudiation:'.length));
  const rows = await q.query<{ who: string | null }>(
    `SELECT subject_id AS who FROM cases WHERE id = ANY($1::text[])
     UNION SELECT requester_id FROM cases WHERE id = ANY($1::text[])
     UNION SELECT person_id FROM case_approvals WHERE case_id = ANY($1::text[])
     UNION SELECT person_id FROM case_evidence WHERE case_id = ANY($1::text[])
     UNION SELECT actor FROM audit_records WHERE case_id = ANY($1::text[])`,
    [ids],
  );
  const out = new Set<string>();
  for (const r of rows) {
    const who = r.who;
    if (who && who !== 'gate' && !who.startsWith('idp:')) out.add(who);
  }
  return out;
}

/** What a reviewer submits. */
export interface CloseInput {
  /** The reviewer's IdP user id (signed in, or named on the CLI). */
  readonly by: string;
  readonly outcome: string;
  readonly note: string;
}

/** Decides whether a person is in a reviewer group (read from the IdP); false on any doubt. */
export type ReviewerCheck = (personId: string) => Promise<boolean>;

function checked(input: CloseInput): { by: string; outcome: ReviewOutcome; note: string } {
  const note = typeof input.note === 'string' ? input.note.trim() : '';
  if (typeof input.by !== 'string' || input.by.length === 0) {
    throw new GateError('ERR_INPUT_INVALID', 'Closing a review needs the reviewer.');
  }
  if (!(REVIEW_OUTCOMES as readonly string[]).includes(input.outcome)) {
    throw new GateError('ERR_INPUT_INVALID', `The outcome must be one of ${REVIEW_OUTCOMES.join(', ')}.`);
  }
  if (note.length === 0) throw new GateError('ERR_INPUT_INVALID', 'Closing a review needs a note.');
  if (note.length > 2000)
    throw new GateError('ERR_INPUT_INVALID', 'The note is longer than 2000 characters.');
  return { by: input.by, outcome: input.outcome as ReviewOutcome, note };
}

/**
 * Closes review `id`. The reviewer must pass `isReviewer` and have taken no part in the case.
 * @throws GateError ERR_INPUT_INVALID, ERR_CASE_NOT_FOUND (no such review), ERR_APPROVER_NOT_ELIGIBLE (not a
 *   reviewer), ERR_SEPARATION_OF_DUTIES (took part in the case), ERR_CASE_ILLEGAL_TRANSITION (already closed)
 */
export async function closeReview(
  deps: ReviewDeps,
  id: string,
  input: CloseInput,
  isReviewer: ReviewerCheck,
): Promise<ReviewRecord> {
  const { by, outcome, note } = checked(input);
  const review = await getReview(deps.store, id);
  if (!review)
    throw new GateError('ERR_CASE_NOT_FOUND', 'No review has that id.', { details: { review: id } });
  if (!(await isReviewer(by))) {
    throw new GateError(
      'ERR_APPROVER_NOT_ELIGIBLE',
      'Only a member of a reviewer group may close a review.',
      {
        details: { review: id, by },
      },
    );
  }
  const closed = await deps.store.transaction(async (tx) => {
    if ((await participants(tx, review.caseId)).has(by)) {
      throw new GateError('ERR_SEPARATION_OF_DUTIES', 'A reviewer must have taken no part in the case.', {
        details: { review: id, by },
      });
    }
    const now = deps.now().toISOString();
    const rows = await tx.query(
      `UPDATE gate_reviews SET state = 'closed', closed_at = $2, closed_by = $3, outcome = $4, note = $5,
              next_notice_at = NULL
        WHERE id = $1 AND state = 'open' RETURNING *`,
      [id, now, by, outcome, note],
    );
    if (!rows[0]) throw new GateError('ERR_CASE_ILLEGAL_TRANSITION', 'The review is already closed.');
    await deps.audit.append(
      { type: 'review.closed', caseId: review.caseId, actor: by, data: { review: id, outcome, note } },
      tx,
    );
    const staged = deps.notifier.stage
      ? await deps.notifier.stage(
          {
            to: { kind: 'security' },
            subject: `Review closed (${outcome.replaceAll('_', ' ')}): ${review.subjectLogin ?? review.subjectId}`,
            text: `Review ${id} of case ${review.caseId} was closed by ${by} as ${outcome}: ${note}`,
            idempotencyKey: `review:${id}:closed`,
          },
          tx,
        )
      : null;
    return { record: toReview(rows[0]), staged };
  });
  deps.metrics?.inc('recovery_reviews_closed_total', { kind: review.kind, outcome });
  await closed.staged?.deliver().catch(() => undefined);
  return closed.record;
}
