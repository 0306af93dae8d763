/**
 * What a recovery case owes the outside world once it enters a state: the hold notice with its cancel
 * link, revoking a credential a cancelled case issued, clearing the request marker, the status the agent
 * sees in the IdP, the security alert. The transition records the debt in its own transaction
 * (`effects_due_at`); the effects run right after the commit and settle it. A crash in between leaves the
 * debt, and the timer pays it once it falls due, so no notice, revocation or alert is lost. Every effect is
 * idempotent (notifications carry idempotency keys), so paying twice is harmless.
 * @module
 */

import type { CredentialKind } from '@recovery-gate/core';
import { alertSecurity, type Ctx, errorText } from './context.js';
import type { CaseRecord, CaseStateName } from './model.js';
import { sendHoldNotice } from './notices.js';
import { journalEntry, toCase, writeJournal } from './repo.js';
import { writeStatus } from './status.js';

/** States whose entry owes effects (recovery cases only; incidents journal their own steps). */
const OWING: ReadonlySet<CaseStateName> = new Set([
  'verifying',
  'held',
  'denied',
  'failed',
  'cancelled',
  'expired',
]);

/** How long the engine has to pay the debt itself before the timer takes it over. */
export const EFFECTS_GRACE_MS = 30_000;

/** Retry delay after an effect failed (the IdP or a transport was down). */
const EFFECTS_RETRY_MS = 60_000;

/** The `effects_due_at` a transition into `to` records, or undefined when it owes nothing. */
export function effectsDueAt(kind: CaseRecord['kind'], to: CaseStateName, now: Date): string | undefined {
  if (kind !== 'recovery' || !OWING.has(to)) return undefined;
  return new Date(now.getTime() + EFFECTS_GRACE_MS).toISOString();
}

/** Context the engine knows when it pays inline; a later payment by the timer goes without it. */
export interface EffectsHint {
  /** Who cancelled (for the alert's wording). */
  readonly by?: string;
  /** Why a step kept failing (for the failure alert). */
  readonly error?: string;
}

/**
 * Pays what case `caseId` owes for the state it is in now, then settles the debt unless the case moved
 * meanwhile (then the next payment covers the new state). A failed effect keeps the debt, due again later.
 */
export async function settleEffects(ctx: Ctx, caseId: string, hint: EffectsHint = {}): Promise<void> {
  const rows = await ctx.deps.store.query('SELECT * FROM cases WHERE id = $1', [caseId]);
  const row = rows[0];
  if (!row || row.effects_due_at === null || row.effects_due_at === undefined) return;
  const due = row.effects_due_at;
  const ok = await payEffects(ctx, toCase(row), hint);
  const next = ok ? null : new Date(ctx.now().getTime() + EFFECTS_RETRY_MS).toISOString();
  await ctx.deps.store.query(
    'UPDATE cases SET effects_due_at = $2 WHERE id = $1 AND effects_due_at = $3::timestamptz',
    [caseId, next, due instanceof Date ? due.toISOString() : String(due)],
  );
}

/** The timer's share: pays debts left past their grace (a crash, a failed effect). Skips busy cases. */
export async function settleOverdueEffects(ctx: Ctx): Promise<void> {
  const rows = await ctx.deps.store.query(
    'SELECT id FROM cases WHERE effects_due_at <= $1 ORDER BY effects_due_at LIMIT 100',
    [ctx.now().toISOString()],
  );
  for (const { id } of rows) {
    const caseId = String(id);
    try {
      await ctx.deps.store.withLock(`recovery-gate:case:${caseId}`, () => settleEffects(ctx, caseId));
    } catch (error) {
      ctx.deps.logger.warn('paying a case’s effects failed', { caseId, error: errorText(error) });
    }
  }
}

async function payEffects(ctx: Ctx, c: CaseRecord, hint: EffectsHint): Promise<boolean> {
  const who = c.subjectLogin ?? c.subjectId;
  switch (c.state) {
    case 'verifying':
      return writeStatus(ctx, c, 'verifying');
    case 'held': {
      if (c.notBefore === null) return writeStatus(ctx, c, 'held');
      const sent = await sendHoldNotice(ctx, c, c.notBefore);
      return (await writeStatus(ctx, c, `held until ${c.notBefore}`)) && sent;
    }
    case 'denied': {
      // Every effect runs even when one fails (no short-circuit): the failed one stays owed.
      const written = await writeStatus(ctx, c, 'denied');
      return (await alertDenied(ctx, c, who)) && written;
    }
    case 'expired': {
      const cleared = await clearMarker(ctx, c);
      return (await writeStatus(ctx, c, 'expired')) && cleared;
    }
    case 'cancelled':
    case 'failed':
      return endEffects(ctx, c, who, hint);
    default:
      return true;
  }
}

