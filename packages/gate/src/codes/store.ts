/**
 * The tables of saved recovery codes: one live set per subject (a partial unique index, so two issuances
 * racing cannot leave two live sets), each code's scrypt hash and when it was used, and the attempt
 * counters. Spending a code is one conditional UPDATE only one caller can win.
 * @module
 */

import type { IdpKind } from '@recovery-gate/core';
import type { Migration, Queryable } from '../types.js';

/** The migration of the recovery-code tables. */
export const RECOVERY_CODES_MIGRATION: Migration = {
  id: 'gate_0010_recovery_codes',
  sql: `
    CREATE TABLE recovery_code_sets (
      id TEXT PRIMARY KEY,
      idp TEXT NOT NULL,
      subject_id TEXT NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      reason TEXT NOT NULL,
      case_id TEXT,
      voided_at TIMESTAMPTZ,
      void_reason TEXT
    );
    CREATE UNIQUE INDEX recovery_code_sets_live ON recovery_code_sets (idp, subject_id) WHERE voided_at IS NULL;
    CREATE TABLE recovery_codes (
      set_id TEXT NOT NULL REFERENCES recovery_code_sets (id),
      idx INTEGER NOT NULL,
      hash TEXT NOT NULL,
      used_at TIMESTAMPTZ,
      used_case_id TEXT,
      PRIMARY KEY (set_id, idx)
    );
    CREATE TABLE recovery_code_limits (
      key TEXT PRIMARY KEY,
      count INTEGER NOT NULL,
      window_ends_at TIMESTAMPTZ NOT NULL
    );
  `,
};

/** A live set, without its hashes. */
export interface LiveSet {
  readonly id: string;
  readonly createdAt: string;
  readonly total: number;
  readonly remaining: number;
}

/** The subject's live set, or null. */
export async function liveSet(q: Queryable, idp: IdpKind, subjectId: string): Promise<LiveSet | null> {
  const rows = await q.query<{ id: string; created_at: unknown; total: unknown; remaining: unknown }>(
    `SELECT s.id, s.created_at, COUNT(c.idx) AS total, COUNT(c.idx) FILTER (WHERE c.used_at IS NULL) AS remaining
       FROM recovery_code_sets s JOIN recovery_codes c ON c.set_id = s.id
      WHERE s.idp = $1 AND s.subject_id = $2 AND s.voided_at IS NULL
      GROUP BY s.id, s.created_at`,
    [idp, subjectId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    createdAt: new Date(row.created_at as string).toISOString(),
    total: Number(row.total),
    remaining: Number(row.remaining),
  };
}

/** Voids the live set inside `tx`; its id, or null when there was none. */
export async function voidLive(
  tx: Queryable,
  idp: IdpKind,
  subjectId: string,
  reason: string,
  now: Date,
): Promise<string | null> {
  const rows = await tx.query<{ id: string }>(
    `UPDATE recovery_code_sets SET voided_at = $3, void_reason = $4
      WHERE idp = $1 AND subject_id = $2 AND voided_at IS NULL RETURNING id`,
    [idp, subjectId, now.toISOString(), reason],
  );
  return rows[0]?.id ?? null;
}

/** Inserts a set and its hashes inside `tx`. */
export async function insertSet(
  tx: Queryable,
  set: {
    readonly id: string;
    readonly idp: IdpKind;
    readonly subjectId: string;
    readonly reason: string;
    readonly caseId: string | null;
    readonly hashes: readonly string[];
  },
  now: Date,
): Promise<void> {
  await tx.query(
    'INSERT INTO recovery_code_sets (id, idp, subject_id, created_at, reason, case_id) VALUES ($1, $2, $3, $4, $5, $6)',
    [set.id, set.idp, set.subjectId, now.toISOString(), set.reason, set.caseId],
  );
  for (const [idx, hash] of set.hashes.entries()) {
    await tx.query('INSERT INTO recovery_codes (set_id, idx, hash) VALUES ($1, $2, $3)', [set.id, idx, hash]);
  }
}

/** The unused codes of the live set, with their hashes. */
export async function unusedCodes(
  q: Queryable,
  idp: IdpKind,
  subjectId: string,
): Promise<{ readonly setId: string; readonly idx: number; readonly hash: string }[]> {
  const rows = await q.query<{ set_id: string; idx: unknown; hash: string }>(
    `SELECT c.set_id, c.idx, c.hash FROM recovery_codes c JOIN recovery_code_sets s ON s.id = c.set_id
      WHERE s.idp = $1 AND s.subject_id = $2 AND s.voided_at IS NULL AND c.used_at IS NULL
      ORDER BY c.idx`,
    [idp, subjectId],
  );
  return rows.map((row) => ({ setId: row.set_id, idx: Number(row.idx), hash: row.hash }));
}

/** Spends one code if it is still unused and its set still live; true for the one caller that wins. */
export async function spend(
  q: Queryable,
  setId: string,
  idx: number,
  caseId: string,
  now: Date,
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE recovery_codes SET used_at = $3, used_case_id = $4
      WHERE set_id = $1 AND idx = $2 AND used_at IS NULL
        AND EXISTS (SELECT 1 FROM recovery_code_sets s WHERE s.id = $1 AND s.voided_at IS NULL)
      RETURNING idx`,
    [setId, idx, now.toISOString(), caseId],
  );
  return rows.length === 1;
}
