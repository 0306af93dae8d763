/**
 * Runs the journaled execution plan of a case. Each step is marked started before its side effect and
 * done after it, each in its own transaction; a crash resumes at the first step not done.
 * @module
 */

import { GateError, isGateError } from '@recovery-gate/core';
import { retryLater } from './advance.js';
import { alertSecurity, type Ctx, transition } from './context.js';
import { remediationStep } from './incident.js';
import type { CaseRecord, EvidenceRecord, JournalEntry } from './model.js';
import { sendDoneNotice, sendReadyNotice } from './notices.js';
import {
  credentialFacts,
  deliveryEmail,
  deliveryOf,
  doReset,
  doRevoke,
  issueCredential,
  RECOVERY_PLAN,
  requirementsOf,
  verifiedChannels,
} from './plan.js';
import {
  journalEntry,
  loadEvidence,
  loadJournal,
  patchCase,
  startStep,
  writeJournal,
  writeJournalAndPatch,
} from './repo.js';
import { awaitingReview, incidentPlan, isRepudiation, repudiationStep } from './repudiate.js';

/** A step journaled `started` by the commit that closed the step before it (or moved the case to executing). */
export interface Begun {
  readonly step: string;
  /** Its journal entry before that write (what `effect` gets). */
  readonly previous: JournalEntry | null;
}

/**
 * Runs `effect` as journal step `step` of case `c`: `started` is durable before the effect (written in the
 * same statement that checks the case is still executing), `done` with its audit record after it. With
 * `next`, the next step's `started` commits with this step's `done` (one commit between two side effects
 * instead of two, and still durable before the next effect); the next call gets it back as `begun`.
 */
export async function runStep(
  ctx: Ctx,
  c: CaseRecord,
  step: string,
  effect: (entry: JournalEntry | null) => Promise<Record<string, unknown>>,
  chain: { readonly begun?: Begun | null; readonly next?: string | undefined } = {},
): Promise<Begun | null> {
  let entry: JournalEntry | null;
  if (chain.begun?.step === step) entry = chain.begun.previous;
  else {
    const begun = await startStep(ctx.deps.store, c.id, step, ctx.now());
    if (!begun.started)
      throw new GateError('ERR_CASE_NOT_EXECUTABLE', undefined, { details: { caseId: c.id } });
    entry = begun.previous;
  }
  const result = await effect(entry);
  ctx.options.onSideEffect?.(c.id, step);
  return ctx.deps.store.transaction(async (tx) => {
    await writeJournal(tx, c.id, step, 'done', ctx.now(), { result, error: null });
    await ctx.deps.audit.append({ type: `step.${step}`, caseId: c.id, actor: 'gate', data: result }, tx);
    if (chain.next === undefined) return null;
    // A case that left `executing` meanwhile starts nothing: the next call finds it so and stops.
    const next = await startStep(tx, c.id, chain.next, ctx.now());
    return next.started ? { step: chain.next, previous: next.previous } : null;
  });
}

/** Steps that run as a plain journaled effect (no waiting, no claim), so one may start with the one before. */
function isPlain(step: string | undefined): step is string {
  return step !== undefined && step !== 'review' && step !== 'issue' && step !== 'deliver';
}

/** Steps after the credential reached the subject: retried, but never a reason to fail the recovery. */
const AFTER_DELIVERY = ['notify', 'clear_marker', 'write_status'];

/** Closes a post-delivery step that kept failing, and tells security to finish it by hand. */
async function giveUp(ctx: Ctx, c: CaseRecord, step: string, error: unknown): Promise<void> {
  await ctx.deps.store.transaction(async (tx) => {
    await writeJournal(tx, c.id, step, 'done', ctx.now(), {
      result: { gaveUp: true },
      error: stepError(error),
    });
    await ctx.deps.audit.append(
      { type: `step.${step}`, caseId: c.id, actor: 'gate', data: { gaveUp: true, error: stepError(error) } },
      tx,
    );
  });
  await alertSecurity(
    ctx,
    `${c.id}:${step}:gave_up`,
    `Recovery step ${step} could not finish`,
    `Case ${c.id}: the recovery ran, but ${step} kept failing (${stepError(error)}). Finish it by hand.`,
  );
}

/**
 * How a plan starts when the caller has just moved the case into `executing` and journaled its first step
 * started in that commit: no step of it is done yet, and `evidence` is all the case has.
 */
export interface FreshPlan {
  readonly begun: Begun;
  readonly evidence: readonly EvidenceRecord[];
}

