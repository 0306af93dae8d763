/**
 * The case API the pages call: record evidence, record an approval (separation of duties enforced here,
 * from the authenticated person id), cancel ("this wasn't me"), and close a repudiation incident.
 * @module
 */

import { GateError, isBannedEvidenceKind, isEvidenceKind } from '@recovery-gate/core';
import type { Queryable } from '../types.js';
import { decideCase, readFactsAhead, type SeenProofs } from './advance.js';
import { type Ctx, errorText, transition } from './context.js';
import { settleEffects } from './effects.js';
import { consumeLinkHashRow } from './links.js';
import type { ApprovalRecord, ApproverRole, CaseRecord } from './model.js';
import { isStaleIn } from './policy.js';
import { loadApprovals, loadCase, loadEvidence, lockAndWakeCase, type Proofs, patchCase } from './repo.js';
import { openRepudiation, recordReview } from './repudiate.js';

/** Evidence as the pages report it. */
export interface EvidenceInput {
  readonly kind: string;
  /** The authenticated person who produced it. */
  readonly by: string;
  readonly channelId?: string | null;
  readonly authenticatorId?: string | null;
  /** When it was produced; defaults to now. */
  readonly at?: string;
  /** `failed`: kept for the record with its reason (e.g. an identity verification that did not match); never counts. */
  readonly outcome?: 'failed';
  /** Safe facts about how it was produced (e.g. the acr/amr a step-up sign-in achieved); never a secret. */
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

/** An approval as the pages report it; `approverId` is the signed-in person (ID token subject). */
export interface ApprovalInput {
  readonly approverId: string;
  readonly role: ApproverRole;
  readonly decision: 'approve' | 'deny';
  readonly reason: string;
  /**
   * The SHA-256 of the approval link decided with: spent in the decision's transaction, so only the person
   * who decides uses a link up, and a refused decision leaves it usable.
   */
  readonly linkHash?: string;
}

const ROLES: readonly ApproverRole[] = [
  'manager',
  'sponsor',
  'second_agent',
  'security_team',
  'break_glass_authorizer',
];

async function openCaseOrThrow(ctx: Ctx, caseId: string, states: readonly string[]): Promise<CaseRecord> {
  const c = await loadCase(ctx.deps.store, caseId);
  if (!c) throw new GateError('ERR_CASE_NOT_FOUND', undefined, { details: { caseId } });
  if (!states.includes(c.state)) {
    throw new GateError('ERR_CASE_ILLEGAL_TRANSITION', `The case is ${c.state}.`, {
      details: { caseId, state: c.state },
    });
  }
  return c;
}

/**
 * Records evidence on a verifying case. Banned kinds are kept for the record but never count.
 * @throws GateError ERR_INPUT_INVALID, ERR_CASE_NOT_FOUND, ERR_CASE_ILLEGAL_TRANSITION
 */
export async function recordEvidence(ctx: Ctx, caseId: string, input: EvidenceInput): Promise<void> {
  if (!isEvidenceKind(input.kind) && !isBannedEvidenceKind(input.kind)) {
    throw new GateError('ERR_INPUT_INVALID', 'Unknown evidence kind.');
  }
  if (typeof input.by !== 'string' || input.by.length === 0) {
    throw new GateError('ERR_INPUT_INVALID', 'Evidence needs the authenticated person who produced it.');
  }
  const c = await openCaseOrThrow(ctx, caseId, ['requested', 'verifying']);
  const channelId = input.channelId ?? null;
  if (channelId !== null && !(c.facts?.channels ?? []).some((ch) => ch.id === channelId)) {
    throw new GateError('ERR_INPUT_INVALID', 'The channel is not on file for this subject.');
  }
  const at = input.at ?? ctx.now().toISOString();
  if (Number.isNaN(Date.parse(at))) throw new GateError('ERR_INPUT_INVALID', 'Evidence time is not a date.');
  const outcome = isBannedEvidenceKind(input.kind) || input.outcome === 'failed' ? 'failed' : 'passed';
  await ctx.deps.store.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO case_evidence (case_id, kind, person_id, channel_id, outcome, at, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        caseId,
        input.kind,
        input.by,
        channelId,
        outcome,
        at,
        JSON.stringify({ ...input.detail, authenticatorId: input.authenticatorId ?? null }),
      ],
    );
    await patchCase(tx, caseId, { nextAttemptAt: ctx.now().toISOString() }, ctx.now());
    await ctx.deps.audit.append(
      {
        type: 'case.evidence',
        caseId,
        actor: input.by,
        data: { kind: input.kind, channelId, outcome, ...input.detail },
      },
      tx,
    );
  });
}

