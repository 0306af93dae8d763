/**
 * Drives one case forward from whatever state it is in: read facts and decide, ask for evidence,
 * hold, execute. Each call is safe to repeat; the per-case store lock (a session lock, held while the case
 * advances) keeps replicas from doing it twice, whichever of them holds the case's timer (`timers.ts`).
 * @module
 */

import { backoffDelay, isGateError, type SubjectFacts } from '@recovery-gate/core';
import type { Queryable } from '../types.js';
import { askForEvidence } from './ask.js';
import { type Ctx, errorText, transition } from './context.js';
import { settleEffects } from './effects.js';
import { runPlan } from './execute.js';
import type { CaseRecord, DecisionView } from './model.js';
import { RECOVERY_PLAN } from './plan.js';
import {
  loadCase,
  loadCaseWithProofs,
  loadProofs,
  type Proofs,
  patchCase,
  proofWeight,
  startStep,
} from './repo.js';
import { resolveRequester } from './requester.js';

/**
 * Advances a case as far as it can go now. Returns quietly when another worker holds it. `seen`: the proofs
 * the caller has just read and added to, with the case row's `updated_at` its commit left (see
 * {@link SeenProofs}).
 */
export async function advance(ctx: Ctx, caseId: string, seen?: SeenProofs): Promise<void> {
  await ctx.deps.store.withLock(`recovery-gate:case:${caseId}`, async () => {
    for (let i = 0; i < 8; i += 1) {
      // The case with its proofs, in one statement (a new or verifying case decides on them at once), or
      // alone when the caller hands its proofs over.
      const given = i === 0 ? seen : undefined;
      const read =
        given === undefined
          ? await loadCaseWithProofs(ctx.deps.store, caseId)
          : await loadCase(ctx.deps.store, caseId).then((c) => (c ? { c, proofs: undefined } : null));
      if (!read) return;
      const { c } = read;
      // The caller's proofs stand for a read of them while the row is as its commit left it; a move on
      // them still checks their count under the row lock (unchangedSince), like a read made here.
      const proofs = given?.updatedAt === c.updatedAt ? given : read.proofs;
      try {
        if (!(await stepOnce(ctx, c, proofs))) return;
      } catch (error) {
        // The case moved under us (cancelled, denied): stop; the next call sees the new state.
        if (
          isGateError(error, 'ERR_CASE_NOT_EXECUTABLE') ||
          isGateError(error, 'ERR_CASE_ILLEGAL_TRANSITION')
        )
          return;
        throw error;
      }
    }
  });
}

async function stepOnce(ctx: Ctx, c: CaseRecord, proofs?: ReadProofs): Promise<boolean> {
  if (c.nextAttemptAt !== null && Date.parse(c.nextAttemptAt) > ctx.now().getTime() && c.attempts > 0) {
    return false;
  }
  switch (c.state) {
    case 'requested':
      return start(ctx, c, proofs);
    case 'verifying':
      return verify(ctx, c, proofs);
    case 'held':
      return release(ctx, c);
    case 'executing':
      return runPlan(ctx, c);
    default:
      return false;
  }
}

/** Schedules a retry with exponential back-off; fails the case after the bound. */
export async function retryLater(ctx: Ctx, c: CaseRecord, error: unknown, what: string): Promise<false> {
  const attempts = c.attempts + 1;
  const now = ctx.now();
  ctx.deps.logger.warn('case step failed; will retry', {
    caseId: c.id,
    what,
    attempts,
    error: errorText(error),
  });
  if (attempts >= ctx.options.maxStepAttempts) {
    await ctx.deps.store.transaction((tx) =>
      transition(ctx, tx, c, 'fail', {
        actor: 'gate',
        reason: `${what}_failed`,
        data: { error: errorText(error) },
      }),
    );
    await settleEffects(ctx, c.id, { error: errorText(error) });
    return false;
  }
  const delay = backoffDelay(attempts - 1, { baseMs: ctx.options.retryBaseMs, capMs: STEP_RETRY_CAP_MS });
  await patchCase(
    ctx.deps.store,
    c.id,
    { attempts, nextAttemptAt: new Date(now.getTime() + delay).toISOString() },
    now,
  );
  return false;
}

/** No wait between two attempts of a case step grows past this. */
const STEP_RETRY_CAP_MS = 3_600_000;

export type { Proofs } from './repo.js';

