/**
 * Break-glass access is time-boxed: when a break-glass case's window (counted from the request) ends, the
 * access it granted ends too. The temporary credential is revoked and the subject's sessions and refresh
 * tokens are revoked, once per case (journaled as `window_closed`), audited, and security is told. A failure
 * stays owed and is retried by the next tick. The window end is the one fixed in the case's decision, so a
 * restart under a changed policy (a tier renamed, its window widened) still ends the access on time; cases
 * decided before the decision carried it fall back to their tier's window in the current policy.
 * @module
 */

import { parseDuration } from '@recovery-gate/core';
import { alertSecurity, type Ctx, errorText } from './context.js';
import { revokeIssued } from './effects.js';
import type { CaseRecord } from './model.js';
import { toCase, writeJournal } from './repo.js';

const OPEN_ACCESS = `
  SELECT c.* FROM cases c
   WHERE c.kind = 'recovery' AND c.state = 'completed'
     AND NOT EXISTS (SELECT 1 FROM case_journal j
                      WHERE j.case_id = c.id AND j.step = 'window_closed' AND j.state = 'done')`;

/** Completed cases whose decided window ended at or before $1 and whose access was not yet ended. */
const ENDED = `${OPEN_ACCESS}
     AND (c.decision->'requirements'->>'windowEndsAt')::timestamptz <= $1::timestamptz
   ORDER BY c.created_at LIMIT 100`;

/** Older completed cases of break-glass tier $1 (no decided window end) requested at or before $2. */
const ENDED_BY_TIER = `${OPEN_ACCESS}
     AND c.decision->'requirements'->>'windowEndsAt' IS NULL AND c.tier = $1 AND c.created_at <= $2::timestamptz
   ORDER BY c.created_at LIMIT 100`;

/** Ends the access of every break-glass case whose window is over. */
export async function closeBreakGlassWindows(ctx: Ctx): Promise<void> {
  const now = ctx.now();
  for (const row of await ctx.deps.store.query(ENDED, [now.toISOString()])) {
    const c = toCase(row);
    await endAccess(
      ctx,
      c,
      c.tier ?? 'break-glass',
      c.decision?.requirements.windowEndsAt ?? now.toISOString(),
    );
  }
  const tiers = Object.entries(ctx.deps.policy.tiers).filter(
    ([, t]) => t.authorizers !== undefined && t.window !== undefined,
  );
  for (const [name, tier] of tiers) {
    const windowMs = parseDuration(tier.window as string);
    const before = new Date(now.getTime() - windowMs).toISOString();
    for (const row of await ctx.deps.store.query(ENDED_BY_TIER, [name, before])) {
      const c = toCase(row);
      await endAccess(ctx, c, name, new Date(Date.parse(c.createdAt) + windowMs).toISOString());
    }
  }
}

/** Revokes what one case granted, journals and audits it, and tells security; a failure is retried later. */
async function endAccess(ctx: Ctx, c: CaseRecord, name: string, windowEnded: string): Promise<void> {
  try {
    const provider = ctx.provider(c.idp);
    const grants = provider.capabilities.revoke_grants.supported;
    const revoked = await provider.revokeSessions(c.subjectId, {
      sessions: true,
      refreshTokens: true,
      grants,
    });
    if (!(await revokeIssued(ctx, c))) return; // Alerted; owed to the next tick.
    const result = { revoked: [...revoked.revoked], windowEnded };
    await ctx.deps.store.transaction(async (tx) => {
      await writeJournal(tx, c.id, 'window_closed', 'done', ctx.now(), { result });
      await ctx.deps.audit.append(
        { type: 'break_glass.window_closed', caseId: c.id, actor: 'gate', data: result },
        tx,
      );
    });
    await alertSecurity(
      ctx,
      `${c.id}:window_closed`,
      `Emergency access ended: ${c.subjectLogin ?? c.subjectId}`,
      `The ${name} window of case ${c.id} ended at ${windowEnded}: the temporary credential was revoked and the IdP was told to end sessions and refresh tokens.${revoked.caveats.length > 0 ? ` ${revoked.caveats.join(' ')}` : ''}`,
    );
  } catch (error) {
    ctx.deps.logger.warn('ending break-glass access failed', { caseId: c.id, error: errorText(error) });
  }
}
