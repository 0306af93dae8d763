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

/** The draft of an entry (seq, previous hash and hash are placeholders until the head is read). */
function draftOf(entry: AuditEntry, now: Date): AuditRecord {
  // appendRecord refuses secrets (ERR_AUDIT_SECRET) and non-JSON data before anything is written.
  return appendRecord(
    null,
    {
      type: entry.type,
      caseId: entry.caseId,
      actor: entry.actor,
      data: entry.data as { readonly [k: string]: JsonValue },
    },
    now.toISOString(),
  );
}

type Appended = { seq: number | string; prev_hash: string; hash: string };

/** A draft's parameters for {@link APPEND_ONE}, and whether its text is ASCII (see {@link appendAlone}). */
function oneParams(draft: AuditRecord): { params: unknown[]; ascii: boolean } {
  const [before, after] = around(draft);
  const data = canonicalJson(draft.data);
  return {
    params: [draft.at, draft.type, draft.caseId, draft.actor, data, before, after],
    ascii: isAscii(before) && isAscii(after),
  };
}

/** True when every character is ASCII (then its UTF-8 bytes are its characters, in any server encoding). */
function isAscii(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') === text.length;
}

/** The record the store appended from `draft`, once its hash is checked against the one verifiers compute. */
function stored(draft: AuditRecord, row: Appended): AuditRecord {
  const record = { ...draft, seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash };
  // The store hashed it: the same hash from the record as verifiers read it, or nothing commits.
  if (hashRecord(record) !== record.hash)
    throw new Error(`The audit record ${record.seq} was stored with a hash that does not verify.`);
  return record;
}

/**
 * Appends one entry inside `q` (a transaction): lock the head, chain the record, move the head, in one
 * round trip while the head is locked (every append, in every replica, waits for this one's commit); one
 * more when that statement waited for another append's commit (see {@link APPEND_ONE}), and the two-statement
 * path, which names what is wrong, when the chain is broken.
 */
export async function appendInTx(q: Queryable, entry: AuditEntry, now: Date): Promise<AuditRecord> {
  const draft = draftOf(entry, now);
  return appendDraftInTx(q, draft, oneParams(draft).params);
}

async function appendDraftInTx(q: Queryable, draft: AuditRecord, params: unknown[]): Promise<AuditRecord> {
  // No row: the head named a record this statement's snapshot does not hold. Either the statement waited
  // for another append's commit (its snapshot predates that record), or the chain is broken. The head is
  // now locked by this transaction, so the same statement again runs without waiting, on a snapshot that
  // holds every committed record: it appends, or the chain really is broken and the two-statement path
  // says how.
  let [row] = await q.query<Appended>(APPEND_ONE, params);
  if (row === undefined) [row] = await q.query<Appended>(APPEND_ONE, params);
  if (row === undefined) return appendAfterWait(q, draft);
  return stored(draft, row);
}

/**
 * Appends one entry outside any caller transaction: {@link APPEND_ONE} alone, which commits by itself
 * (atomic: the record and the head move together or not at all), instead of BEGIN, the statement and
 * COMMIT. Only for a record whose canonical JSON is ASCII: the store's hash of it is then the one
 * verifiers compute whatever the server's encoding, so the check after the commit cannot fail (other
 * records take the transaction, where a failed check rolls back). A statement that inserted nothing
 * (it waited for another append, or the chain is broken) wrote nothing; the transaction path follows.
 */
