/**
 * Reading the audit chain: JSONL export for a SIEM, verification naming the first bad record, and listing.
 * @module
 */

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { type AuditRecord, GENESIS_HASH, hashRecord } from '@recovery-gate/core';
import type { Queryable } from '../types.js';
import { type AuditRow, rowToRecord } from './log.js';

const PAGE = 1000;

async function* pageRows(
  store: Queryable,
  caseId: string | null = null,
  from = 0,
): AsyncGenerator<AuditRow[]> {
  let after = from;
  for (;;) {
    const rows = await store.query<AuditRow>(
      `SELECT * FROM audit_records WHERE seq > $1 AND ($2::text IS NULL OR case_id = $2) ORDER BY seq LIMIT ${PAGE}`,
      [after, caseId],
    );
    if (rows.length === 0) return;
    yield rows;
    after = Number((rows.at(-1) as AuditRow).seq);
  }
}

async function* pages(store: Queryable, caseId: string | null = null): AsyncGenerator<AuditRecord[]> {
  for await (const rows of pageRows(store, caseId)) yield rows.map(rowToRecord);
}

/** True when retention emptied the record's data: its hash can no longer be recomputed, only its links. */
function isPruned(row: AuditRow): boolean {
  return row.pruned_at !== null && row.pruned_at !== undefined;
}

/** Writes every record as one JSON line, in order; returns how many. Honours backpressure. */
export async function exportAudit(store: Queryable, out: Writable): Promise<number> {
  let count = 0;
  for await (const rows of pageRows(store)) {
    for (const row of rows) {
      const record = isPruned(row) ? { ...rowToRecord(row), prunedAt: row.pruned_at } : rowToRecord(row);
      if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
      count += 1;
    }
  }
  return count;
}

/** The result of {@link verifyAudit}. */
export type AuditVerification =
  | { readonly ok: true; readonly count: number; readonly head: AuditAnchor }
  | {
      readonly ok: false;
      readonly count: number;
      readonly firstBadSeq: number;
      readonly reason: 'tampered' | 'missing' | 'reordered';
    };

/** The hash a record should carry, or null when it cannot be computed (corrupt data). */
function rehash(record: AuditRecord): string | null {
  try {
    return hashRecord(record);
  } catch {
    return null;
  }
}

/** A verified point of the chain: the record `seq` was stored with `hash`. */
export interface AuditAnchor {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Verifies the stored chain page by page (hash of each record, link to the previous, no gaps) and against
 * the stored head (catches a truncated tail). Names the first bad record. From an `anchor` (a point verified
 * earlier) it checks that the anchor record is unchanged and verifies only the records after it.
 */
export async function verifyAudit(store: Queryable, anchor?: AuditAnchor): Promise<AuditVerification> {
  let expected = 1;
  let prevHash = GENESIS_HASH;
  if (anchor !== undefined && anchor.seq > 0) {
    const [row] = await store.query<AuditRow>('SELECT * FROM audit_records WHERE seq = $1', [anchor.seq]);
    if (row === undefined)
      return { ok: false, count: anchor.seq - 1, firstBadSeq: anchor.seq, reason: 'missing' };
    // The anchor record itself is re-hashed: its stored hash alone would not show an edit of its content.
    if (row.hash !== anchor.hash || (!isPruned(row) && rehash(rowToRecord(row)) !== anchor.hash))
      return { ok: false, count: anchor.seq - 1, firstBadSeq: anchor.seq, reason: 'tampered' };
    expected = anchor.seq + 1;
    prevHash = anchor.hash;
  }
  // The head first: a record and the head move in one transaction, so records 1..head are all committed,
  // and whatever a running gate appends while this reads lies past the head and is left to the next check.
  const [head] = await store.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_head WHERE id = 1',
  );
  const last = head === undefined ? Number.POSITIVE_INFINITY : Number(head.seq);
  chain: for await (const rows of pageRows(store, null, expected - 1)) {
    for (const row of rows) {
      const record = rowToRecord(row);
      if (record.seq > last) break chain;
      if (record.seq !== expected)
        return { ok: false, count: expected - 1, firstBadSeq: expected, reason: 'missing' };
      if ((!isPruned(row) && rehash(record) !== record.hash) || record.prevHash !== prevHash) {
        return { ok: false, count: expected - 1, firstBadSeq: record.seq, reason: 'tampered' };
      }
      prevHash = record.hash;
      expected += 1;
    }
  }
  const count = expected - 1;
  if (head !== undefined && Number(head.seq) > count)
    return { ok: false, count, firstBadSeq: count + 1, reason: 'missing' };
  if (head !== undefined && Number(head.seq) === count && head.hash !== prevHash) {
    return { ok: false, count, firstBadSeq: count, reason: 'tampered' };
  }
  return { ok: true, count, head: { seq: count, hash: prevHash } };
}

/**
 * A verifier for views that are opened often: the first call verifies the whole chain, later calls only
 * what was appended since the last verified point (and that this point is unchanged). A failure is kept
 * until the process restarts, so a broken chain never reads as intact again.
 */
export function createAuditVerifier(store: Queryable): () => Promise<AuditVerification> {
  let anchor: AuditAnchor | undefined;
  let failed: AuditVerification | undefined;
  return async () => {
    if (failed !== undefined) return failed;
    const result = await verifyAudit(store, anchor);
    if (result.ok) anchor = result.head;
    else failed = result;
    return result;
  };
}

/** Lists records in order, optionally only one case's, for pages and the CLI. */
export async function listAudit(
  store: Queryable,
  options: { readonly caseId?: string; readonly limit?: number } = {},
): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const records of pages(store, options.caseId ?? null)) {
    out.push(...records);
    if (options.limit !== undefined && out.length >= options.limit) return out.slice(0, options.limit);
  }
  return out;
}
