/**
 * The decision engine: a pure function of (policy, request, facts, evidence, approvals, now).
 * @module
 */

import { classifyOrdered } from './classify.js';
import { type CompiledTier, compilePolicy, tierFor } from './compile.js';
import { parseAttributeDate } from './dates.js';
import type {
  Classification,
  Decision,
  DenyCode,
  Finding,
  IgnoredInput,
  NotifyTarget,
  RecoveryRequest,
  Requirements,
  UnmetCode,
} from './decision-types.js';
import { GateError } from './errors.js';
import type { Approval, Evidence } from './evidence.js';
import { loneCodeFindings, loneCodeRule } from './lone-code.js';
import { collectPieces } from './pieces.js';
import { RECOVERY_ACTIONS, type SubjectFacts } from './port.js';
import { satisfiedAt } from './satisfy.js';
import type { Policy } from './schema/policy.js';
import { explainUnmet } from './unmet.js';

type Denials = Finding<DenyCode>[];

/** Account states a recovery may proceed from; anything else (disabled, unknown...) is denied. */
const RECOVERABLE = new Set(['active', 'locked', 'password_expired', 'recovery', 'suspended']);

function deny(list: Denials, code: DenyCode, message: string): void {
  list.push({ code, message });
}

function checkRequest(request: RecoveryRequest, denials: Denials): number {
  const requestedAt = Date.parse(request.requestedAt);
  if (Number.isNaN(requestedAt)) deny(denials, 'REQUEST_INVALID', 'requestedAt is not a valid ISO-8601 date');
  if (!RECOVERY_ACTIONS.includes(request.action)) deny(denials, 'REQUEST_INVALID', 'the action is not known');
  if (request.origin === 'self_service') {
    if (request.requesterId !== null && request.requesterId !== request.subjectId) {
      deny(denials, 'REQUEST_INVALID', 'a self-service request is made by the subject');
    }
  } else if (request.requesterId === null) {
    deny(
      denials,
      'REQUESTER_UNKNOWN',
      'who requested it is unknown, so separation of duties cannot be checked',
    );
  } else if (request.requesterId === request.subjectId) {
    deny(denials, 'REQUESTER_IS_SUBJECT', 'an agent cannot recover their own account');
  }
  return requestedAt;
}

function checkFacts(
  facts: SubjectFacts,
  candidates: readonly string[],
  policy: Policy,
  now: number,
  denials: Denials,
): void {
  if (!RECOVERABLE.has(facts.status)) {
    deny(denials, 'ACCOUNT_INACTIVE', `the account is ${facts.status}; it cannot be recovered`);
  }
  const required = new Set(candidates.flatMap((name) => policy.subjects[name]?.require ?? []));
  if (required.has('sponsor') && (facts.sponsor === null || facts.sponsor.id === facts.userId)) {
    deny(denials, 'SPONSOR_MISSING', 'the subject has no sponsor on file');
  }
  if (required.has('manager') && (facts.manager === null || facts.manager.id === facts.userId)) {
    deny(denials, 'MANAGER_MISSING', 'the subject has no manager on file');
  }
  if (required.has('contractEnd')) {
    const end = parseAttributeDate(facts.attributes.contractEnd, policy.dateFormat);
    if (end === null) deny(denials, 'CONTRACT_UNKNOWN', 'the contract end date is missing or unreadable');
    else if (end <= now) deny(denials, 'CONTRACT_EXPIRED', 'the contract has ended');
  }
}

function resolveRequirements(
  compiled: CompiledTier,
  request: RecoveryRequest,
  requestedAt: number,
): Requirements {
  const { tier } = compiled;
  const forced = request.action !== 'account_unlock';
  const notify: NotifyTarget[] = ['subject', ...tier.notify.filter((target) => target !== 'subject')];
  return {
    tier: compiled.name,
    breakGlass: compiled.breakGlass,
    credential: {
      kind: tier.credential.kind ?? null,
      lifetimeSeconds: compiled.lifetimeSeconds,
      singleUse: tier.credential.singleUse,
    },
    revoke: {
      sessions: forced || tier.revoke.includes('sessions'),
      refreshTokens: forced || tier.revoke.includes('refresh_tokens'),
      grants: tier.revoke.includes('grants'),
    },
    notify: [...new Set(notify)],
    review: compiled.breakGlass ? 'required' : (tier.review ?? 'none'),
    hold:
      tier.hold === undefined
        ? null
        : {
            durationSeconds: compiled.holdMs / 1000,
            notice: tier.hold.notice,
            cancelLink: tier.hold.cancelLink,
          },
    windowEndsAt:
      compiled.windowMs === null || Number.isNaN(requestedAt)
        ? null
        : new Date(requestedAt + compiled.windowMs).toISOString(),
  };
}

interface Progress {
  readonly unmet: Finding<UnmetCode>[];
  readonly ignored: IgnoredInput[];
  readonly doneAt: number | null;
}

