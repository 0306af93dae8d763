/**
 * The audit chain: append-only records, each carrying the SHA-256 of canonical JSON over itself and
 * the previous record's hash. Secrets never enter a record.
 * @module
 */

import { createHash } from 'node:crypto';
import { canonicalJson, type JsonValue } from './canonical-json.js';
import { GateError } from './errors.js';
import { findSecret } from './secret-rule.js';

/** The `prevHash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a caller appends: the event, the case it concerns, who caused it, and safe data. */
export interface AuditEntry {
  /** The event type, e.g. `case.requested`, `case.transition`, `bypass.detected`. */
  readonly type: string;
  readonly caseId: string | null;
  /** Who caused it (an IdP user id, or `gate` for the gate itself); null when unknown. */
  readonly actor: string | null;
  readonly data: { readonly [key: string]: JsonValue };
}

/** A record in the chain. */
export interface AuditRecord extends AuditEntry {
  /** 1 for the first record, then +1. */
  readonly seq: number;
  /** When it was appended (ISO-8601 UTC). */
  readonly at: string;
  readonly prevHash: string;
  /** SHA-256 (hex) of the canonical JSON of this record without `hash`. */
  readonly hash: string;
}

/** The result of {@link verifyChain}. */
export type ChainVerification =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly firstBadSeq: number;
      readonly reason: 'tampered' | 'missing' | 'reordered';
    };

/** The SHA-256 (hex) of a record without its `hash`. */
export function hashRecord(record: Omit<AuditRecord, 'hash'>): string {
  const { seq, at, type, caseId, actor, data, prevHash } = record;
  return createHash('sha256')
    .update(canonicalJson({ seq, at, type, caseId, actor, data, prevHash }))
    .digest('hex');
}

/**
 * Appends an entry after `prev` (null for the first record) and returns the new record.
 * @throws GateError `ERR_AUDIT_SECRET` when the data holds a secret value (see {@link findSecret});
 *   `ERR_INPUT_INVALID` when `now` is not an ISO-8601 time or the data is not JSON.
 */
export function appendRecord(prev: AuditRecord | null, entry: AuditEntry, now: string): AuditRecord {
  if (Number.isNaN(Date.parse(now)))
    throw new GateError('ERR_INPUT_INVALID', '`now` is not a valid ISO-8601 time.');
  const secretAt = findSecret(entry.data, 'data');
  if (secretAt !== null) {
    // The path names where, never what.
    throw new GateError('ERR_AUDIT_SECRET', `A secret was about to enter the audit chain at ${secretAt}.`, {
      details: { path: secretAt, type: entry.type },
    });
  }
  const data = JSON.parse(canonicalJson(entry.data)) as AuditEntry['data'];
  const body = {
    seq: prev === null ? 1 : prev.seq + 1,
    at: now,
    type: entry.type,
    caseId: entry.caseId,
    actor: entry.actor,
    data,
    prevHash: prev === null ? GENESIS_HASH : prev.hash,
  };
  return { ...body, hash: hashRecord(body) };
}

function recomputes(record: AuditRecord): boolean {
  try {
    return hashRecord(record) === record.hash;
  } catch {
    return false;
  }
}

/**
 * Verifies a whole chain from its first record, optionally against a known head (catches truncation).
 * Names the first record that is tampered with, missing or out of order.
 */
export function verifyChain(
  records: readonly AuditRecord[],
  options: { readonly head?: { readonly seq: number; readonly hash: string } } = {},
): ChainVerification {
  for (let i = 0; i < records.length; i += 1) {
    const record = records[i] as AuditRecord;
    const expected = i + 1;
    if (record.seq !== expected) {
      const later = records.some((other) => other.seq === expected);
      return { ok: false, firstBadSeq: expected, reason: later ? 'reordered' : 'missing' };
    }
    const prevHash = i === 0 ? GENESIS_HASH : (records[i - 1] as AuditRecord).hash;
    if (!recomputes(record) || record.prevHash !== prevHash) {
      return { ok: false, firstBadSeq: record.seq, reason: 'tampered' };
    }
  }
  const head = options.head;
  if (head !== undefined) {
    const last = records[records.length - 1];
    if (last === undefined || last.seq < head.seq) {
      return { ok: false, firstBadSeq: (last?.seq ?? 0) + 1, reason: 'missing' };
    }
    const atHead = records[head.seq - 1];
    if (atHead === undefined || atHead.hash !== head.hash)
      return { ok: false, firstBadSeq: head.seq, reason: 'tampered' };
  }
  return { ok: true };
}