/** Runs the plan; returns true when the case reached its end. */
export async function runPlan(ctx: Ctx, c: CaseRecord, fresh?: FreshPlan): Promise<boolean> {
  const journal = fresh
    ? new Map<string, JournalEntry>()
    : new Map((await loadJournal(ctx.deps.store, c.id)).map((e) => [e.step, e]));
  const plan: readonly string[] = c.kind === 'incident' ? incidentPlan(c) : RECOVERY_PLAN;
  let begun: Begun | null = fresh?.begun ?? null;
  for (const [i, step] of plan.entries()) {
    if (journal.get(step)?.state === 'done') continue;
    if (step === 'review') {
      if (await awaitingReview(ctx, c)) return false;
      continue;
    }
    if (step === 'issue' || step === 'deliver') {
      const waiting = await issueOrWait(ctx, c, step, fresh);
      if (waiting) return false;
      continue;
    }
    try {
      const after = plan[i + 1];
      const next = isPlain(after) && journal.get(after)?.state !== 'done' ? after : undefined;
      begun = await runStep(ctx, c, step, () => effectOf(ctx, c, step), { begun, next });
    } catch (error) {
      if (isCrash(error) || isGateError(error, 'ERR_CASE_NOT_EXECUTABLE')) throw error;
      if (AFTER_DELIVERY.includes(step) && c.attempts + 1 >= ctx.options.maxStepAttempts) {
        await giveUp(ctx, c, step, error);
        continue;
      }
      await writeJournal(ctx.deps.store, c.id, step, 'pending', ctx.now(), {
        error: String(stepError(error)),
      });
      return retryLater(ctx, c, error, step);
    }
  }
  await finish(ctx, c);
  return false;
}

function stepError(error: unknown): string {
  return error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : 'error';
}

/** A simulated crash (from the test seam) must escape, like a killed process. */
function isCrash(error: unknown): boolean {
  return error instanceof Error && error.name === 'SimulatedCrash';
}

async function effectOf(ctx: Ctx, c: CaseRecord, step: string): Promise<Record<string, unknown>> {
  if (c.kind === 'incident') {
    return isRepudiation(c) ? repudiationStep(ctx, c, step) : remediationStep(ctx, c, step);
  }
  switch (step) {
    case 'revoke':
      return doRevoke(ctx, c);
    case 'reset':
      return doReset(ctx, c);
    case 'notify': {
      await sendDoneNotice(ctx, c);
      const alerted = (await journalEntry(ctx.deps.store, c.id, 'sent:done:security'))?.state === 'done';
      if (requirementsOf(c).notifySecurity && !alerted) {
        const sent = await alertSecurity(
          ctx,
          `${c.id}:done:security`,
          `Recovery completed: ${c.subjectLogin ?? c.subjectId}`,
          `Case ${c.id} (${c.action}, tier ${c.tier}) completed.`,
        );
        if (sent) await writeJournal(ctx.deps.store, c.id, 'sent:done:security', 'done', ctx.now());
      }
      return { notified: true };
    }
    case 'clear_marker':
      try {
        await ctx.provider(c.idp).clearRequestMarker(c.subjectId, c.action);
      } catch (error) {
        // No request group for this action (guardrails not applied): there is no marker to clear.
        if (isGateError(error, 'ERR_GROUP_NOT_FOUND')) return { cleared: false, reason: 'no_request_group' };
        throw error;
      }
      return { cleared: c.action };
    case 'write_status': {
      if (!ctx.provider(c.idp).capabilities.case_status.supported) return { skipped: 'unsupported' };
      try {
        await ctx.provider(c.idp).writeCaseStatus(c.subjectId, {
          caseId: c.id,
          status: 'completed',
          updatedAt: ctx.now().toISOString(),
        });
      } catch (error) {
        // The marker only informs agents in the console: record the failure, never hold the recovery on it.
        if (isCrash(error)) throw error;
        ctx.deps.logger.warn('writing the final case status failed', {
          caseId: c.id,
          error: stepError(error),
        });
        return { status: 'completed', written: false, error: stepError(error) };
      }
      return { status: 'completed', written: true };
    }
    default:
      return {};
  }
}

/**
 * The issue and deliver steps. IdP delivery (Keycloak) issues here, to a verified channel. Gate delivery
 * (Okta TAC, Entra TAP) waits for the subject's claim; the subject is told where to collect it.
 * Returns true while waiting.
 */