function evaluate(
  compiled: CompiledTier,
  request: RecoveryRequest,
  facts: SubjectFacts,
  inputs: { readonly evidence: readonly Evidence[]; readonly approvals: readonly Approval[] },
  now: number,
): Progress {
  const ctx = { tier: compiled, request, facts, now };
  const { pieces, ignored } = collectPieces(inputs.evidence, inputs.approvals, ctx);
  const accept = loneCodeRule(facts, pieces);
  const doneAt = satisfiedAt(compiled.requirement, pieces, accept);
  const unmet = doneAt === null ? explainUnmet(compiled, pieces) : [];
  // Say why when the codes alone would have satisfied the tier.
  const alone = doneAt === null && accept !== undefined && satisfiedAt(compiled.requirement, pieces) !== null;
  return {
    unmet,
    ignored: alone ? [...ignored, ...loneCodeFindings(inputs.evidence, ignored)] : ignored,
    doneAt,
  };
}

function nullDecision(classification: Classification, denials: Denials, tier: string | null): Decision {
  return {
    tier,
    subjectClass: classification.subjectClass,
    outcome: 'denied',
    unmet: [],
    denyReasons: denials,
    ignored: [],
    notBefore: null,
    requirements: null,
    classification,
  };
}

/**
 * Decides a recovery request: its tier, whether it is satisfied, pending or denied, what is missing,
 * why it is denied, and the earliest time it may execute. Pure and deterministic.
 * @throws GateError `ERR_INPUT_INVALID` when `now` is not a valid ISO-8601 time.
 */
export function decide(
  policy: Policy,
  request: RecoveryRequest,
  facts: SubjectFacts | null,
  evidence: readonly Evidence[],
  approvals: readonly Approval[],
  now: string,
): Decision {
  const nowMs = Date.parse(now);
  if (Number.isNaN(nowMs)) throw new GateError('ERR_INPUT_INVALID', '`now` is not a valid ISO-8601 time.');
  const compiled = compilePolicy(policy);
  const denials: Denials = [];
  const requestedAt = checkRequest(request, denials);
  const classification = classifyOrdered(policy, compiled.classOrder, facts);
  const subjectClass = classification.subjectClass;
  const tierName = subjectClass === null ? null : tierFor(policy, request.action, subjectClass);
  const tier = tierName === null ? undefined : compiled.tiers.get(tierName);
  if (facts === null) deny(denials, 'FACTS_UNREADABLE', 'the subject facts could not be read');
  else if (facts.userId !== request.subjectId)
    deny(denials, 'SUBJECT_MISMATCH', 'the facts are about another user');
  if (subjectClass === null) deny(denials, 'NO_SUBJECT_CLASS', 'no subject class matches this subject');
  else if (tier === undefined) deny(denials, 'NO_TIER', `no tier for ${request.action} and ${subjectClass}`);
  if (facts === null || tier === undefined) return nullDecision(classification, denials, tierName);

  checkFacts(facts, classification.candidates, policy, nowMs, denials);
  for (const refusal of facts.idpRefuses ?? []) {
    if (refusal.action === request.action) deny(denials, 'IDP_REFUSES', refusal.reason);
  }
  for (const approval of approvals) {
    if (approval.decision === 'deny') deny(denials, 'APPROVAL_DENIED', `${approval.approverId} denied it`);
  }
  const requirements = resolveRequirements(tier, request, requestedAt);
  if (requirements.windowEndsAt !== null && nowMs > Date.parse(requirements.windowEndsAt)) {
    deny(denials, 'BREAK_GLASS_WINDOW_CLOSED', 'the break-glass window has closed');
  }
  const progress = evaluate(tier, request, facts, { evidence, approvals }, nowMs);
  const denied = denials.length > 0;
  const satisfied = !denied && progress.doneAt !== null;
  const lastArrival =
    progress.doneAt === null ? null : Math.max(progress.doneAt, Number.isNaN(requestedAt) ? 0 : requestedAt);
  return {
    tier: tier.name,
    subjectClass,
    outcome: denied ? 'denied' : satisfied ? 'satisfied' : 'pending',
    unmet: progress.unmet,
    denyReasons: denials,
    ignored: progress.ignored,
    notBefore: satisfied && lastArrival !== null ? new Date(lastArrival + tier.holdMs).toISOString() : null,
    requirements,
    classification,
  };
}

/** True when a decision may execute at `now`: satisfied, its hold has ended, and a break-glass window is open. */
export function isExecutable(decision: Decision, now: string): boolean {
  const nowMs = Date.parse(now);
  if (decision.outcome !== 'satisfied' || decision.notBefore === null || Number.isNaN(nowMs)) return false;
  const windowEndsAt = decision.requirements?.windowEndsAt ?? null;
  if (windowEndsAt !== null && nowMs > Date.parse(windowEndsAt)) return false;
  return nowMs >= Date.parse(decision.notBefore);
}
