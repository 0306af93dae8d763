/**
 * Single-use links bound to a case, an intended person (or an approver role pool) and a purpose.
 * Only the SHA-256 hash of a token is stored.
 * @module
 */

import { createHash, randomBytes } from 'node:crypto';
import { GateError } from '@recovery-gate/core';
import type { Queryable } from '../types.js';
import type { ApproverRole } from './model.js';

/** What a link lets its holder do. */
export type LinkPurpose = 'verify' | 'approve' | 'cancel' | 'reveal';

const PURPOSES: readonly LinkPurpose[] = ['verify', 'approve', 'cancel', 'reveal'];

/** A freshly made link. `token` goes into the URL once; it is not stored. */
export interface CreatedLink {
  readonly token: string;
  readonly url: string;
  readonly expiresAt: string;
}

/** What a consumed link was bound to. */
export interface ConsumedLink {
  readonly caseId: string;
  readonly purpose: LinkPurpose;
  /** The intended person; null for a role-pool link (any qualified member of `role`). */
  readonly personId: string | null;
  readonly role: ApproverRole | null;
  readonly channelId: string | null;
}

/** Options for a link. */
export interface LinkOptions {
  readonly role?: ApproverRole;
  readonly channelId?: string;
}

/** SHA-256 of a link token, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates and stores (hashed) a single-use link; `personId` null makes a role-pool link. */
export async function createLinkRow(
  q: Queryable,
  input: {
    readonly caseId: string;
    readonly personId: string | null;
    readonly purpose: LinkPurpose;
    readonly ttlSeconds: number;
    readonly now: Date;
    readonly baseUrl: string;
  } & LinkOptions,
): Promise<CreatedLink> {
  if (!PURPOSES.includes(input.purpose) || !(input.ttlSeconds > 0)) {
    throw new GateError('ERR_INPUT_INVALID', 'A link needs a known purpose and a positive lifetime.');
  }
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(input.now.getTime() + input.ttlSeconds * 1000).toISOString();
  await q.query(
    `INSERT INTO links (token_hash, case_id, person_id, role, channel_id, purpose, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      hashToken(token),
      input.caseId,
      input.personId,
      input.role ?? null,
      input.channelId ?? null,
      input.purpose,
      expiresAt,
      input.now.toISOString(),
    ],
  );
  const base = input.baseUrl.replace(/\/+$/, '');
  return { token, url: `${base}/${input.purpose}/${token}`, expiresAt };
}

/**
 * Consumes a link once. Every failure (unknown, used, expired, other purpose, other person) is the same
 * ERR_LINK_INVALID, and a failed attempt does not burn the link.
 * @throws GateError ERR_LINK_INVALID
 */
export async function consumeLinkRow(
  q: Queryable,
  token: string,
  purpose: LinkPurpose,
  personId: string,
  now: Date,
): Promise<ConsumedLink> {
  if (typeof token !== 'string' || token.length < 16 || token.length > 128) {
    throw new GateError('ERR_LINK_INVALID');
  }
  return consumeLinkHashRow(q, hashToken(token), purpose, personId, now);
}

/**
 * {@link consumeLinkRow} by the token's hash, for the pages, which keep only the hash of a link opened
 * before sign-in. @throws GateError ERR_LINK_INVALID
 */
export async function consumeLinkHashRow(
  q: Queryable,
  tokenHash: string,
  purpose: LinkPurpose,
  personId: string,
  now: Date,
): Promise<ConsumedLink> {
  const invalid = () => new GateError('ERR_LINK_INVALID');
  if (typeof tokenHash !== 'string' || !/^[0-9a-f]{64}$/.test(tokenHash)) throw invalid();
  const rows = await q.query('SELECT * FROM links WHERE token_hash = $1 FOR UPDATE', [tokenHash]);
  const row = rows[0];
  if (!row || row.purpose !== purpose || row.used_at !== null) throw invalid();
  if (new Date(row.expires_at as string | Date).getTime() <= now.getTime()) throw invalid();
  if (row.person_id !== null && row.person_id !== personId) throw invalid();
  await q.query('UPDATE links SET used_at = $2 WHERE token_hash = $1', [tokenHash, now.toISOString()]);
  return {
    caseId: String(row.case_id),
    purpose,
    personId: (row.person_id as string | null) ?? null,
    role: (row.role as ApproverRole | null) ?? null,
    channelId: (row.channel_id as string | null) ?? null,
  };
}