async function issueOrWait(ctx: Ctx, c: CaseRecord, step: string, fresh?: FreshPlan): Promise<boolean> {
  const req = requirementsOf(c);
  if (req.credential === null) {
    await runStep(ctx, c, step, async () => ({ skipped: 'no_credential' }));
    return false;
  }
  if (step === 'deliver') {
    // Done by the issue step (IdP delivery) or by the claim (gate delivery); the snapshot may be old.
    if ((await journalEntry(ctx.deps.store, c.id, 'deliver'))?.state === 'done') return false;
    if (deliveryOf(c, ctx.provider(c.idp).settings) === 'gate') return true;
    // The IdP sends the credential as part of the issue step: once that is done, so is the delivery. A
    // crash between the two journal rows must not leave the case waiting for a claim that never comes.
    if ((await journalEntry(ctx.deps.store, c.id, 'issue'))?.state !== 'done') return true;
    await runStep(ctx, c, 'deliver', async () => ({ delivery: 'idp', resumed: true }));
    return false;
  }
  const gate = deliveryOf(c, ctx.provider(c.idp).settings) === 'gate';
  // A fresh plan knows both: the proofs it decided on, and no ready notice (it is written only here).
  const [evidence, ready] = fresh
    ? [fresh.evidence, null]
    : await Promise.all([
        loadEvidence(ctx.deps.store, c.id),
        gate ? journalEntry(ctx.deps.store, c.id, 'ask:ready') : null,
      ]);
  const channels = verifiedChannels(c, evidence, ctx.now());
  if (gate) {
    if (ready?.state !== 'done') {
      await sendReadyNotice(ctx, c, channels);
      // Nothing to do until the subject claims (the claim advances the case itself) or the claim expires.
      // The notice's journal entry and the claim's expiry in one statement: a crash between the two would
      // leave a case waiting for a claim with no expiry.
      const now = ctx.now();
      const expiresAt = new Date(now.getTime() + ctx.policy.claimTtlSeconds * 1000).toISOString();
      await writeJournalAndPatch(ctx.deps.store, c.id, 'ask:ready', now, {
        result: { channels: channels.map((ch) => ch.id) },
        patch: { expiresAt, nextAttemptAt: null },
      });
      return true;
    }
    // Nothing to do until the subject claims (the claim advances the case itself).
    await patchCase(ctx.deps.store, c.id, { nextAttemptAt: null }, ctx.now());
    return true;
  }
  // A fresh plan has no issue entry: nothing else writes one for an IdP-delivered credential, and this
  // worker holds the case.
  const prev = fresh ? null : await journalEntry(ctx.deps.store, c.id, 'issue');
  if (prev?.state === 'started') {
    // An IdP-delivered credential cannot be revoked without disabling the account, so it is sent at most
    // once: after a crash mid-issue the IdP's own record says whether it went out.
    const sent = await sentBeforeCrash(ctx, c, prev);
    if (sent === 'retry') return true;
    if (sent !== false) {
      await runStep(ctx, c, 'issue', async () => ({ delivery: 'idp', uncertain: sent === null }));
      await runStep(ctx, c, 'deliver', async () => ({ delivery: 'idp', uncertain: sent === null }));
      if (sent === null) {
        await alertSecurity(
          ctx,
          `${c.id}:issue_uncertain`,
          `Recovery link may not have been sent: ${c.subjectLogin ?? c.subjectId}`,
          `Case ${c.id}: the gate stopped while the IdP was sending the recovery link, and the IdP keeps no ` +
            'record to tell. It is not sent twice; if the subject did not receive it, open a new request.',
        );
      }
      return false;
    }
    // Never sent: send it now, as if the crash had not happened.
  }
  try {
    const email = deliveryEmail(c, evidence, ctx.now());
    await runStep(ctx, c, 'issue', async () => {
      const issued = await issueCredential(ctx, c, { started: false, id: null }, email);
      return { ...credentialFacts(issued), accountMailbox: email.isAccountMailbox };
    });
    await runStep(ctx, c, 'deliver', async () => ({ delivery: 'idp', deliveredTo: email.id }));
  } catch (error) {
    if (isCrash(error) || isGateError(error, 'ERR_CASE_NOT_EXECUTABLE')) throw error;
    // A typed IdP failure means the link was not sent: retry later.
    await writeJournal(ctx.deps.store, c.id, 'issue', 'pending', ctx.now(), { error: stepError(error) });
    await retryLater(ctx, c, error, 'issue');
    return true;
  }
  return false;
}

/**
 * Whether the credential went out before the crash: true or false from the IdP's record, null when the
 * IdP keeps none, 'retry' when the record could not be read now (the case stays pending).
 */
async function sentBeforeCrash(
  ctx: Ctx,
  c: CaseRecord,
  started: JournalEntry,
): Promise<boolean | null | 'retry'> {
  const provider = ctx.provider(c.idp);
  if (!provider.credentialSentSince) return null;
  // From shortly before the step started (clock skew), never before the case: an older send is not this one.
  const since = Math.max(Date.parse(started.updatedAt) - 60_000, Date.parse(c.createdAt));
  try {
    return await provider.credentialSentSince(c.subjectId, new Date(since).toISOString());
  } catch (error) {
    if (isGateError(error, 'ERR_UNSUPPORTED')) return null;
    await retryLater(ctx, c, error, 'issue');
    return 'retry';
  }
}

async function finish(ctx: Ctx, c: CaseRecord): Promise<void> {
  await ctx.deps.store.transaction((tx) => transition(ctx, tx, c, 'complete', { actor: 'gate' }));
  if (c.kind === 'recovery') {
    const seconds = (ctx.now().getTime() - Date.parse(c.createdAt)) / 1000;
    ctx.deps.metrics.observe('recovery_time_to_restore_seconds', seconds, {
      idp: c.idp,
      tier: c.tier ?? 'none',
    });
  }
}

/** The credential kind an IdP issues (re-exported for the claim). */