/**
 * The proofs a writer read before its transaction, plus the one it added, and the case row's `updated_at`
 * as that transaction left it (every writer of a proof updates or locks the row). The advance that follows
 * uses them instead of reading them again when it finds the row unchanged.
 */
export interface SeenProofs extends Proofs {
  readonly updatedAt: string;
  /**
   * The subject's facts read again, started by the writer once its checks passed (never before the proof
   * arrived), when the proofs with its own satisfy the case on the stored facts: the read the advance would
   * make before a hold or execution, overlapped with the writer's commit. The decision on them is still
   * taken in the advance, after that commit; a failed read fails closed like one made there.
   */
  readonly facts?: Promise<SubjectFacts>;
}

/** Proofs read with the case (or a writer's {@link SeenProofs}), maybe with the writer's facts read ahead. */
type ReadProofs = Proofs & Pick<SeenProofs, 'facts'>;

/**
 * Starts reading the subject's facts again for the advance that follows a proof, when the case is verifying
 * and its proofs (with the new one) satisfy it on the facts it was decided on, so the advance will read
 * them before it holds or executes. Returns undefined otherwise (no read the advance would not make). The
 * promise never rejects unhandled: a caller that drops it (its commit failed) leaves no stray rejection.
 */
export function readFactsAhead(ctx: Ctx, c: CaseRecord, proofs: Proofs): Promise<SubjectFacts> | undefined {
  if (c.state !== 'verifying' || !c.facts || !c.decision) return undefined;
  if (decideOn(ctx, c, c.facts, proofs).outcome === 'pending') return undefined;
  let read: Promise<SubjectFacts>;
  try {
    read = Promise.resolve(ctx.provider(c.idp).readSubjectFacts(c.subjectId));
  } catch {
    // No provider, or a read that threw at once: the advance reads (and fails closed) as it would have.
    return undefined;
  }
  read.catch(() => undefined);
  return read;
}

/**
 * Evaluates the policy on the case's current evidence and approvals (or on `proofs`, when the caller has
 * just read them and checks before acting that none was added since: see {@link unchangedSince}).
 */
export async function decideCase(
  ctx: Ctx,
  c: CaseRecord,
  facts: SubjectFacts,
  proofs?: Proofs,
): Promise<DecisionView> {
  return decideOn(ctx, c, facts, proofs ?? (await loadProofs(ctx.deps.store, c.id)));
}

/** The policy's decision on the case, on these facts and proofs, now. */
function decideOn(ctx: Ctx, c: CaseRecord, facts: SubjectFacts, proofs: Proofs): DecisionView {
  return ctx.policy.decide({
    caseId: c.id,
    action: c.action,
    requesterId: c.requesterId,
    facts,
    evidence: proofs.evidence,
    approvals: proofs.approvals,
    requestedAt: c.createdAt,
    now: ctx.now(),
  });
}

/**
 * Decides a new case on the subject's facts and `proofs` (read with the case; a proof recorded after that
 * read is decided on by the verification that follows in the same advance) and starts its verification.
 */
async function start(ctx: Ctx, opened: CaseRecord, proofs?: Proofs): Promise<boolean> {
  const asked = await resolveRequester(ctx, opened);
  if (!asked.decide) return false;
  const c = asked.c;
  let facts: SubjectFacts;
  try {
    facts = await ctx.provider(c.idp).readSubjectFacts(c.subjectId);
  } catch (error) {
    return retryLater(ctx, c, error, 'read_facts');
  }
  const decision = await decideCase(ctx, c, facts, proofs);
  // The decision and the state in one UPDATE; the decision's audit record chained before the transition's.
  const set = { facts, decision, tier: decision.tier, subjectClass: decision.subjectClass };
  const decided = {
    type: 'case.decided',
    caseId: c.id,
    actor: 'gate',
    data: {
      tier: decision.tier,
      subjectClass: decision.subjectClass,
      outcome: decision.outcome,
      unmet: [...decision.unmet],
      denyReasons: [...decision.denyReasons],
    },
  };
  await ctx.deps.store.transaction(async (tx) => {
    const next = { ...c, tier: decision.tier, subjectClass: decision.subjectClass };
    if (decision.outcome === 'denied') {
      await transition(ctx, tx, next, 'deny', {
        actor: 'gate',
        reason: decision.denyReasons.join('; '),
        set,
        auditFirst: decided,
      });
    } else {
      await transition(ctx, tx, next, 'begin_verification', { actor: 'gate', set, auditFirst: decided });
    }
  });
  await settleEffects(ctx, c.id);
  return decision.outcome !== 'denied';
}

