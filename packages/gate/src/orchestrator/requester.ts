/**
 * Who raised a request, when the IdP's event did not say: the case waits in `requested` and re-reads the
 * IdP within its documented audit latency, then is decided (an unknown requester is denied).
 * @see https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-reporting-latencies
 * @module
 */

import { type Ctx, errorText } from './context.js';
import type { CaseRecord } from './model.js';
import { patchCase } from './repo.js';

/** How long a case waits for its requester: Entra's audit latency is 2 min at p95, 5 min at p99. */
export const REQUESTER_WAIT_MS = 10 * 60_000;
/** How often the IdP is re-read meanwhile. */
export const REQUESTER_POLL_MS = 20_000;
/** How far before the case opened the request may have been made (a gate that was down reads it late). */
const LOOKBACK_MS = 24 * 60 * 60_000;
/** Clock skew allowed between the IdP's timestamps and the gate's. */
const SKEW_MS = 2 * 60_000;

/** What {@link resolveRequester} found: go on deciding, or come back at `retryAt`. */
export type RequesterOutcome =
  | { readonly decide: true; readonly c: CaseRecord }
  | { readonly decide: false; readonly retryAt: string };

/** The end of the previous case for this subject and action: a request older than that was its, not ours. */
async function previousCaseEnd(ctx: Ctx, c: CaseRecord): Promise<number> {
  const rows = await ctx.deps.store.query(
    `SELECT MAX(COALESCE(completed_at, updated_at)) AS ended FROM cases
      WHERE kind = 'recovery' AND idp = $1 AND subject_id = $2 AND action = $3 AND id <> $4 AND created_at <= $5`,
    [c.idp, c.subjectId, c.action, c.id, c.createdAt],
  );
  const ended = rows[0]?.ended;
  return ended == null ? 0 : new Date(ended as string).getTime();
}

/**
 * For a case opened without a requester, asks the IdP again; records the requester once known. Decides at
 * once when the IdP cannot be asked, or once the documented latency has passed (the decision then denies).
 */
export async function resolveRequester(ctx: Ctx, c: CaseRecord): Promise<RequesterOutcome> {
  const provider = ctx.provider(c.idp);
  if (c.requesterId !== null || !provider.findRequester) return { decide: true, c };
  const now = ctx.now().getTime();
  const opened = Date.parse(c.createdAt);
  try {
    const actor = await provider.findRequester({
      subjectId: c.subjectId,
      action: c.action,
      from: new Date(Math.max(opened - LOOKBACK_MS, await previousCaseEnd(ctx, c))).toISOString(),
      to: new Date(opened + SKEW_MS).toISOString(),
    });
    if (actor?.id) {
      const requesterId = actor.id;
      await ctx.deps.store.transaction(async (tx) => {
        await tx.query('UPDATE cases SET requester_id = $2 WHERE id = $1 AND requester_id IS NULL', [
          c.id,
          requesterId,
        ]);
        await ctx.deps.audit.append(
          { type: 'case.requester_identified', caseId: c.id, actor: requesterId, data: { type: actor.type } },
          tx,
        );
      });
      return { decide: true, c: { ...c, requesterId } };
    }
  } catch (error) {
    ctx.deps.logger.warn('re-reading the requester failed', { caseId: c.id, error: errorText(error) });
  }
  if (now - opened >= REQUESTER_WAIT_MS) {
    await ctx.deps.audit.append({
      type: 'case.requester_unknown',
      caseId: c.id,
      actor: 'gate',
      data: { waitedSeconds: Math.round((now - opened) / 1000) },
    });
    return { decide: true, c };
  }
  const retryAt = new Date(Math.min(now + REQUESTER_POLL_MS, opened + REQUESTER_WAIT_MS)).toISOString();
  await patchCase(ctx.deps.store, c.id, { nextAttemptAt: retryAt }, ctx.now());
  return { decide: false, retryAt };
}
