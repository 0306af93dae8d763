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

async function* pages(store: Queryable, caseId: string | null = null): AsyncGenerator<AuditRecord[]> {
  let after = 0;
  for (;;) {
    const rows = await store.query<AuditRow>(
      `SELECT * FROM audit_records WHERE seq > $1 AND ($2::text IS NULL OR case_id = $2) ORDER BY seq LIMIT ${PAGE}`,
      [after, caseId],
    );
    if (rows.length === 0) return;
    yield rows.map(rowToRecord);
    after = (rows.at(-1) as AuditRow).seq;
  }
}

/** Writes every record as one JSON line, in order; returns how many. Honours backpressure. */
export async function exportAudit(store: Queryable, out: Writable): Promise<number> {
  let count = 0;
  for await (const records of pages(store)) {
    for (const record of records) {
      if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
      count += 1;
    }
  }
  return count;
}

/** The result of {@link verifyAudit}. */
export type AuditVerification =
  | { readonly ok: true; readonly count: number }
  | {
      readonly ok: false;
      readonly count: number;
      readonly firstBadSeq: number;
      readonly reason: 'tampered' | 'missing' | 'reordered';
    };

/**
 * Verifies the stored chain page by page (hash of each record, link to the previous, no gaps) and against
 * the stored head (catches a truncated tail). Names the first bad record.
 */
export async function verifyAudit(store: Queryable): Promise<AuditVerification> {
  let expected = 1;
  let prevHash = GENESIS_HASH;
  for await (const records of pages(store)) {
    for (const record of records) {
      if (record.seq !== expected)
        return { ok: false, count: expected - 1, firstBadSeq: expected, reason: 'missing' };
      let hash: string | null;
      try {
        hash = hashRecord(record);
      } catch {
        hash = null;
      }
      if (hash !== record.hash || record.prevHash !== prevHash) {
        return { ok: false, count: expected - 1, firstBadSeq: record.seq, reason: 'tampered' };
      }
      prevHash = record.hash;
      expected += 1;
    }
  }
  const [head] = await store.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_head WHERE id = 1',
  );
  const count = expected - 1;
  if (head !== undefined && head.seq > count)
    return { ok: false, count, firstBadSeq: count + 1, reason: 'missing' };
  if (head !== undefined && head.seq === count && head.hash !== prevHash) {
    return { ok: false, count, firstBadSeq: count, reason: 'tampered' };
  }
  return { ok: true, count };
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
