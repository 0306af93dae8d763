/**
 * The audit chain persisted in the store: appends serialised across replicas by locking the chain head row.
 * @module
 */

import {
  type AuditRecord,
  appendRecord,
  type AuditEntry as CoreAuditEntry,
  canonicalJson,
  hashRecord,
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
  /** Set when retention emptied the record's data and actor (the hash and links stay). */
  pruned_at?: string | null;
}

/** Turns a stored row back into the record the hash covers. */
export function rowToRecord(row: AuditRow): AuditRecord {
  return {
    seq: Number(row.seq),
    at: row.at,
    type: row.type,
    caseId: row.case_id,
    actor: row.actor,
    data: JSON.parse(row.data) as CoreAuditEntry['data'],
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Locks the chain head (seq and hash of the newest record): the row stays locked until the caller's
 * transaction ends, so appends are serialised across replicas. (The previous record is not joined in here:
 * a statement that waited for the lock re-reads the head row but not a join's other rows.)
 */
const LOCK_HEAD = 'SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE';

/**
 * Inserts the record and moves the head to it, in one statement; inserts nothing (and returns no row) unless
 * the record the head named is stored with the hash the new record chains to.
 */
const INSERT_AND_MOVE = `
  WITH r AS (
    INSERT INTO audit_records (seq, at, type, case_id, actor, data, prev_hash, hash)
    SELECT $1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text
     WHERE $1::bigint = 1
        OR EXISTS (SELECT 1 FROM audit_records p WHERE p.seq = $1::bigint - 1 AND p.hash = $7::text)
    RETURNING seq, hash)
  UPDATE audit_head SET seq = r.seq, hash = r.hash FROM r WHERE audit_head.id = 1 RETURNING audit_head.seq`;

/**
 * The usual append in one statement: lock the head, insert the record chained to it, move the head. The
 * hash is computed by the store (SHA-256 of the canonical JSON, whose only unknown parts are the previous
 * hash and the seq: `$6 || prev hash || '","seq":' || seq || $7`). It inserts nothing when the record the
 * head names is not stored with that hash, which includes the case where this statement waited for the
 * head lock: the head row is then re-read, but the check of the previous record uses the snapshot taken
 * before the wait and does not see it. {@link appendInTx} then runs it once more (the head is then its own).
 */
const APPEND_ONE = `
  WITH h AS (SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE),
  r AS (
    INSERT INTO audit_records (seq, at, type, case_id, actor, data, prev_hash, hash)
    SELECT h.seq + 1, $1::text, $2::text, $3::text, $4::text, $5::text, h.hash,
           encode(sha256(convert_to($6::text || h.hash || '","seq":' || (h.seq + 1)::text || $7::text, 'UTF8')), 'hex')
      FROM h
     WHERE h.seq = 0 OR EXISTS (SELECT 1 FROM audit_records p WHERE p.seq = h.seq AND p.hash = h.hash)
    RETURNING seq, prev_hash, hash)
  UPDATE audit_head SET seq = r.seq, hash = r.hash FROM r WHERE audit_head.id = 1
  RETURNING r.seq, r.prev_hash, r.hash`;

/** Where the previous hash and the seq go in a record's canonical JSON (keys sort `prevHash`, `seq`, `type`). */
const SLOT = '"prevHash":"","seq":0';

/**
 * The record's canonical JSON around its previous hash and seq. The slot is the last match: only `type`, a
 * string (whose quotes are escaped), follows it, while `data` before it may hold the same text.
 */
function around(record: AuditRecord): [string, string] {
  const { at, type, caseId, actor, data } = record;
  const text = canonicalJson({ seq: 0, at, type, caseId, actor, data, prevHash: '' });
  const cut = text.lastIndexOf(SLOT);
  return [`${text.slice(0, cut)}"prevHash":"`, text.slice(cut + SLOT.length)];
}

/**
 * Appends one entry inside `q` (a transaction): lock the head, chain the record, move the head, in one
 * round trip while the head is locked (every append, in every replica, waits for this one's commit); one
 * more when that statement waited for another append's commit (see {@link APPEND_ONE}), and the two-statement
 * path, which names what is wrong, when the chain is broken.
 */
export async function appendInTx(q: Queryable, entry: AuditEntry, now: Date): Promise<AuditRecord> {
  // appendRecord refuses secrets (ERR_AUDIT_SECRET) and non-JSON data before anything is written; its seq,
  // previous hash and hash are placeholders until the head is read.
  const draft = appendRecord(
    null,
    {
      type: entry.type,
      caseId: entry.caseId,
      actor: entry.actor,
      data: entry.data as { readonly [k: string]: JsonValue },
    },
    now.toISOString(),
  );
  const [before, after] = around(draft);
  const params = [draft.at, draft.type, draft.caseId, draft.actor, canonicalJson(draft.data), before, after];
  type Appended = { seq: number | string; prev_hash: string; hash: string };
  // No row: the head named a record this statement's snapshot does not hold. Either the statement waited
  // for another append's commit (its snapshot predates that record), or the chain is broken. The head is
  // now locked by this transaction, so the same statement again runs without waiting, on a snapshot that
  // holds every committed record: it appends, or the chain really is broken and the two-statement path
  // says how.
  let [row] = await q.query<Appended>(APPEND_ONE, params);
  if (row === undefined) [row] = await q.query<Appended>(APPEND_ONE, params);
  if (row === undefined) return appendAfterWait(q, draft);
  const record = { ...draft, seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash };
  // The store hashed it: the same hash from the record as verifiers read it, or nothing commits.
  if (hashRecord(record) !== record.hash)
    throw new Error(`The audit record ${record.seq} was stored with a hash that does not verify.`);
  return record;
}

/** The two-statement append: read the locked head, chain in memory, insert (see {@link APPEND_ONE}). */
async function appendAfterWait(q: Queryable, draft: AuditRecord): Promise<AuditRecord> {
  const [head] = await q.query<{ seq: number; hash: string }>(LOCK_HEAD);
  if (head === undefined) throw new Error('The audit chain head is missing; run the migrations.');
  // Only the previous record's seq and hash enter the new one (all `appendRecord` reads of it).
  const prev = head.seq > 0 ? ({ seq: Number(head.seq), hash: head.hash } as AuditRecord) : null;
  const record = appendRecord(prev, draft, draft.at);
  const moved = await q.query(INSERT_AND_MOVE, [
    record.seq,
    record.at,
    record.type,
    record.caseId,
    record.actor,
    canonicalJson(record.data),
    record.prevHash,
    record.hash,
  ]);
  if (moved.length !== 1)
    throw new Error(`The audit record ${head.seq} named by the chain head is missing or altered.`);
  return record;
}

/**
 * Inserts records `first..last` (already chained in memory) and moves the head to the last, in one statement;
 * inserts nothing unless the record the head named is stored with the hash the first record chains to.
 */
const INSERT_MANY_AND_MOVE = `
  WITH r AS (
    INSERT INTO audit_records (seq, at, type, case_id, actor, data, prev_hash, hash)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
     WHERE $9::bigint = 1
        OR EXISTS (SELECT 1 FROM audit_records p WHERE p.seq = $9::bigint - 1 AND p.hash = $10::text)
    RETURNING seq, hash)
  UPDATE audit_head SET seq = $11::bigint, hash = $12::text
   WHERE audit_head.id = 1 AND (SELECT count(*) FROM r) = $13::bigint RETURNING audit_head.seq`;

/**
 * Appends several entries inside `q` (a transaction) as one chain extension: one head lock and one insert for
 * all of them, in order. Nothing is written when any entry is refused (a secret, non-JSON data).
 */
export async function appendManyInTx(
  q: Queryable,
  entries: readonly AuditEntry[],
  now: Date,
): Promise<AuditRecord[]> {
  if (entries.length === 0) return [];
  if (entries.length === 1) return [await appendInTx(q, entries[0] as AuditEntry, now)];
  const [head] = await q.query<{ seq: number; hash: string }>(LOCK_HEAD);
  if (head === undefined) throw new Error('The audit chain head is missing; run the migrations.');
  const at = now.toISOString();
  const records: AuditRecord[] = [];
  let prev = head.seq > 0 ? ({ seq: Number(head.seq), hash: head.hash } as AuditRecord) : null;
  for (const entry of entries) {
    const record = appendRecord(
      prev,
      {
        type: entry.type,
        caseId: entry.caseId,
        actor: entry.actor,
        data: entry.data as { readonly [k: string]: JsonValue },
      },
      at,
    );
    records.push(record);
    prev = record;
  }
  const first = records[0] as AuditRecord;
  const last = records[records.length - 1] as AuditRecord;
  const moved = await q.query(INSERT_MANY_AND_MOVE, [
    records.map((r) => r.seq),
    records.map((r) => r.at),
    records.map((r) => r.type),
    records.map((r) => r.caseId),
    records.map((r) => r.actor),
    records.map((r) => canonicalJson(r.data)),
    records.map((r) => r.prevHash),
    records.map((r) => r.hash),
    first.seq,
    first.prevHash,
    last.seq,
    last.hash,
    records.length,
  ]);
  if (moved.length !== 1)
    throw new Error(`The audit record ${head.seq} named by the chain head is missing or altered.`);
  return records;
}

/** Creates the AuditLog over the store. With `tx`, the record commits or rolls back with the caller's work. */
export function createAuditLog(
  store: Store,
  now: () => Date = () => new Date(),
): AuditLog & {
  appendRecord(entry: AuditEntry, tx?: Queryable): Promise<AuditRecord>;
  appendMany(entries: readonly AuditEntry[], tx?: Queryable): Promise<void>;
} {
  const appendOne = (entry: AuditEntry, tx?: Queryable): Promise<AuditRecord> =>
    tx === undefined ? store.transaction((q) => appendInTx(q, entry, now())) : appendInTx(tx, entry, now());
  return {
    async append(entry, tx) {
      await appendOne(entry, tx);
    },
    appendRecord: appendOne,
    async appendMany(entries, tx) {
      if (tx === undefined) await store.transaction((q) => appendManyInTx(q, entries, now()));
      else await appendManyInTx(tx, entries, now());
    },
  };
}
