/**
 * Reading and writing case rows, evidence, approvals and journal entries.
 * @module
 */

import type { IdpKind, RecoveryAction, SubjectFacts } from '@recovery-gate/core';
import type { Queryable } from '../types.js';
import type {
  ApprovalRecord,
  ApproverRole,
  CaseRecord,
  CaseStateName,
  DecisionView,
  EvidenceRecord,
  JournalEntry,
} from './model.js';

type Row = Record<string, unknown>;

/** Converts a DB timestamp (Date or string) to ISO, keeping null. */
export function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Maps a `cases` row. */
export function toCase(row: Row): CaseRecord {
  return {
    id: String(row.id),
    kind: row.kind === 'incident' ? 'incident' : 'recovery',
    idp: row.idp as IdpKind,
    subjectId: String(row.subject_id),
    subjectLogin: (row.subject_login as string | null) ?? null,
    action: row.action as RecoveryAction,
    requesterId: row.requester_id == null ? null : String(row.requester_id),
    state: row.state as CaseStateName,
    tier: (row.tier as string | null) ?? null,
    subjectClass: (row.subject_class as string | null) ?? null,
    notBefore: iso(row.not_before),
    facts: row.facts == null ? null : json<SubjectFacts>(row.facts),
    decision: row.decision == null ? null : json<DecisionView>(row.decision),
    reason: (row.reason as string | null) ?? null,
    attempts: Number(row.attempts ?? 0),
    nextAttemptAt: iso(row.next_attempt_at),
    expiresAt: iso(row.expires_at),
    createdAt: iso(row.created_at) ?? '',
    updatedAt: iso(row.updated_at) ?? '',
    completedAt: iso(row.completed_at),
  };
}

