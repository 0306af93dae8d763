/**
 * The orchestrator's own vocabulary: case rows, evidence, approvals, journal entries, and the
 * narrow view of the policy decision the engine needs.
 * @module
 */

import type {
  CaseState,
  CredentialKind,
  IdpKind,
  RecoveryAction,
  RevocationScope,
  SubjectFacts,
} from '@recovery-gate/core';

/** Where a case is in its life (core's case states). */
export type CaseStateName = CaseState;

/** States from which a case can still move. */
export const OPEN_STATES: readonly CaseStateName[] = ['requested', 'verifying', 'held', 'executing'];

/** A recovery case (or a bypass incident record). */
export interface CaseRecord {
  readonly id: string;
  readonly kind: 'recovery' | 'incident';
  readonly idp: IdpKind;
  readonly subjectId: string;
  readonly subjectLogin: string | null;
  readonly action: RecoveryAction;
  /** Who raised it; null while the IdP has not said (separation of duties then fails closed). */
  readonly requesterId: string | null;
  readonly state: CaseStateName;
  readonly tier: string | null;
  readonly subjectClass: string | null;
  readonly notBefore: string | null;
  readonly facts: SubjectFacts | null;
  readonly decision: DecisionView | null;
  readonly reason: string | null;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly expiresAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly completedAt: string | null;
}

/** One piece of evidence recorded on a case. */
export interface EvidenceRecord {
  readonly kind: string;
  /** Who presented it (the subject's IdP id for possession proofs; the officer for supervised proofing). */
  readonly personId: string | null;
  /** The channel on file it came through, when any. */
  readonly channelId: string | null;
  readonly outcome: 'passed' | 'failed';
  readonly at: string;
  readonly data: Readonly<Record<string, string | number | boolean | null>>;
}

/** An approver role. */
export type ApproverRole =
  | 'manager'
  | 'sponsor'
  | 'second_agent'
  | 'security_team'
  | 'break_glass_authorizer';

/** One approval (or denial) recorded on a case. */
export interface ApprovalRecord {
  readonly personId: string;
  readonly role: ApproverRole;
  readonly decision: 'approve' | 'deny';
  readonly reason: string | null;
  readonly at: string;
  /** How many times its approver renewed it after it went stale (0 or absent: never). */
  readonly renewals?: number;
}

/** An approval the policy no longer counts because it is older than the tier allows. */
export interface StaleApproval {
  readonly personId: string;
  readonly role: ApproverRole;
  /** When it was given (the stale approval's own time, so a renewal of it is a different one). */
  readonly at: string;
}

/** A step of the execution plan (or of case preparation). */
export interface JournalEntry {
  readonly step: string;
  readonly state: 'pending' | 'started' | 'done';
  readonly attempts: number;
  /** IdP ids and timestamps the step produced; never a secret. */
  readonly result: Readonly<Record<string, unknown>>;
  readonly error: string | null;
  readonly updatedAt: string;
}

/** What a tier asks for, as the engine needs it. */
export interface TierRequirements {
  /** Evidence kinds that can count for this tier (the engine asks for these). */
  readonly evidenceKinds: readonly string[];
  /** Approvals to ask for. */
  readonly approvals: readonly { readonly role: ApproverRole; readonly count: number }[];
  readonly holdSeconds: number;
  /** Whether the hold sends notice to every channel on file, and whether it carries a cancel link. */
  readonly holdNotice: boolean;
  readonly cancelLink: boolean;
  /** The temporary credential, or null when the action issues none. */
  readonly credential: {
    readonly lifetimeSeconds: number;
    readonly singleUse: boolean;
    /** The kind the tier asks for explicitly; absent: the adapter's own, shown once by the gate. */
    readonly kind?: CredentialKind | null;
  } | null;
  readonly revoke: RevocationScope;
  /** How long a channel must have been on file to carry a verification link. */
  readonly channelMinAgeSeconds: number;
  readonly notifySecurity: boolean;
  /**
   * Break-glass: when the access this case grants ends (the request time plus the tier's window, fixed when
   * decided, so a restart under a changed policy still ends it then); null or absent otherwise.
   */
  readonly windowEndsAt?: string | null;
}

/** The policy decision, narrowed to what the engine acts on. */
export interface DecisionView {
  readonly tier: string | null;
  readonly subjectClass: string | null;
  readonly outcome: 'satisfied' | 'pending' | 'denied';
  /** Codes and messages of what is missing, e.g. `EVIDENCE_MISSING: ...`. */
  readonly unmet: readonly string[];
  /** Codes and messages of why it is denied. */
  readonly denyReasons: readonly string[];
  /** Evidence and approvals that were given but do not count, and why. */
  readonly ignored: readonly string[];
  /**
   * The kinds of the evidence among those that is older than the tier allows, one entry per proof (the gate
   * asks the subject again once for each). Absent in decisions stored before it existed.
   */
  readonly staleEvidence?: readonly string[];
  /**
   * The approvals among those that are older than the tier allows (the gate asks each approver once more
   * per stale approval, and lets them renew it). Absent in decisions stored before it existed.
   */
  readonly staleApprovals?: readonly StaleApproval[];
  readonly notBefore: string | null;
  readonly requirements: TierRequirements;
}

/** A request to open a case. */
export interface OpenCaseRequest {
  readonly idp: IdpKind;
  /** The subject's IdP id or login. */
  readonly subject: string;
  readonly action: RecoveryAction;
  /** Who asked (the agent's IdP id). */
  readonly requesterId: string;
  /** The idempotency key of the event that asked, when any. */
  readonly sourceEventId?: string;
}

/** What the policy engine is asked. */
export interface DecideInput {
  readonly caseId: string;
  readonly action: RecoveryAction;
  readonly requesterId: string | null;
  readonly facts: SubjectFacts;
  readonly evidence: readonly EvidenceRecord[];
  readonly approvals: readonly ApprovalRecord[];
  /** When the request was made. */
  readonly requestedAt: string;
  readonly now: Date;
}

/** The policy as the engine consumes it (adapted from core's `decide`). */
export interface PolicyEngine {
  decide(input: DecideInput): DecisionView;
  readonly bypass: {
    readonly mode: 'detect' | 'enforce';
    readonly suspend: boolean;
    /** Seconds an account is watched after a bypass (a new enrolment, even its own, escalates). */
    readonly watchSeconds: number;
  };
  /** Group names that qualify a person for a pool role (second agent, security team...) on a tier. */
  roleGroups(role: ApproverRole, tier: string | null): readonly string[];
  /** IdP user ids a tier names as break-glass authorizers (`{ person: ... }`); empty for other roles. */
  rolePersons(role: ApproverRole, tier: string | null): readonly string[];
  /** The tier's rank (higher is riskier); unknown or no tier ranks above every tier, so it never lowers one. */
  tierRank(tier: string | null): number;
  /** Seconds before an open case expires without progress. */
  readonly caseTtlSeconds: number;
  /** Seconds a case may stay executing after its hold before the subject claims the credential. */
  readonly claimTtlSeconds: number;
}
