/**
 * Polling device challenges: an approved push becomes evidence; a rejected push denies the case and
 * alerts security (someone else is asking for this account).
 * @module
 */

import type { DeviceChallenge, IdpKind } from '@recovery-gate/core';
import { type Ctx, errorText, transition } from './context.js';
import { settleEffects } from './effects.js';
import { loadCase, patchCase } from './repo.js';

/** Polls every pending challenge once. Returns how many were resolved. */
export async function pollChallenges(ctx: Ctx): Promise<number> {
  const rows = await ctx.deps.store.query(
    "SELECT * FROM challenges WHERE state = 'pending' ORDER BY created_at",
  );
  let resolved = 0;
  for (const row of rows) {
    const challenge = (
      typeof row.challenge === 'string' ? JSON.parse(row.challenge) : row.challenge
    ) as DeviceChallenge;
    const caseId = String(row.case_id);
    let result: Awaited<ReturnType<ReturnType<Ctx['provider']>['pollDeviceChallenge']>>;
    try {
      result = await ctx.provider(row.idp as IdpKind).pollDeviceChallenge(String(row.user_id), challenge);
    } catch (error) {
      ctx.deps.logger.warn('polling a device challenge failed', { caseId, error: errorText(error) });
      continue;
    }
    if (result === 'pending') continue;
    resolved += 1;
    await settle(ctx, String(row.id), caseId, String(row.user_id), challenge, result);
  }
  return resolved;
}

async function settle(
  ctx: Ctx,
  rowId: string,
  caseId: string,
  userId: string,
  challenge: DeviceChallenge,
  result: 'approved' | 'rejected' | 'expired',
): Promise<void> {
  const now = ctx.now();
  const denied = await ctx.deps.store.transaction(async (tx) => {
    await tx.query('UPDATE challenges SET state = $2, updated_at = $3 WHERE id = $1', [
      rowId,
      result,
      now.toISOString(),
    ]);
    const c = await loadCase(tx, caseId, true);
    if (!c || (c.state !== 'verifying' && c.state !== 'requested')) return null;
    if (result === 'expired') return null;
    await tx.query(
      `INSERT INTO case_evidence (case_id, kind, person_id, channel_id, outcome, at, data)
       VALUES ($1, 'device_challenge', $2, NULL, $3, $4, $5)`,
      [
        caseId,
        userId,
        result === 'approved' ? 'passed' : 'failed',
        now.toISOString(),
        JSON.stringify({ authenticatorId: challenge.authenticatorId }),
      ],
    );
    await ctx.deps.audit.append(
      {
        type: 'case.challenge_answered',
        caseId,
        actor: userId,
        data: { result, authenticatorId: challenge.authenticatorId },
      },
      tx,
    );
    await patchCase(tx, caseId, { nextAttemptAt: now.toISOString() }, now);
    if (result === 'rejected') {
      await transition(ctx, tx, c, 'deny', { actor: userId, reason: 'device_challenge_rejected' });
      return c;
    }
    return null;
  });
  if (denied) await settleEffects(ctx, caseId);
}

/** The number a pending push asks the subject to pick, for the subject's eyes only (never in the case view). */
export interface PendingChallenge {
  readonly numberToMatch: number;
  readonly expiresAt: string;
}

/**
 * The subject's pending number-matching push on a case, or null. Only the verification page (and the message
 * to the subject's channels) show the number: anyone else who learned it could talk the subject into approving.
 */
export async function pendingChallenge(
  ctx: Ctx,
  caseId: string,
  subjectId: string,
): Promise<PendingChallenge | null> {
  const rows = await ctx.deps.store.query(
    "SELECT challenge FROM challenges WHERE case_id = $1 AND user_id = $2 AND state = 'pending' ORDER BY created_at DESC LIMIT 1",
    [caseId, subjectId],
  );
  const raw = rows[0]?.challenge;
  if (raw === undefined) return null;
  const challenge = (typeof raw === 'string' ? JSON.parse(raw) : raw) as DeviceChallenge;
  if (challenge.numberToMatch === null || Date.parse(challenge.expiresAt) <= ctx.now().getTime()) return null;
  return { numberToMatch: challenge.numberToMatch, expiresAt: challenge.expiresAt };
}
