/**
 * Reads a link without consuming it, so the pages can refuse a dead link before anyone signs in and take
 * the token out of the URL at once. Consuming stays with the case engine (`consumeLink`).
 * @module
 */

import { hashToken, type LinkPurpose } from '../orchestrator/links.js';
import type { Queryable } from '../types.js';

/** A live link's binding. */
export interface PeekedLink {
  readonly caseId: string;
  readonly purpose: LinkPurpose;
  readonly personId: string | null;
  readonly role: string | null;
}

/** The link behind `token` if it is live for `purpose` (unused, unexpired), else null. */
export async function peekLink(
  q: Queryable,
  token: string,
  purpose: LinkPurpose,
  now: Date,
): Promise<PeekedLink | null> {
  if (typeof token !== 'string' || token.length < 16 || token.length > 128) return null;
  return peekLinkHash(q, hashToken(token), purpose, now);
}

/** {@link peekLink} by the token's hash (the pages keep only the hash of a link opened before sign-in). */
export async function peekLinkHash(
  q: Queryable,
  tokenHash: string,
  purpose: LinkPurpose,
  now: Date,
): Promise<PeekedLink | null> {
  const rows = await q.query(
    'SELECT case_id, purpose, person_id, role, expires_at, used_at FROM links WHERE token_hash = $1',
    [tokenHash],
  );
  const row = rows[0];
  if (!row || row.purpose !== purpose || row.used_at !== null) return null;
  if (new Date(row.expires_at as string | Date).getTime() <= now.getTime()) return null;
  return {
    caseId: String(row.case_id),
    purpose,
    personId: (row.person_id as string | null) ?? null,
    role: (row.role as string | null) ?? null,
  };
}