/** Checks that `personId` may approve in `role`: the subject's manager / sponsor, or a member of the role's groups. */
async function checkEligible(ctx: Ctx, c: CaseRecord, personId: string, role: ApproverRole): Promise<void> {
  const notEligible = () =>
    new GateError('ERR_APPROVER_NOT_ELIGIBLE', undefined, { details: { caseId: c.id, role } });
  if (role === 'manager' || role === 'sponsor') {
    const named = role === 'manager' ? c.facts?.manager : c.facts?.sponsor;
    if (!named || named.id !== personId) throw notEligible();
    return;
  }
  const groups = ctx.policy.roleGroups(role, c.tier).map((g) => g.toLowerCase());
  const named = ctx.policy.rolePersons(role, c.tier).includes(personId);
  let facts: Awaited<ReturnType<ReturnType<Ctx['provider']>['readSubjectFacts']>>;
  try {
    facts = await ctx.provider(c.idp).readSubjectFacts(personId);
  } catch (error) {
    ctx.deps.logger.warn('reading approver facts failed', { caseId: c.id, error: errorText(error) });
    throw notEligible();
  }
  // A named authorizer still has to be an active account: a suspended one cannot authorize.
  const member = named || (facts.groups ?? []).some((g) => groups.includes(g.toLowerCase()));
  if (facts.status !== 'active' || !member) {
    throw notEligible();
  }
}

/** Separation of duties: subject, requester, evidence officers and each approver are distinct people. */
function checkSeparation(
  c: CaseRecord,
  personId: string,
  approvals: readonly ApprovalRecord[],
  officers: readonly string[],
) {
  const sod = (why: string) =>
    new GateError('ERR_SEPARATION_OF_DUTIES', undefined, { details: { caseId: c.id, why } });
  if (personId === c.subjectId) throw sod('subject');
  if (c.requesterId === null) throw sod('requester_unknown');
  if (personId === c.requesterId) throw sod('requester');
  if (approvals.some((a) => a.personId === personId)) throw sod('already_approved');
  if (officers.includes(personId)) throw sod('verifier');
}

/** Spends the approval link a decision is made with; it must be for this case and role. */
async function spendApprovalLink(
  tx: Queryable,
  input: ApprovalInput,
  caseId: string,
  now: Date,
): Promise<void> {
  const link = await consumeLinkHashRow(tx, input.linkHash ?? '', 'approve', input.approverId, now);
  if (link.caseId !== caseId || (link.role !== null && link.role !== input.role)) {
    throw new GateError('ERR_LINK_INVALID');
  }
}

/**
 * The approver's own earlier approval when the policy no longer counts it because it went stale, and this
 * decision is in the same role: it renews that approval. Null when they have none (a first decision), or one
 * that still counts or is in another role (a duplicate, refused as ever).
 */
async function staleOwn(
  ctx: Ctx,
  c: CaseRecord,
  input: ApprovalInput,
  proofs: Proofs,
): Promise<ApprovalRecord | null> {
  const prior = proofs.approvals.find((a) => a.personId === input.approverId);
  if (!prior || prior.role !== input.role || prior.decision !== 'approve' || !c.facts) return null;
  return isStaleIn(await decideCase(ctx, c, c.facts, proofs), prior) ? prior : null;
}