/**
 * Reads the subject's facts again before a case holds or executes, and decides on them. A decision that is
 * riskier (a higher tier, another class, no longer satisfied, denied) replaces the case's and is audited;
 * one that ranks lower never does (unknown never lowers a tier). Returns the decision to go on with, or
 * null when the case must stop this pass: facts unreadable (retried later), or decided again.
 */
async function reread(
  ctx: Ctx,
  c: CaseRecord,
  current: DecisionView,
  proofs?: Proofs,
  ahead?: Promise<SubjectFacts>,
): Promise<DecisionView | null> {
  let facts: SubjectFacts;
  try {
    facts = await (ahead ?? ctx.provider(c.idp).readSubjectFacts(c.subjectId));
  } catch (error) {
    await retryLater(ctx, c, error, 'reread_facts');
    return null;
  }
  const fresh = await decideCase(ctx, c, facts, proofs);
  const rank = (d: DecisionView) => ctx.policy.tierRank(d.tier);
  if (fresh.outcome !== 'denied' && rank(fresh) < rank(current)) return current;
  const same =
    fresh.tier === current.tier &&
    fresh.subjectClass === current.subjectClass &&
    fresh.outcome === 'satisfied';
  if (same) return fresh;
  await ctx.deps.store.transaction(async (tx) => {
    await patchCase(
      tx,
      c.id,
      { facts, decision: fresh, tier: fresh.tier, subjectClass: fresh.subjectClass, notBefore: null },
      ctx.now(),
    );
    await ctx.deps.audit.append(
      {
        type: 'case.redecided',
        caseId: c.id,
        actor: 'gate',
        data: {
          fromTier: current.tier,
          fromClass: current.subjectClass,
          tier: fresh.tier,
          subjectClass: fresh.subjectClass,
          outcome: fresh.outcome,
          unmet: [...fresh.unmet],
          denyReasons: [...fresh.denyReasons],
        },
      },
      tx,
    );
    const next = { ...c, tier: fresh.tier, subjectClass: fresh.subjectClass };
    if (fresh.outcome === 'denied') {
      await transition(ctx, tx, next, 'deny', { actor: 'gate', reason: fresh.denyReasons.join('; ') });
    } else if (c.state === 'held') {
      await transition(ctx, tx, next, 'requirements_lost', { actor: 'gate', reason: 'facts_changed' });
    }
  });
  if (fresh.outcome === 'denied') await settleEffects(ctx, c.id);
  ctx.deps.logger.info('case decided again on fresh facts', { caseId: c.id, tier: fresh.tier });
  return null;
}

/**
 * How many proofs and approvals a case has, renewals counted ({@link proofWeight}): a change means someone
 * recorded or renewed one meanwhile.
 */
