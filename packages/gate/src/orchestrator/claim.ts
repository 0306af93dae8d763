/**
 * The subject collects the temporary credential (gate delivery: Okta TAC, Entra TAP). It is issued at
 * claim time and returned once; only its id and expiry are journaled. A lost earlier issue is revoked first.
 * Delivery is journaled apart from the issue: a page confirms it once its answer is sent. A claim whose
 * answer never left (the replica died in between) leaves an issued credential nobody saw; collecting again
 * revokes that orphan and issues a fresh one, so exactly one credential lives and the subject has it.
 * @module
 */

import { GateError, type Secret } from '@recovery-gate/core';
import type { Queryable } from '../types.js';
import { advance } from './advance.js';
import { type Ctx, errorText } from './context.js';
import type { CaseRecord, JournalEntry } from './model.js';
import { credentialFacts, deliveryOf, issueCredential } from './plan.js';
import { loadCaseWithJournal, patchCase, writeJournal } from './repo.js';

/** What the subject's one claim returns. */
export interface ClaimedCredential {
  readonly caseId: string;
  readonly kind: string;
  /** Shown once on the page; never stored, logged or audited. */
  readonly secret: Secret;
  readonly expiresAt: string;
  /** The IdP's id of the credential (what {@link confirmDelivery} names); null when the IdP gives none. */
  readonly credentialId: string | null;
}

/** How a claim is confirmed delivered. */
export interface ClaimOptions {
  /**
   * `now`: the claim journals the delivery and runs the rest of the plan before it returns (a caller that
   * hands the credential over in-process). `caller`: the caller confirms with {@link confirmDelivery} once
   * the credential has left (a page, after its answer is sent); the plan waits until then. @default 'now'
   */
  readonly confirm?: 'now' | 'caller';
}

/** The case, if its credential can be collected now, with its issue entry (an earlier, lost issue). */
async function claimable(
  ctx: Ctx,
  caseId: string,
  subjectPersonId: string,
): Promise<{ readonly c: CaseRecord; readonly prev: JournalEntry | undefined }> {
  // The case and its plan's journal in one statement: the claim is on the subject's critical path.
  const read = await loadCaseWithJournal(ctx.deps.store, caseId, ['revoke', 'reset', 'issue', 'deliver']);
  if (!read) throw new GateError('ERR_CASE_NOT_FOUND', undefined, { details: { caseId } });
  const { c, journal } = read;
  // The same error whatever is wrong: the page says "nothing to collect".
  const gone = () =>
    new GateError('ERR_LINK_INVALID', 'There is no credential to collect.', { details: { caseId } });
  if (
    c.subjectId !== subjectPersonId ||
    c.state !== 'executing' ||
    deliveryOf(c, ctx.provider(c.idp).settings) !== 'gate'
  )
    throw gone();
  const [revoke, reset, deliver] = ['revoke', 'reset', 'deliver'].map((s) => journal.get(s));
  // Issued but never confirmed delivered: an orphan, collected again below (revoked, then a fresh one).
  if (revoke?.state !== 'done' || reset?.state !== 'done' || deliver?.state === 'done') throw gone();
  // A case past its expiry issues nothing, even before the timer has moved it to expired.
  if (c.expiresAt !== null && Date.parse(c.expiresAt) <= ctx.now().getTime()) throw gone();
  // Break-glass access is time-boxed: nothing is issued once its window has ended.
  const windowEndsAt = c.decision?.requirements.windowEndsAt ?? null;
  if (windowEndsAt !== null && Date.parse(windowEndsAt) <= ctx.now().getTime()) throw gone();
  return { c, prev: journal.get('issue') };
}

/**
 * Issues the credential to the verified subject and returns it once.
 * @throws GateError ERR_LINK_INVALID (nothing to collect), ERR_IDP_* (retry later)
 */
