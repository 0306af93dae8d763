/**
 * Break-glass access is time-boxed: when a break-glass tier's window (counted from the request) ends, the
 * access it granted ends too. The temporary credential is revoked and the subject's sessions and refresh
 * tokens are revoked, once per case (journaled as `window_closed`), audited, and security is told. A failure
 * stays owed and is retried by the next tick.
 * @module
 */

import { parseDuration } from '@recovery-gate/core';
import { alertSecurity, type Ctx, errorText } from './context.js';
import { revokeIssued } from './effects.js';
import { toCase, writeJournal } from './repo.js';

/** Completed break-glass cases of `tier` whose window ended and whose access was not yet ended. */
const ENDED = `
  SELECT c.* FROM cases c
   WHERE c.kind = 'recovery' AND c.tier = $1 AND c.state = 'completed' AND c.created_at <= $2::timestamptz
     AND NOT EXISTS (SELECT 1 FROM case_journal j
                      WHERE j.case_id = c.id AND j.step = 'window_closed' AND j.state = 'done')
   ORDER BY c.created_at LIMIT 100`;

/** Ends the access of every break-glass case whose window is over. */
export async function closeBreakGlassWindows(ctx: Ctx): Promise<void> {
  const tiers = Object.entries(ctx.deps.policy.tiers).filter(
    ([, t]) => t.authorizers !== undefined && t.window !== undefined,
  );
  for (const [name, tier] of tiers) {
    const windowMs = parseDuration(tier.window as string);
    const before = new Date(ctx.now().getTime() - windowMs).toISOString();
    for (const row of await ctx.deps.store.query(ENDED, [name, before])) {
      const c = toCase(row);
      try {
        const provider = ctx.provider(c.idp);
        const grants = provider.capabilities.revoke_grants.supported;
        const revoked = await provider.revokeSessions(c.subjectId, {
          sessions: true,
          refreshTokens: true,
          grants,
        });
        if (!(await revokeIssued(ctx, c))) continue; // Alerted; owed to the next tick.
        const result = {
          revoked: [...revoked.revoked],
          windowEnded: new Date(Date.parse(c.createdAt) + windowMs).toISOString(),
        };
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
          `The ${name} window of case ${c.id} ended at ${result.windowEnded}: the temporary credential was revoked and the IdP was told to end sessions and refresh tokens.${revoked.caveats.length > 0 ? ` ${revoked.caveats.join(' ')}` : ''}`,
        );
      } catch (error) {
        ctx.deps.logger.warn('ending break-glass access failed', { caseId: c.id, error: errorText(error) });
      }
    }
  }
}
