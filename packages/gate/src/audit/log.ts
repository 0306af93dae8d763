/**
 * The audit chain persisted in the store: appends serialised across replicas by locking the chain head row.
 * @module
 */

import {
  type AuditRecord,
  appendRecord,
  type AuditEntry as CoreAuditEntry,
  canonicalJson,
  type JsonValue,
} from '@recovery-gate/core';
import type { AuditEntry, AuditLog, Queryable, Store } from '../types.js';

/** A stored row of `audit_records`. */
export interface AuditRow extends Record<string, unknown> {
  seq: number;
  at: string;
  type: string;
  case_id: string | null;
  actor: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

/** Turns a stored row back into the record the hash covers. */
export function rowToRecord(row: AuditRow): AuditRecord {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    caseId: row.case_id,
    actor: row.actor,
    data: JSON.parse(row.data) as CoreAuditEntry['data'],
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Appends one entry inside `q` (a transaction): lock the head, chain the record, move the head. */
export async function appendInTx(q: Queryable, entry: AuditEntry, now: Date): Promise<AuditRecord> {
  const [head] = await q.query<{ seq: number }>('SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE');
  if (head === undefined) throw new Error('The audit chain head is missing; run the migrations.');
  let prev: AuditRecord | null = null;
  if (head.seq > 0) {
    const [row] = await q.query<AuditRow>('SELECT * FROM audit_records WHERE seq = $1', [head.seq]);
    if (row === undefined)
      throw new Error(`The audit record ${head.seq} named by the chain head is missing.`);
    prev = rowToRecord(row);
  }
  // appendRecord refuses secrets (ERR_AUDIT_SECRET) and non-JSON data before anything is written.
  const record = appendRecord(
    prev,
    {
      type: entry.type,
      caseId: entry.caseId,
      actor: entry.actor,
      data: entry.data as { readonly [k: string]: JsonValue },
    },
    now.toISOString(),
  );
  await q.query(
    `INSERT INTO audit_records (seq, at, type, case_id, actor, data, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      record.seq,
      record.at,
      record.type,
      record.caseId,
      record.actor,
      canonicalJson(record.data),
      record.prevHash,
      record.hash,
    ],
  );
  await q.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [record.seq, record.hash]);
  return record;
}

/** Creates the AuditLog over the store. With `tx`, the record commits or rolls back with the caller's work. */
export function createAuditLog(
  store: Store,
  now: () => Date = () => new Date(),
): AuditLog & {
  appendRecord(entry: AuditEntry, tx?: Queryable): Promise<AuditRecord>;
} {
  const appendOne = (entry: AuditEntry, tx?: Queryable): Promise<AuditRecord> =>
    tx === undefined ? store.transaction((q) => appendInTx(q, entry, now())) : appendInTx(tx, entry, now());
  return {
    async append(entry, tx) {
      await appendOne(entry, tx);
    },
    appendRecord: appendOne,
  };
}