export async function claimCredential(
  ctx: Ctx,
  caseId: string,
  subjectPersonId: string,
  options: ClaimOptions = {},
): Promise<ClaimedCredential> {
  const confirmNow = (options.confirm ?? 'now') === 'now';
  const claimed = await ctx.deps.store.withLock(`recovery-gate:case:${caseId}`, async () => {
    const { c, prev } = await claimable(ctx, caseId, subjectPersonId);
    const orphan = prev?.state === 'done';
    const previous = {
      started: prev?.state === 'started' || orphan,
      id: (prev?.result.credentialId as string | null | undefined) ?? null,
    };
    if (orphan) ctx.deps.logger.warn('revoking a credential issued but never delivered', { caseId });
    await writeJournal(ctx.deps.store, c.id, 'issue', 'started', ctx.now());
    let issued: Awaited<ReturnType<typeof issueCredential>>;
    try {
      issued = await issueCredential(ctx, c, previous, null);
    } catch (error) {
      ctx.deps.logger.warn('issuing the temporary credential failed', { caseId, error: errorText(error) });
      // A typed IdP failure: nothing was issued, but keep `started` when a lost one may still be live.
      if (!previous.started && previous.id === null) {
        await writeJournal(ctx.deps.store, c.id, 'issue', 'pending', ctx.now(), { error: errorText(error) });
      }
      throw error;
    }
    ctx.options.onSideEffect?.(c.id, 'issue');
    if (!issued.secret) throw new GateError('ERR_IDP_RESPONSE_INVALID', 'The IdP returned no credential.');
    const now = ctx.now();
    await ctx.deps.store.transaction(async (tx) => {
      const facts = { ...credentialFacts(issued), ...(orphan ? { replacedOrphan: previous.id } : {}) };
      await writeJournal(tx, c.id, 'issue', 'done', now, { result: facts, error: null });
      await ctx.deps.audit.append({ type: 'step.issue', caseId: c.id, actor: 'gate', data: facts }, tx);
      if (confirmNow) await journalDelivered(ctx, tx, c.id, subjectPersonId, now);
    });
    return {
      caseId: c.id,
      kind: issued.kind,
      secret: issued.secret,
      expiresAt: issued.expiresAt,
      credentialId: issued.id,
    };
  });
  if (!claimed.ran) throw new GateError('ERR_IDP_CONFLICT', 'The case is busy; try again in a moment.');
  if (confirmNow) await advance(ctx, caseId);
  return claimed.value;
}

/** Journals the credential delivered to the subject and makes the rest of the plan due now. */
async function journalDelivered(
  ctx: Ctx,
  tx: Queryable,
  caseId: string,
  subjectPersonId: string,
  now: Date,
): Promise<void> {
  await writeJournal(tx, caseId, 'deliver', 'done', now, { result: { delivery: 'gate', to: 'subject' } });
  await ctx.deps.audit.append(
    { type: 'step.deliver', caseId, actor: subjectPersonId, data: { delivery: 'gate' } },
    tx,
  );
  // The rest of the plan (notify, clear, status) is due now: if the process dies before the advance that
  // follows finishes, the timer resumes it instead of leaving the case executing forever.
  await patchCase(tx, caseId, { nextAttemptAt: now.toISOString() }, now);
}

/**
 * Confirms that the credential of a `caller`-confirmed claim reached the subject, then runs the rest of the
 * plan. False when it is no longer the case's credential (collected again meanwhile) or already confirmed.
 */
export async function confirmDelivery(
  ctx: Ctx,
  caseId: string,
  subjectPersonId: string,
  credentialId: string | null,
): Promise<boolean> {
  const confirmed = await ctx.deps.store.transaction(async (tx) => {
    const rows = await tx.query<{ step: string; state: string; result: Record<string, unknown> }>(
      `SELECT step, state, result FROM case_journal WHERE case_id = $1 AND step IN ('issue', 'deliver')
        ORDER BY step FOR UPDATE`,
      [caseId],
    );
    const issue = rows.find((r) => r.step === 'issue');
    const deliver = rows.find((r) => r.step === 'deliver');
    if (issue?.state !== 'done' || deliver?.state === 'done') return false;
    if ((issue.result.credentialId ?? null) !== credentialId) return false;
    await journalDelivered(ctx, tx, caseId, subjectPersonId, ctx.now());
    return true;
  });
  if (confirmed) await advance(ctx, caseId);
  return confirmed;
}
