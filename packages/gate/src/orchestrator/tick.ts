/**
 * The timer. Its sweeps (poll device challenges, expire cases, links and credentials, close break-glass
 * windows, settle overdue effects) run once across replicas under one store lock: each is one query over
 * deadlines with little work per case, and polling a challenge twice would ask the IdP twice. The cases'
 * own due work (resume steps, release holds that ended) is spread over replicas by the case timers
 * (`timers.ts`), outside that lock.
 * @module
 */

import { pollChallenges } from './challenges.js';
import { type Ctx, transition } from './context.js';
import { revokeIssued, settleEffects, settleOverdueEffects } from './effects.js';
import { toCase, writeJournal } from './repo.js';
import { runCaseTimers } from './timers.js';
import { closeBreakGlassWindows } from './window.js';

/**
 * Expires cases past their deadline: unfinished verification, or a credential never collected (or issued
 * but never confirmed delivered: failing the case revokes it).
 */
async function expireCases(ctx: Ctx): Promise<void> {
  const now = ctx.now().toISOString();
  const rows = await ctx.deps.store.query(
    `SELECT c.* FROM cases c WHERE c.kind = 'recovery' AND c.expires_at <= $1
       AND (c.state IN ('requested', 'verifying', 'held')
         OR (c.state = 'executing' AND NOT EXISTS (
           SELECT 1 FROM case_journal j WHERE j.case_id = c.id AND j.step = 'deliver' AND j.state = 'done')))`,
    [now],
  );
  for (const row of rows) {
    const c = toCase(row);
    const expired = await ctx.deps.store.transaction(async (tx) => {
      const locked = await tx.query('SELECT * FROM cases WHERE id = $1 FOR UPDATE', [c.id]);
      const current = locked[0] ? toCase(locked[0]) : null;
      if (!current || current.state !== c.state) return false;
      if (current.state === 'executing') {
        await transition(ctx, tx, current, 'fail', { actor: 'gate', reason: 'credential_not_collected' });
      } else {
        await transition(ctx, tx, current, 'expire', { actor: 'gate', reason: 'not_satisfied_in_time' });
      }
      return true;
    });
    if (expired) await settleEffects(ctx, c.id);
  }
  await ctx.deps.store.query("DELETE FROM links WHERE expires_at < $1::timestamptz - interval '7 days'", [
    now,
  ]);
}

/**
 * Enforces the lifetime of credentials the IdP does not expire itself (a Keycloak temporary password):
 * once past it, one still unused (the forced update pending) is revoked. A failure alerts and retries.
 */
async function expireCredentials(ctx: Ctx): Promise<void> {
  const rows = await ctx.deps.store.query(
    `SELECT c.* FROM cases c JOIN case_journal j ON j.case_id = c.id AND j.step = 'issue' AND j.state = 'done'
      WHERE j.result->>'credentialKind' = 'keycloak_temporary_password'
        AND (j.result->>'expiresAt')::timestamptz <= $1::timestamptz
        AND NOT EXISTS (SELECT 1 FROM case_journal r
                         WHERE r.case_id = c.id AND r.step = 'revoke_credential' AND r.state = 'done')
      LIMIT 100`,
    [ctx.now().toISOString()],
  );
  for (const row of rows) {
    const c = toCase(row);
    // Used already (the forced password update is done): the password is the subject's own now; keep it.
    const facts = await ctx
      .provider(c.idp)
      .readSubjectFacts(c.subjectId)
      .catch(() => null);
    if (facts === null) continue;
    if (facts.status !== 'password_expired' && facts.status !== 'recovery') {
      await writeJournal(ctx.deps.store, c.id, 'revoke_credential', 'done', ctx.now(), {
        result: { skipped: 'used' },
      });
      continue;
    }
    await revokeIssued(ctx, c);
  }
}

/** One tick of the timer: the sweeps (unless another replica runs them), then this replica's due cases. */
export async function tick(ctx: Ctx): Promise<void> {
  await ctx.deps.store.withLock('recovery-gate:orchestrator:tick', async () => {
    await pollChallenges(ctx);
    await expireCases(ctx);
    await expireCredentials(ctx);
    await closeBreakGlassWindows(ctx);
    await settleOverdueEffects(ctx);
  });
  await runCaseTimers(ctx);
}