/**
 * Inserts the approval, or renews the approver's stale one in place (`prior`), in one statement: the update
 * applies only while the row is still the stale approval read before (its time and role), so of two
 * renewals at once one wins and the other finds nothing, as a duplicate does.
 * @throws GateError ERR_SEPARATION_OF_DUTIES (already approved)
 */
async function writeApproval(
  tx: Queryable,
  caseId: string,
  added: ApprovalRecord,
  prior: ApprovalRecord | null,
): Promise<void> {
  const written = await tx.query(
    `INSERT INTO case_approvals (case_id, person_id, role, decision, reason, at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (case_id, person_id) DO UPDATE
       SET decision = EXCLUDED.decision, reason = EXCLUDED.reason, at = EXCLUDED.at,
           renewals = case_approvals.renewals + 1
       WHERE case_approvals.at = $7::timestamptz AND case_approvals.role = EXCLUDED.role
         AND case_approvals.decision = 'approve'
     RETURNING person_id`,
    [caseId, added.personId, added.role, added.decision, added.reason, added.at, prior?.at ?? null],
  );
  if (written.length === 0) {
    throw new GateError('ERR_SEPARATION_OF_DUTIES', undefined, {
      details: { caseId, why: 'already_approved' },
    });
  }
}

/**
 * Records an approval or a denial. A denial denies the case. An approver whose approval went stale (older
 * than the tier allows) may renew it: the new decision replaces it, audited as a renewal. Returns, for an
 * approval, the proofs it read with the approval added and the case row as its commit left it (for the
 * advance that follows).
 * @throws GateError ERR_SEPARATION_OF_DUTIES, ERR_APPROVER_NOT_ELIGIBLE, ERR_INPUT_INVALID, ERR_LINK_INVALID, ERR_CASE_*
 */
export async function recordApproval(
  ctx: Ctx,
  caseId: string,
  input: ApprovalInput,
): Promise<SeenProofs | null> {
  if (!ROLES.includes(input.role) || (input.decision !== 'approve' && input.decision !== 'deny')) {
    throw new GateError('ERR_INPUT_INVALID', 'Unknown approval role or decision.');
  }
  if (
    typeof input.approverId !== 'string' ||
    input.approverId.length === 0 ||
    typeof input.reason !== 'string'
  ) {
    throw new GateError('ERR_INPUT_INVALID', 'An approval needs the signed-in approver and a reason.');
  }
  // Independent reads, at once (the checks below run on all three).
  const [c, evidence, approvals] = await Promise.all([
    openCaseOrThrow(ctx, caseId, ['verifying', 'held']),
    loadEvidence(ctx.deps.store, caseId),
    loadApprovals(ctx.deps.store, caseId),
  ]);
  const officers = evidence
    .filter((e) => e.kind === 'supervised_proofing' && e.personId)
    .map((e) => e.personId as string);
  // A renewal stands in for the stale approval it replaces; every other check is the same as for a first.
  const prior = await staleOwn(ctx, c, input, { evidence, approvals });
  const others = prior === null ? approvals : approvals.filter((a) => a !== prior);
  checkSeparation(c, input.approverId, others, officers);
  await checkEligible(ctx, c, input.approverId, input.role);
  const now = ctx.now();
  const at = now.toISOString();
  const reason = input.reason.slice(0, 2000);
  const added: ApprovalRecord = {
    personId: input.approverId,
    role: input.role,
    decision: input.decision,
    reason,
    at,
    renewals: prior === null ? 0 : (prior.renewals ?? 0) + 1,
  };
  const proofs = { evidence, approvals: [...others, added] };
  // The approval checked out: when it completes the case, the facts read the advance makes before
  // executing starts now, alongside this commit (the decision on them waits for it).
  const facts = input.decision === 'approve' ? readFactsAhead(ctx, c, proofs) : undefined;
  const updatedAt = await ctx.deps.store.transaction(async (tx) => {
    // The row lock and the worker's wake-up in one statement (rolled back with the rest on any throw).
    const locked = await lockAndWakeCase(tx, caseId, now);
    if (!locked || (locked.state !== 'verifying' && locked.state !== 'held')) {
      throw new GateError('ERR_CASE_ILLEGAL_TRANSITION', undefined, { details: { caseId } });
    }
    if (input.linkHash !== undefined) await spendApprovalLink(tx, input, caseId, now);
    await writeApproval(tx, caseId, added, prior);
    const kind = input.decision === 'deny' ? 'approval_denied' : prior ? 'approval_renewed' : 'approved';
    await ctx.deps.audit.append(
      {
        type: `case.${kind}`,
        caseId,
        actor: input.approverId,
        data: { role: input.role, reason: input.reason, ...(prior ? { renews: prior.at } : {}) },
      },
      tx,
    );
    if (input.decision === 'deny') {
      await transition(ctx, tx, locked, 'deny', {
        actor: input.approverId,
        reason: `denied_by_${input.role}`,
      });
    }
    return locked.updatedAt;
  });
  if (input.decision === 'deny') {
    await settleEffects(ctx, caseId);
    return null;
  }
  return { ...proofs, updatedAt, ...(facts ? { facts } : {}) };
}