async function alertDenied(ctx: Ctx, c: CaseRecord, who: string): Promise<boolean> {
  const reason = c.reason ?? 'denied';
  // An approver's refusal is their decision on record, not an alarm.
  if (reason.startsWith('denied_by_')) return true;
  if (reason === 'device_challenge_rejected') {
    return alertSecurity(
      ctx,
      `${c.id}:challenge_rejected`,
      `Device challenge rejected: ${who}`,
      `The subject rejected the push for case ${c.id} (${c.action}): the request did not come from them.`,
    );
  }
  return alertSecurity(
    ctx,
    `${c.id}:denied`,
    `Recovery denied: ${who}`,
    `Case ${c.id} (${c.action}) was denied by policy: ${reason}.`,
  );
}

/** Cancelled, or failed (steps kept failing, cancelled mid-execution, credential never collected). */
async function endEffects(ctx: Ctx, c: CaseRecord, who: string, hint: EffectsHint): Promise<boolean> {
  const reason = c.reason ?? c.state;
  const revoked = await revokeIssued(ctx, c);
  const cleared = await clearMarker(ctx, c);
  const cancelled = c.state === 'cancelled' || reason.startsWith('cancelled_during_execution');
  const status = cancelled ? 'cancelled' : reason === 'credential_not_collected' ? 'expired' : 'failed';
  const written = await writeStatus(ctx, c, status);
  let alerted = true;
  if (cancelled) {
    const by = hint.by === undefined ? '' : ` by ${hint.by === c.subjectId ? 'the subject' : hint.by}`;
    alerted = await alertSecurity(
      ctx,
      `${c.id}:cancelled`,
      `Recovery cancelled: ${who}`,
      `Case ${c.id} (${c.action}) was cancelled${by}: ${reason}.`,
    );
  } else if (reason.endsWith('_failed')) {
    const why = hint.error ?? reason;
    alerted = await alertSecurity(
      ctx,
      `${c.id}:failed`,
      `Recovery case failed: ${c.id}`,
      `The ${reason.slice(0, -'_failed'.length)} step kept failing (${why}). The case was stopped; nothing further runs.`,
    );
  }
  return revoked && cleared && written && alerted;
}

async function clearMarker(ctx: Ctx, c: CaseRecord): Promise<boolean> {
  try {
    await ctx.provider(c.idp).clearRequestMarker(c.subjectId, c.action);
    return true;
  } catch (error) {
    ctx.deps.logger.warn('clearing the request marker failed', { caseId: c.id, error: errorText(error) });
    return false;
  }
}

/**
 * Revokes a temporary credential the case issued (or may have issued), auditing the revocation; a
 * failure alerts security and stays owed.
 */
export async function revokeIssued(ctx: Ctx, c: CaseRecord): Promise<boolean> {
  const [issue, revoked] = await Promise.all([
    journalEntry(ctx.deps.store, c.id, 'issue'),
    journalEntry(ctx.deps.store, c.id, 'revoke_credential'),
  ]);
  if (!issue || issue.state === 'pending' || revoked?.state === 'done') return true;
  const id = (issue.result.credentialId as string | null | undefined) ?? null;
  const issuedKind = issue.result.credentialKind as CredentialKind | undefined;
  try {
    const provider = ctx.provider(c.idp);
    const kind = issuedKind ?? provider.settings.credential.native;
    await provider.revokeTemporaryCredential(c.subjectId, { kind, id });
    await ctx.deps.store.transaction(async (tx) => {
      await writeJournal(tx, c.id, 'revoke_credential', 'done', ctx.now(), { result: { credentialId: id } });
      await ctx.deps.audit.append(
        { type: 'step.revoke_credential', caseId: c.id, actor: 'gate', data: { credentialId: id } },
        tx,
      );
    });
    return true;
  } catch (error) {
    await alertSecurity(
      ctx,
      `${c.id}:revoke_failed`,
      'Revoking a temporary credential failed',
      `Case ${c.id}: ${errorText(error)}. The gate retries; revoke it by hand if this repeats.`,
    );
    return false;
  }
}
