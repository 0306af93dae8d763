/**
 * Refused link uses leave a trace: an audit record (which link by the first characters of its stored hash,
 * never the token; which case; who was signed in; why), a metric, and an alert to security when one case
 * sees repeated refusals (a replayed approval link, a link tried by someone else).
 * @module
 */

import { hashToken, type LinkPurpose } from '../orchestrator/links.js';
import type { Queryable } from '../types.js';
import type { PagesCtx } from './context.js';

/** Why a link use was refused. */
export type LinkRefusal = 'malformed' | 'unknown' | 'used' | 'expired' | 'wrong_purpose' | 'wrong_person';

/** Refusals on one case within this window that alert security. */
export const REPEATED_REFUSALS = 3;
const WINDOW_MS = 3_600_000;

/** A link's public id: the first 16 hex of the stored SHA-256 (the token cannot be recovered from it). */
export function linkId(token: string): string {
  return hashToken(token).slice(0, 16);
}

/** Why `token` cannot be used for `purpose` by `personId` now, with the case it belongs to. */
export async function whyRefused(
  q: Queryable,
  token: string,
  purpose: LinkPurpose,
  personId: string | null,
  now: Date,
): Promise<{ readonly reason: LinkRefusal; readonly caseId: string | null }> {
  if (typeof token !== 'string' || token.length < 16 || token.length > 128)
    return { reason: 'malformed', caseId: null };
  return whyRefusedHash(q, hashToken(token), purpose, personId, now);
}

/** {@link whyRefused} by the token's hash (the pages keep only the hash of a link opened before sign-in). */
async function whyRefusedHash(
  q: Queryable,
  tokenHash: string,
  purpose: LinkPurpose,
  personId: string | null,
  now: Date,
): Promise<{ readonly reason: LinkRefusal; readonly caseId: string | null }> {
  const rows = await q.query(
    'SELECT case_id, purpose, person_id, expires_at, used_at FROM links WHERE token_hash = $1',
    [tokenHash],
  );
  const row = rows[0];
  if (!row) return { reason: 'unknown', caseId: null };
  const caseId = String(row.case_id);
  if (row.purpose !== purpose) return { reason: 'wrong_purpose', caseId };
  if (row.used_at !== null) return { reason: 'used', caseId };
  if (new Date(row.expires_at as string | Date).getTime() <= now.getTime())
    return { reason: 'expired', caseId };
  if (personId !== null && row.person_id !== null && row.person_id !== personId)
    return { reason: 'wrong_person', caseId };
  // Live and right when looked at again (it raced with its own use): still a refused attempt.
  return { reason: 'used', caseId };
}

/**
 * Records a refused use of `token`. Never throws: a failure to record is logged, and the refusal stands.
 * `reason` overrides what the link row says (e.g. a page refusing someone other than the intended person).
 */
export async function recordRefusal(
  p: PagesCtx,
  token: string,
  purpose: LinkPurpose,
  personId: string | null,
  reason?: LinkRefusal,
): Promise<void> {
  const malformed = typeof token !== 'string' || token.length < 16 || token.length > 128;
  await recordRefusalHash(p, malformed ? null : hashToken(token), purpose, personId, reason);
}

/** {@link recordRefusal} by the token's hash (null: a malformed token). Never throws. */
export async function recordRefusalHash(
  p: PagesCtx,
  tokenHash: string | null,
  purpose: LinkPurpose,
  personId: string | null,
  reason?: LinkRefusal,
): Promise<void> {
  const deps = p.deps();
  try {
    const now = p.now();
    const found =
      tokenHash === null
        ? { reason: 'malformed' as const, caseId: null }
        : await whyRefusedHash(deps.store, tokenHash, purpose, personId, now);
    const why = reason ?? found.reason;
    const link = tokenHash === null ? null : tokenHash.slice(0, 16);
    await deps.audit.append({
      type: 'link.refused',
      caseId: found.caseId,
      actor: personId,
      data: { link, purpose, reason: why, person: personId },
    });
    deps.metrics?.inc('recovery_links_refused_total', { purpose, reason: why });
    if (found.caseId !== null) await alertWhenRepeated(p, found.caseId, now);
  } catch (error) {
    deps.logger.error('recording a refused link use failed', { error: String(error), purpose });
  }
}

async function alertWhenRepeated(p: PagesCtx, caseId: string, now: Date): Promise<void> {
  const deps = p.deps();
  const since = new Date(now.getTime() - WINDOW_MS).toISOString();
  const rows = await deps.store.query(
    "SELECT count(*) AS n FROM audit_records WHERE case_id = $1 AND type = 'link.refused' AND at > $2",
    [caseId, since],
  );
  const count = Number(rows[0]?.n ?? 0);
  // Alert when the count reaches the threshold, not on every refusal after it (a burst is one message).
  if (count !== REPEATED_REFUSALS) return;
  await deps.notifier.send({
    to: { kind: 'security' },
    subject: `Repeated refused link uses on recovery case ${caseId}`,
    text: `${count} uses of links of case ${caseId} were refused in the last hour (used, expired, unknown or someone else's). Someone may be replaying or sharing recovery links; see the audit records of type link.refused.`,
    idempotencyKey: `link-refused:${caseId}:${Math.floor(now.getTime() / WINDOW_MS)}`,
  });
}