/**
 * Cancels a case ("this wasn't me", the requester, security). Revokes any temporary credential already
 * issued, clears the request marker, and alerts security. Once execution has started, the case fails
 * instead (core's state machine allows no cancel mid-execution), with the same clean-up. A recovery that
 * already ran is repudiated: returns the id of the incident that locks the account down (to advance).
 * @throws GateError ERR_CASE_NOT_FOUND, ERR_CASE_ILLEGAL_TRANSITION
 */
export async function cancelCase(
  ctx: Ctx,
  caseId: string,
  by: { readonly by: string; readonly reason: string },
): Promise<string | null> {
  const c = await openCaseOrThrow(ctx, caseId, [
    'requested',
    'verifying',
    'held',
    'executing',
    'completed',
    'repudiated',
  ]);
  const reason =
    typeof by.reason === 'string' && by.reason.length > 0 ? by.reason.slice(0, 200) : 'cancelled';
  if (c.state === 'completed' || c.state === 'repudiated') {
    // Only a recovery can be repudiated; an incident record is not the subject's to undo.
    if (c.kind !== 'recovery') throw new GateError('ERR_CASE_ILLEGAL_TRANSITION', `The case is ${c.state}.`);
    return openRepudiation(ctx, c, by.by, reason);
  }
  // A row lock, not the advance lock: the plan re-reads the state before every step and stops.
  await ctx.deps.store.transaction(async (tx) => {
    const locked = await loadCase(tx, caseId, true);
    if (!locked) return;
    await transition(ctx, tx, locked, locked.state === 'executing' ? 'fail' : 'cancel', {
      actor: by.by,
      reason: locked.state === 'executing' ? `cancelled_during_execution: ${reason}` : reason,
    });
  });
  // Revoke what was issued, clear the marker, write the status, alert: owed since the transition.
  await settleEffects(ctx, caseId, { by: by.by });
  return null;
}

/**
 * Closes a repudiation incident after review, by a member of the security team who is not its subject.
 * @throws GateError ERR_APPROVER_NOT_ELIGIBLE, ERR_SEPARATION_OF_DUTIES, ERR_INPUT_INVALID, ERR_CASE_*
 */
export async function closeIncident(
  ctx: Ctx,
  incidentId: string,
  input: { readonly by: string; readonly reason: string },
): Promise<void> {
  if (typeof input.by !== 'string' || input.by.length === 0 || typeof input.reason !== 'string') {
    throw new GateError('ERR_INPUT_INVALID', 'Closing an incident needs the signed-in person and a reason.');
  }
  const c = await openCaseOrThrow(ctx, incidentId, ['executing']);
  if (input.by === c.subjectId) {
    throw new GateError('ERR_SEPARATION_OF_DUTIES', undefined, { details: { caseId: c.id, why: 'subject' } });
  }
  await checkEligible(ctx, c, input.by, 'security_team');
  await recordReview(ctx, incidentId, input.by, input.reason.slice(0, 2000));
}
