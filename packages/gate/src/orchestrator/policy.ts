/**
 * The policy as the engine consumes it: core's `decide` on the case's facts, evidence and approvals,
 * plus what the tier asks the engine to request (evidence kinds, approvers, channel age).
 * @module
 */

import {
  type Approval,
  type Decision,
  decide,
  type Evidence,
  type EvidenceExpr,
  type EvidenceKind,
  isBannedEvidenceKind,
  type Policy,
  parseDuration,
} from '@recovery-gate/core';
import type {
  ApprovalRecord,
  ApproverRole,
  DecideInput,
  DecisionView,
  PolicyEngine,
  TierRequirements,
} from './model.js';

/** Options of the policy engine that the policy file does not carry. */
/** Whether `decision` no longer counts `approval` because it went stale (the same person, role and time). */
export function isStaleIn(decision: DecisionView | null | undefined, approval: ApprovalRecord): boolean {
  return (decision?.staleApprovals ?? []).some(
    (s) => s.personId === approval.personId && s.role === approval.role && s.at === approval.at,
  );
}

export interface PolicyEngineOptions {
  /** Groups whose members may approve in a pool role. */
  readonly roleGroups?: Partial<Readonly<Record<ApproverRole, readonly string[]>>>;
  /** Seconds an open case lives without reaching execution. @default 259200 (3 days) */
  readonly caseTtlSeconds?: number;
  /** Seconds the subject has to collect the credential once execution waits for them. @default 86400 */
  readonly claimTtlSeconds?: number;
}

const DEFAULT_ROLE_GROUPS: Readonly<Record<ApproverRole, readonly string[]>> = {
  manager: [],
  sponsor: [],
  second_agent: ['HelpDesk'],
  security_team: ['SecurityTeam'],
  break_glass_authorizer: ['Incident-Commanders'],
};

function kindsIn(expr: EvidenceExpr | undefined): EvidenceKind[] {
  if (expr === undefined) return [];
  if (typeof expr === 'string') return [expr];
  return [...(expr.allOf ?? []), ...(expr.anyOf ?? []), ...(expr.of ?? [])].flatMap(kindsIn);
}

const NO_REQUIREMENTS: TierRequirements = {
  evidenceKinds: [],
  approvals: [],
  holdSeconds: 0,
  holdNotice: true,
  cancelLink: true,
  credential: null,
  revoke: { sessions: true, refreshTokens: true, grants: false },
  channelMinAgeSeconds: 1e12,
  notifySecurity: true,
};

function requirementsOf(policy: Policy, decision: Decision, input: DecideInput): TierRequirements {
  const req = decision.requirements;
  const tier = decision.tier === null ? undefined : policy.tiers[decision.tier];
  if (!req || !tier) return NO_REQUIREMENTS;
  return {
    evidenceKinds: [...new Set(kindsIn(tier.evidence))],
    approvals: tier.approvals.map((a) => ({ role: a.role, count: a.count })),
    holdSeconds: req.hold?.durationSeconds ?? 0,
    holdNotice: req.hold?.notice ?? true,
    cancelLink: req.hold?.cancelLink ?? true,
    credential:
      input.action === 'account_unlock'
        ? null
        : {
            lifetimeSeconds: req.credential.lifetimeSeconds,
            singleUse: req.credential.singleUse,
            kind: req.credential.kind,
          },
    revoke: req.revoke,
    channelMinAgeSeconds: parseDuration(tier.freshness.channelMinAge) / 1000,
    notifySecurity: req.notify.includes('security'),
    windowEndsAt: req.windowEndsAt,
  };
}

function toEvidence(input: DecideInput): Evidence[] {
  return (
    input.evidence
      // Failed evidence never counts; a banned kind is passed on so the decision says why it never counts.
      .filter((e) => e.outcome === 'passed' || isBannedEvidenceKind(e.kind))
      .map((e) => ({
        kind: e.kind as Evidence['kind'],
        at: e.at,
        by: e.personId,
        channelId: e.channelId,
        authenticatorId: typeof e.data.authenticatorId === 'string' ? e.data.authenticatorId : null,
      }))
  );
}

function toApprovals(input: DecideInput): Approval[] {
  return input.approvals.map((a) => ({
    approverId: a.personId,
    role: a.role,
    decision: a.decision,
    at: a.at,
    reason: a.reason ?? '',
  }));
}

/** Builds the engine's view of a policy. */
export function createPolicyEngine(policy: Policy, options: PolicyEngineOptions = {}): PolicyEngine {
  const groups = { ...DEFAULT_ROLE_GROUPS, ...options.roleGroups };
  return {
    decide(input: DecideInput): DecisionView {
      const evidence = toEvidence(input);
      const decision = decide(
        policy,
        {
          action: input.action,
          subjectId: input.facts.userId,
          requesterId: input.requesterId,
          origin: 'native_console',
          requestedAt: input.requestedAt,
        },
        input.facts,
        evidence,
        toApprovals(input),
        input.now.toISOString(),
      );
      const staleEvidence = decision.ignored.flatMap((f) => {
        const kind =
          f.source === 'evidence' && f.code === 'EVIDENCE_STALE' ? evidence[f.index]?.kind : undefined;
        return kind === undefined ? [] : [kind];
      });
      const staleApprovals = decision.ignored.flatMap((f) => {
        const a =
          f.source === 'approval' && f.code === 'APPROVAL_STALE' ? input.approvals[f.index] : undefined;
        // A denial never waits to be renewed: it denied the case when it was given.
        return a === undefined || a.decision !== 'approve'
          ? []
          : [{ personId: a.personId, role: a.role, at: a.at }];
      });
      return {
        tier: decision.tier,
        subjectClass: decision.subjectClass,
        outcome: decision.outcome,
        unmet: decision.unmet.map((f) => `${f.code}: ${f.message}`),
        denyReasons: decision.denyReasons.map((f) => `${f.code}: ${f.message}`),
        ignored: decision.ignored.map((f) => `${f.code}: ${f.message}`),
        staleEvidence,
        staleApprovals,
        notBefore: decision.notBefore,
        requirements: requirementsOf(policy, decision, input),
      };
    },
    bypass: {
      mode: policy.bypass.mode,
      suspend: policy.bypass.suspend,
      watchSeconds: parseDuration(policy.bypass.watch) / 1000,
    },
    roleGroups(role, tierName) {
      const tier = tierName === null ? undefined : policy.tiers[tierName];
      if (role === 'break_glass_authorizer' && tier?.authorizers) {
        return tier.authorizers.flatMap((a) => ('group' in a ? [a.group] : []));
      }
      return groups[role];
    },
    rolePersons(role, tierName) {
      const tier = tierName === null ? undefined : policy.tiers[tierName];
      if (role !== 'break_glass_authorizer' || !tier?.authorizers) return [];
      return tier.authorizers.flatMap((a) => ('person' in a ? [a.person] : []));
    },
    tierRank(tierName) {
      const tier = tierName === null ? undefined : policy.tiers[tierName];
      return tier?.rank ?? Number.POSITIVE_INFINITY;
    },
    caseTtlSeconds: options.caseTtlSeconds ?? 259_200,
    claimTtlSeconds: options.claimTtlSeconds ?? 86_400,
  };
}