async function appendAlone(store: Store, entry: AuditEntry, now: Date): Promise<AuditRecord> {
  const draft = draftOf(entry, now);
  const { params, ascii } = oneParams(draft);
  if (ascii) {
    const [row] = await store.query<Appended>(APPEND_ONE, params);
    if (row !== undefined) return stored(draft, row);
  }
  return store.transaction((q) => appendDraftInTx(q, draft, params));
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
 * Appends records `$1..` in order in one statement: lock the head, chain each record onto the one before
 * (the first onto the head's) with the store computing every hash as {@link APPEND_ONE} does, insert them,
 * and move the head to the last. Inserts nothing unless the record the head named is stored with the hash
 * it names (so, like {@link APPEND_ONE}, nothing after waiting for the head lock), and moves the head only
 * when all were inserted. Returns the first record's previous hash and the last record's seq and hash.
 */
const APPEND_CHAIN = `
  WITH RECURSIVE h AS (SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE),
  e AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
      WITH ORDINALITY AS e(at, type, case_id, actor, data, before, after, i)),
  c(i, seq, prev_hash, hash) AS (
    SELECT 0::bigint, h.seq, NULL::text, h.hash FROM h
     WHERE h.seq = 0 OR EXISTS (SELECT 1 FROM audit_records p WHERE p.seq = h.seq AND p.hash = h.hash)
    UNION ALL
    SELECT e.i, c.seq + 1, c.hash,
           encode(sha256(convert_to(e.before || c.hash || '","seq":' || (c.seq + 1)::text || e.after, 'UTF8')), 'hex')
      FROM c JOIN e ON e.i = c.i + 1),
  r AS (
    INSERT INTO audit_records (seq, at, type, case_id, actor, data, prev_hash, hash)
    SELECT c.seq, e.at, e.type, e.case_id, e.actor, e.data, c.prev_hash, c.hash FROM c JOIN e ON e.i = c.i
    RETURNING seq, prev_hash, hash),
  l AS (
    SELECT (array_agg(seq ORDER BY seq DESC))[1] AS seq, (array_agg(hash ORDER BY seq DESC))[1] AS hash,
           (array_agg(prev_hash ORDER BY seq))[1] AS prev_hash, count(*) AS n FROM r)
  UPDATE audit_head SET seq = l.seq, hash = l.hash FROM l WHERE audit_head.id = 1 AND l.n = $8::bigint
  RETURNING l.seq, l.prev_hash, l.hash`;

/** Parameters of {@link APPEND_CHAIN} for `drafts`, and whether all of their text is ASCII. */
function chainParams(drafts: readonly AuditRecord[]): { params: unknown[]; ascii: boolean } {
  const columns: (string | null)[][] = [[], [], [], [], [], [], []];
  const [at, type, caseId, actor, data, befores, afters] = columns as [
    string[],
    string[],
    (string | null)[],
    (string | null)[],
    string[],
    string[],
    string[],
  ];
  let ascii = true;
  for (const draft of drafts) {
    const [before, after] = around(draft);
    ascii &&= isAscii(before) && isAscii(after);
    at.push(draft.at);
    type.push(draft.type);
    caseId.push(draft.caseId);
    actor.push(draft.actor);
    data.push(canonicalJson(draft.data));
    befores.push(before);
    afters.push(after);
  }
  return { params: [...columns, drafts.length], ascii };
}

/**
 * The records the store chained from `drafts` (after the returned first previous hash, up to the returned
 * last seq), once the hashes verifiers compute lead to the last hash the store computed: each hash enters
 * the next record's, so an equal last hash means every one is equal.
 */
function storedChain(drafts: readonly AuditRecord[], row: Appended): AuditRecord[] {
  let prevHash = row.prev_hash;
  let seq = Number(row.seq) - drafts.length;
  const records = drafts.map((draft) => {
    seq += 1;
    const body = { ...draft, seq, prevHash };
    const record = { ...body, hash: hashRecord(body) };
    prevHash = record.hash;
    return record;
  });
  if (prevHash !== row.hash)
    throw new Error(`The audit records up to ${row.seq} were stored with hashes that do not verify.`);
  return records;
}

/**
 * Appends several entries inside `q` (a transaction) as one chain extension, in order, in one statement
 * while the head is locked ({@link APPEND_CHAIN}); the same statement again when it waited for another
 * append's commit, and the two-statement path, which names what is wrong, when the chain is broken.
 * Nothing is written when any entry is refused (a secret, non-JSON data).
 */
export async function appendManyInTx(
  q: Queryable,
  entries: readonly AuditEntry[],
  now: Date,
): Promise<AuditRecord[]> {
  if (entries.length === 0) return [];
  if (entries.length === 1) return [await appendInTx(q, entries[0] as AuditEntry, now)];
  const drafts = entries.map((entry) => draftOf(entry, now));
  return appendDraftsInTx(q, drafts, chainParams(drafts).params);
}

async function appendDraftsInTx(
  q: Queryable,
  drafts: readonly AuditRecord[],
  params: unknown[],
): Promise<AuditRecord[]> {
  let [row] = await q.query<Appended>(APPEND_CHAIN, params);
  if (row === undefined) [row] = await q.query<Appended>(APPEND_CHAIN, params);
  if (row === undefined) return appendManyAfterWait(q, drafts);
  return storedChain(drafts, row);
}

/** The two-statement batch append: read the locked head, chain in memory, insert (see {@link APPEND_CHAIN}). */
async function appendManyAfterWait(q: Queryable, drafts: readonly AuditRecord[]): Promise<AuditRecord[]> {
  const [head] = await q.query<{ seq: number; hash: string }>(LOCK_HEAD);
  if (head === undefined) throw new Error('The audit chain head is missing; run the migrations.');
  const records: AuditRecord[] = [];
  let prev = head.seq > 0 ? ({ seq: Number(head.seq), hash: head.hash } as AuditRecord) : null;
  for (const draft of drafts) {
    const record = appendRecord(prev, draft, draft.at);
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

/** Several entries outside any caller transaction: like {@link appendAlone}, one statement when ASCII. */
async function appendManyAlone(store: Store, entries: readonly AuditEntry[], now: Date): Promise<void> {
  if (entries.length === 0) return;
  if (entries.length === 1) {
    await appendAlone(store, entries[0] as AuditEntry, now);
    return;
  }
  const drafts = entries.map((entry) => draftOf(entry, now));
  const { params, ascii } = chainParams(drafts);
  if (ascii) {
    const [row] = await store.query<Appended>(APPEND_CHAIN, params);
    if (row !== undefined) {
      storedChain(drafts, row);
      return;
    }
  }
  await store.transaction((q) => appendDraftsInTx(q, drafts, params));
}

/**
 * Creates the AuditLog over the store. With `tx`, the record commits or rolls back with the caller's work;
 * without, it is one statement that commits by itself where it can (see {@link appendAlone}).
 */
export function createAuditLog(
  store: Store,
  now: () => Date = () => new Date(),
): AuditLog & {
  appendRecord(entry: AuditEntry, tx?: Queryable): Promise<AuditRecord>;
  appendMany(entries: readonly AuditEntry[], tx?: Queryable): Promise<void>;
} {
  const appendOne = (entry: AuditEntry, tx?: Queryable): Promise<AuditRecord> =>
    tx === undefined ? appendAlone(store, entry, now()) : appendInTx(tx, entry, now());
  return {
    async append(entry, tx) {
      await appendOne(entry, tx);
    },
    appendRecord: appendOne,
    async appendMany(entries, tx) {
      if (tx === undefined) await appendManyAlone(store, entries, now());
      else await appendManyInTx(tx, entries, now());
    },
  };
}