/** Loads one case, optionally locking the row for the transaction. */
export async function loadCase(q: Queryable, id: string, lock = false): Promise<CaseRecord | null> {
  const rows = await q.query(`SELECT * FROM cases WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? toCase(rows[0]) : null;
}

/**
 * Locks a case row and wakes it (due now) in one statement; returns it as updated, or null when there is
 * no such case. A caller that then finds the case in the wrong state throws, and the wake-up rolls back.
 */
export async function lockAndWakeCase(q: Queryable, id: string, now: Date): Promise<CaseRecord | null> {
  const at = now.toISOString();
  const rows = await q.query(
    'UPDATE cases SET updated_at = $2, next_attempt_at = $2 WHERE id = $1 RETURNING *',
    [id, at],
  );
  return rows[0] ? toCase(rows[0]) : null;
}

/** A `case_evidence` row as evidence. */
function toEvidence(r: Row): EvidenceRecord {
  return {
    kind: String(r.kind),
    personId: (r.person_id as string | null) ?? null,
    channelId: (r.channel_id as string | null) ?? null,
    outcome: r.outcome === 'passed' ? 'passed' : 'failed',
    at: iso(r.at) ?? '',
    data: json<Record<string, string | number | boolean | null>>(r.data ?? {}),
  };
}

/** A `case_approvals` row as an approval. */
function toApproval(r: Row): ApprovalRecord {
  return {
    personId: String(r.person_id),
    role: r.role as ApproverRole,
    decision: r.decision === 'approve' ? 'approve' : 'deny',
    reason: (r.reason as string | null) ?? null,
    at: iso(r.at) ?? '',
    renewals: Number(r.renewals ?? 0),
  };
}

/** Evidence recorded on a case, oldest first. */
export async function loadEvidence(q: Queryable, caseId: string): Promise<EvidenceRecord[]> {
  const rows = await q.query('SELECT * FROM case_evidence WHERE case_id = $1 ORDER BY id', [caseId]);
  return rows.map(toEvidence);
}

/** Approvals recorded on a case, oldest first. */
export async function loadApprovals(q: Queryable, caseId: string): Promise<ApprovalRecord[]> {
  const rows = await q.query('SELECT * FROM case_approvals WHERE case_id = $1 ORDER BY at', [caseId]);
  return rows.map(toApproval);
}

/** A case's evidence and approvals, as read together. */
export interface Proofs {
  readonly evidence: readonly EvidenceRecord[];
  readonly approvals: readonly ApprovalRecord[];
}

/**
 * A case's evidence (oldest first, as {@link loadEvidence}) and approvals (as {@link loadApprovals}), as JSON
 * arrays of their rows: subqueries of one statement, so both come from one snapshot.
 */
const PROOFS_OF = (caseId: string) => `
  (SELECT coalesce(json_agg(e ORDER BY e.id), '[]'::json) FROM case_evidence e WHERE e.case_id = ${caseId})
    AS evidence_rows,
  (SELECT coalesce(json_agg(a ORDER BY a.at), '[]'::json) FROM case_approvals a WHERE a.case_id = ${caseId})
    AS approval_rows`;

function toProofs(row: Row): Proofs {
  return {
    evidence: json<Row[]>(row.evidence_rows ?? []).map(toEvidence),
    approvals: json<Row[]>(row.approval_rows ?? []).map(toApproval),
  };
}

/**
 * How many proofs and approvals a case has, each renewal of an approval counted as one more: a change
 * means someone recorded or renewed one (see the advance's proofCount, which counts the same in SQL).
 */
export function proofWeight(proofs: Proofs): number {
  return proofs.evidence.length + proofs.approvals.reduce((n, a) => n + 1 + (a.renewals ?? 0), 0);
}

/** A case's evidence and approvals, read in one statement. */
export async function loadProofs(q: Queryable, caseId: string): Promise<Proofs> {
  const [row] = await q.query(`SELECT ${PROOFS_OF('$1')}`, [caseId]);
  return toProofs(row ?? {});
}

/** A case with its evidence and approvals, read in one statement (null when there is no such case). */
export async function loadCaseWithProofs(
  q: Queryable,
  id: string,
): Promise<{
  readonly c: CaseRecord;
  readonly proofs: Proofs;
} | null> {
  const [row] = await q.query(`SELECT c.*, ${PROOFS_OF('c.id')} FROM cases c WHERE c.id = $1`, [id]);
  return row ? { c: toCase(row), proofs: toProofs(row) } : null;
}

/**
 * The journal of a case, in step order of writing. At the same instant a step closed comes before one
 * started (a step's `done` and the next step's `started` commit together).
 */
export async function loadJournal(q: Queryable, caseId: string): Promise<JournalEntry[]> {
  const rows = await q.query(
    `SELECT * FROM case_journal WHERE case_id = $1
      ORDER BY updated_at, CASE WHEN state = 'started' THEN 1 ELSE 0 END, step`,
    [caseId],
  );
  return rows.map((r) => toJournalEntry(r));
}

/** A `case_journal` row as a journal entry. */
function toJournalEntry(r: Record<string, unknown>, step = String(r.step)): JournalEntry {
  return {
    step,
    state: r.state as JournalEntry['state'],
    attempts: Number(r.attempts ?? 0),
    result: json<Record<string, unknown>>(r.result ?? {}),
    error: (r.error as string | null) ?? null,
    updatedAt: iso(r.updated_at) ?? '',
  };
}

/** Columns of `cases` the engine updates. */
export interface CasePatch {
  readonly state?: CaseStateName;
  readonly tier?: string | null;
  readonly subjectClass?: string | null;
  readonly notBefore?: string | null;
  readonly facts?: SubjectFacts | null;
  readonly decision?: DecisionView | null;
  readonly reason?: string | null;
  readonly attempts?: number;
  readonly nextAttemptAt?: string | null;
  readonly expiresAt?: string | null;
  readonly completedAt?: string | null;
  readonly effectsDueAt?: string | null;
}

const COLUMNS: Readonly<Record<keyof CasePatch, string>> = {
  state: 'state',
  tier: 'tier',
  subjectClass: 'subject_class',
  notBefore: 'not_before',
  facts: 'facts',
  decision: 'decision',
  reason: 'reason',
  attempts: 'attempts',
  nextAttemptAt: 'next_attempt_at',
  expiresAt: 'expires_at',
  completedAt: 'completed_at',
  effectsDueAt: 'effects_due_at',
};

/** The `SET` list of a case patch, its values appended to `params` (which already hold the id and `now`). */
function patchSets(patch: CasePatch, params: unknown[]): string {
  const sets: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    const column = COLUMNS[key as keyof CasePatch];
    params.push(
      key === 'facts' || key === 'decision' ? (value === null ? null : JSON.stringify(value)) : value,
    );
    sets.push(`${column} = $${params.length}`);
  }
  return sets.map((s) => `, ${s}`).join('');
}

/** Updates a case row. */
export async function patchCase(q: Queryable, id: string, patch: CasePatch, now: Date): Promise<void> {
  const params: unknown[] = [id, now.toISOString()];
  await q.query(`UPDATE cases SET updated_at = $2${patchSets(patch, params)} WHERE id = $1`, params);
}

/** Reads one journal entry. */
export async function journalEntry(q: Queryable, caseId: string, step: string): Promise<JournalEntry | null> {
  const rows = await q.query('SELECT * FROM case_journal WHERE case_id = $1 AND step = $2', [caseId, step]);
  const r = rows[0];
  return r ? toJournalEntry(r, step) : null;
}

/** Reads several journal entries of a case in one statement; a step never written is absent. */
export async function journalEntries(
  q: Queryable,
  caseId: string,
  steps: readonly string[],
): Promise<Map<string, JournalEntry>> {
  const rows = await q.query('SELECT * FROM case_journal WHERE case_id = $1 AND step = ANY($2::text[])', [
    caseId,
    [...steps],
  ]);
  return new Map(rows.map((r) => [String(r.step), toJournalEntry(r)]));
}

/** A case and some of its journal entries, read in one statement (null when there is no such case). */
export async function loadCaseWithJournal(
  q: Queryable,
  id: string,
  steps: readonly string[],
): Promise<{ readonly c: CaseRecord; readonly journal: Map<string, JournalEntry> } | null> {
  const rows = await q.query(
    `SELECT c.*, (SELECT coalesce(json_agg(json_build_object('step', j.step, 'state', j.state,
               'attempts', j.attempts, 'result', j.result, 'error', j.error, 'updated_at', j.updated_at)),
             '[]'::json)
          FROM case_journal j WHERE j.case_id = c.id AND j.step = ANY($2::text[])) AS journal_rows
       FROM cases c WHERE c.id = $1`,
    [id, [...steps]],
  );
  const row = rows[0];
  if (!row) return null;
  const entries = json<Row[]>(row.journal_rows ?? []);
  return { c: toCase(row), journal: new Map(entries.map((r) => [String(r.step), toJournalEntry(r)])) };
}

/**
 * The journal's upsert, its values given as SQL expressions (placeholders or literals): a rewrite keeps the
 * attempts counted so far and merges the result.
 */
function journalUpsert(
  caseId: string,
  step: string,
  state: string,
  attempts: string,
  result: string,
  error: string,
  at: string,
): string {
  return `INSERT INTO case_journal (case_id, step, state, attempts, result, error, updated_at)
     VALUES (${caseId}, ${step}, ${state}, ${attempts}, ${result}, ${error}, ${at})
     ${JOURNAL_ON_CONFLICT}`;
}

/** How a journal write meets the step's existing entry. */
const JOURNAL_ON_CONFLICT = `ON CONFLICT (case_id, step) DO UPDATE SET state = EXCLUDED.state,
       attempts = case_journal.attempts + EXCLUDED.attempts,
       result = case_journal.result || EXCLUDED.result,
       error = EXCLUDED.error, updated_at = EXCLUDED.updated_at`;

/**
 * Journals several steps of a case `started` in one statement, as {@link writeJournal} writes each (an
 * attempt counted, the result kept, the error cleared).
 */
export async function writeJournalStarted(
  q: Queryable,
  caseId: string,
  steps: readonly string[],
  now: Date,
): Promise<void> {
  if (steps.length === 0) return;
  await q.query(
    `INSERT INTO case_journal (case_id, step, state, attempts, result, error, updated_at)
     SELECT $1, s.step, 'started', 1, '{}'::jsonb, NULL, $3 FROM unnest($2::text[]) AS s(step)
     ${JOURNAL_ON_CONFLICT}`,
    [caseId, [...steps], now.toISOString()],
  );
}

/** Writes a journal entry's state (and result, which must never hold a secret). */
export async function writeJournal(
  q: Queryable,
  caseId: string,
  step: string,
  state: JournalEntry['state'],
  now: Date,
  extra: { readonly result?: Readonly<Record<string, unknown>>; readonly error?: string | null } = {},
): Promise<void> {
  await q.query(journalUpsert('$1', '$2', '$3', '$4', '$5', '$6', '$7'), [
    caseId,
    step,
    state,
    state === 'started' ? 1 : 0,
    JSON.stringify(extra.result ?? {}),
    extra.error ?? null,
    now.toISOString(),
  ]);
}

/**
 * Journals step `step` done and patches the case, in one statement (one commit: neither lands without the
 * other, and one round trip instead of two).
 */
export async function writeJournalAndPatch(
  q: Queryable,
  caseId: string,
  step: string,
  now: Date,
  input: { readonly result: Readonly<Record<string, unknown>>; readonly patch: CasePatch },
): Promise<void> {
  const params: unknown[] = [caseId, now.toISOString(), step, JSON.stringify(input.result)];
  const sets = patchSets(input.patch, params);
  await q.query(
    `WITH j AS (${journalUpsert('$1', '$3', "'done'", '0', '$4', 'NULL', '$2')} RETURNING 1)
     UPDATE cases SET updated_at = $2${sets} WHERE id = $1`,
    params,
  );
}

/**
 * Journals step `step` of case `caseId` started, in one statement, only while the case is executing.
 * Returns whether it was written (false: the case left `executing`) and the entry as it was before.
 * One round trip instead of three (the entry, the case, the write) before each side effect.
 */
export async function startStep(
  q: Queryable,
  caseId: string,
  step: string,
  now: Date,
): Promise<{ readonly started: boolean; readonly previous: JournalEntry | null }> {
  const rows = await q.query(
    `WITH live AS (SELECT 1 FROM cases WHERE id = $1 AND state = 'executing'),
       prev AS (SELECT state, attempts, result, error, updated_at FROM case_journal
                 WHERE case_id = $1 AND step = $2),
       ins AS (
         INSERT INTO case_journal (case_id, step, state, attempts, result, error, updated_at)
         SELECT $1, $2, 'started', 1, '{}'::jsonb, NULL, $3 WHERE EXISTS (SELECT 1 FROM live)
         ON CONFLICT (case_id, step) DO UPDATE SET state = EXCLUDED.state,
           attempts = case_journal.attempts + EXCLUDED.attempts,
           result = case_journal.result || EXCLUDED.result,
           error = EXCLUDED.error, updated_at = EXCLUDED.updated_at
         RETURNING 1)
     SELECT (SELECT count(*) FROM ins) AS written, prev.*
       FROM (SELECT 1) AS one LEFT JOIN prev ON true`,
    [caseId, step, now.toISOString()],
  );
  const r = rows[0] ?? {};
  const previous = r.state == null ? null : toJournalEntry(r, step);
  return { started: Number(r.written ?? 0) > 0, previous };
}
