/**
 * The subject collects the temporary credential (gate delivery: Okta TAC, Entra TAP). It is issued at
 * claim time and returned once; only its id and expiry are journaled. A lost earlier issue is revoked first.
 * @module
 */

import { GateError, type Secret } from '@recovery-gate/core';
import { advance } from './advance.js';
import { type Ctx, errorText } from './context.js';
import type { CaseRecord } from './model.js';
import { credentialFacts, deliveryOf, issueCredential } from './plan.js';
import { journalEntry, loadCase, patchCase, writeJournal } from './repo.js';

/** What the subject's one claim returns. */
export interface ClaimedCredential {
  readonly caseId: string;
  readonly kind: string;
  /** Shown once on the page; never stored, logged or audited. */
  readonly secret: Secret;
  readonly expiresAt: string;
}

async function claimable(ctx: Ctx, caseId: string, subjectPersonId: string): Promise<CaseRecord> {
  const c = await loadCase(ctx.deps.store, caseId);
  if (!c) throw new GateError('ERR_CASE_NOT_FOUND', undefined, { details: { caseId } });
  // The same error whatever is wrong: the page says "nothing to collect".
  const gone = () =>
    new GateError('ERR_LINK_INVALID', 'There is no credential to collect.', { details: { caseId } });
  if (
    c.subjectId !== subjectPersonId ||
    c.state !== 'executing' ||
    deliveryOf(c, ctx.provider(c.idp).settings) !== 'gate'
  )
    throw gone();
  const [revoke, reset, issue] = await Promise.all(
    ['revoke', 'reset', 'issue'].map((s) => journalEntry(ctx.deps.store, c.id, s)),
  );
  if (revoke?.state !== 'done' || reset?.state !== 'done' || issue?.state === 'done') throw gone();
  if (c.expiresAt !== null && Date.parse(c.expiresAt) <= ctx.now().getTime()) throw gone();
  return c;
}

/**
 * Issues the credential to the verified subject and returns it once.
 * @throws GateError ERR_LINK_INVALID (nothing to collect), ERR_IDP_* (retry later)
 */
export async function claimCredential(
  ctx: Ctx,
  caseId: string,
  subjectPersonId: string,
): Promise<ClaimedCredential> {
  const claimed = await ctx.deps.store.withLock(`recovery-gate:case:${caseId}`, async () => {
    const c = await claimable(ctx, caseId, subjectPersonId);
    const prev = await journalEntry(ctx.deps.store, c.id, 'issue');
    const previous = {
      started: prev?.state === 'started',
      id: (prev?.result.credentialId as string | null | undefined) ?? null,
    };
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
      await writeJournal(tx, c.id, 'issue', 'done', now, { result: credentialFacts(issued), error: null });
      await writeJournal(tx, c.id, 'deliver', 'done', now, { result: { delivery: 'gate', to: 'subject' } });
      await ctx.deps.audit.append(
        { type: 'step.issue', caseId: c.id, actor: 'gate', data: credentialFacts(issued) },
        tx,
      );
      await ctx.deps.audit.append(
        { type: 'step.deliver', caseId: c.id, actor: subjectPersonId, data: { delivery: 'gate' } },
        tx,
      );
      // The rest of the plan (notify, clear, status) is due now: if the process dies before the advance
      // below finishes, the timer resumes it instead of leaving the case executing forever.
      await patchCase(tx, c.id, { nextAttemptAt: now.toISOString() }, now);
    });
    return { caseId: c.id, kind: issued.kind, secret: issued.secret, expiresAt: issued.expiresAt };
  });
  if (!claimed.ran) throw new GateError('ERR_IDP_CONFLICT', 'The case is busy; try again in a moment.');
  await advance(ctx, caseId);
  return claimed.value;
}