async function proofCount(q: Queryable, caseId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM case_evidence WHERE case_id = $1)
          + (SELECT count(*) + coalesce(sum(renewals), 0) FROM case_approvals WHERE case_id = $1) AS n`,
    [caseId],
  );
  return Number(row?.n ?? 0);
}

/**
 * Locks the case row for `tx` and says whether the case is still in `state` with `seen` proofs and
 * approvals. Every writer of a proof or an approval locks or updates the case row in its transaction, and
 * none is ever deleted from a case still verifying (a renewal replaces an approval and counts one more), so
 * an unchanged count under the lock means the ones a decision was made on are still all there are. The
 * count is a statement of its own, after the lock is held: under READ COMMITTED it then sees every writer
 * that held the row before this transaction did (a count in the locking statement would use the snapshot
 * taken before waiting for the lock).
 */
async function unchangedSince(tx: Queryable, c: CaseRecord, seen: number): Promise<boolean> {
  const [locked] = await tx.query<{ state: string }>('SELECT state FROM cases WHERE id = $1 FOR UPDATE', [
    c.id,
  ]);
  if (locked?.state !== c.state) return false;
  return (await proofCount(tx, c.id)) === seen;
}

async function verify(ctx: Ctx, c: CaseRecord, given?: ReadProofs): Promise<boolean> {
  if (!c.facts || !c.decision) return false;
  // One read of the proofs serves both decisions (on the stored facts, then on fresh ones); the move to a
  // hold or to execution checks under the case lock that none was added meanwhile, or decides again.
  const proofs = given ?? (await loadProofs(ctx.deps.store, c.id));
  const seen = proofWeight(proofs);
  const decided = await decideCase(ctx, c, c.facts, proofs);
  // Nothing changes while evidence is missing; before a hold or execution, facts are read again.
  // The writer's read ahead (see SeenProofs.facts) stands for this read: same subject, issued after the
  // proof arrived, decided on only now, after its commit.
  const decision =
    decided.outcome === 'pending' ? decided : await reread(ctx, c, decided, proofs, given?.facts);
  if (decision === null) return (await loadCase(ctx.deps.store, c.id))?.state === 'verifying';
  if (decision.outcome === 'pending') {
    // Ask only while something is missing: once the last proof is in, execution starts without the
    // round of journal reads the asks cost (asking is journaled once per kind, so nothing is lost).
    const asked = await askForEvidence(
      ctx,
      c,
      c.facts,
      c.decision.requirements,
      decision.staleEvidence,
      decision.staleApprovals,
    );
    // Wait for evidence; retry a failed ask after the back-off base.
    const retryAt = asked ? null : new Date(ctx.now().getTime() + ctx.options.retryBaseMs).toISOString();
    await patchCase(ctx.deps.store, c.id, { decision, nextAttemptAt: retryAt }, ctx.now());
    // A proof recorded while this worker held the case found it busy, and its wake-up was just overwritten:
    // decide again now rather than leave the case waiting for something it already has.
    return (await proofCount(ctx.deps.store, c.id)) !== seen;
  }
  const now = ctx.now();
  // A tier with a hold always passes through it, so the subject is told and can cancel.
  const notBefore =
    decision.requirements.holdSeconds > 0
      ? (decision.notBefore ??
        new Date(now.getTime() + decision.requirements.holdSeconds * 1000).toISOString())
      : null;
  const executeNow = decision.outcome !== 'denied' && notBefore === null;
  // Going straight to execution journals the first step started in the same commit (durable before its
  // side effect, as runStep would have written it), and runs the plan without reading the case again.
  const firstStep = executeNow && c.kind === 'recovery' ? RECOVERY_PLAN[0] : undefined;
  const moved = await ctx.deps.store.transaction(async (tx) => {
    if (!(await unchangedSince(tx, c, seen))) return null;
    // The decision and the state in one UPDATE of the row locked above.
    if (decision.outcome === 'denied') {
      await transition(ctx, tx, c, 'deny', {
        actor: 'gate',
        reason: decision.denyReasons.join('; '),
        set: { decision, notBefore },
      });
      return { begun: null };
    }
    await transition(ctx, tx, c, notBefore ? 'requirements_met' : 'execute', {
      actor: 'gate',
      data: { notBefore },
      set: { decision, notBefore },
    });
    if (firstStep === undefined) return { begun: null };
    const begun = await startStep(tx, c.id, firstStep, now);
    return { begun: begun.started ? { step: firstStep, previous: begun.previous } : null };
  });
  // A proof, an approval or a state change landed while the facts were read: decide again on it.
  if (moved === null) return true;
  // Going straight to execution owes nothing; a denial or a hold owes its status and notices.
  if (decision.outcome === 'denied' || notBefore) await settleEffects(ctx, c.id);
  if (decision.outcome === 'denied') return false;
  if (moved.begun === null) return true;
  const executing: CaseRecord = {
    ...c,
    state: 'executing',
    decision,
    notBefore,
    attempts: 0,
    nextAttemptAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  // A case enters executing once (its only ways out are completed and failed), so no plan step is done
  // yet, nothing can add evidence any more, and the proofs read above are all it has.
  return runPlan(ctx, executing, { begun: moved.begun, evidence: proofs.evidence });
}

async function release(ctx: Ctx, c: CaseRecord): Promise<boolean> {
  if (c.notBefore === null || Date.parse(c.notBefore) > ctx.now().getTime()) return false;
  if (!c.decision) return false;
  // The hold gave the facts time to change: never execute on the ones read before it.
  const decision = await reread(ctx, c, c.decision);
  if (decision === null) return (await loadCase(ctx.deps.store, c.id))?.state === 'verifying';
  await ctx.deps.store.transaction(async (tx) => {
    await transition(ctx, tx, c, 'execute', { actor: 'gate', set: { decision } });
  });
  return true;
}
