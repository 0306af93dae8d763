/**
 * The types of a decision: the request, what is unmet, why it is denied, and the resolved requirements
 * the gate executes.
 * @module
 */

import type { CredentialKind, RecoveryAction, RevocationScope } from './port.js';
import type { NOTIFY_TARGETS } from './schema/tier.js';

/** Where a recovery request came from. */
export type RequestOrigin = 'native_console' | 'api' | 'self_service';

/** A recovery request. */
export interface RecoveryRequest {
  readonly action: RecoveryAction;
  /** The IdP user id of the account being recovered. */
  readonly subjectId: string;
  /** Who asked (the agent); null for self-service (the subject asked) or when unknown. */
  readonly requesterId: string | null;
  readonly origin: RequestOrigin;
  /** When it was asked (ISO-8601 UTC). */
  readonly requestedAt: string;
}

/** The outcome of a decision. */
export type DecisionOutcome = 'satisfied' | 'pending' | 'denied';

/** Codes of requirements not met yet (the case stays pending). */
export type UnmetCode = 'EVIDENCE_MISSING' | 'APPROVAL_MISSING' | 'AUTHORIZATION_MISSING';

/** Codes of reasons a recovery is denied. */
export type DenyCode =
  | 'FACTS_UNREADABLE'
  | 'SUBJECT_MISMATCH'
  | 'REQUEST_INVALID'
  | 'ACCOUNT_INACTIVE'
  | 'NO_SUBJECT_CLASS'
  | 'NO_TIER'
  | 'SPONSOR_MISSING'
  | 'MANAGER_MISSING'
  | 'CONTRACT_EXPIRED'
  | 'CONTRACT_UNKNOWN'
  | 'REQUESTER_IS_SUBJECT'
  | 'REQUESTER_UNKNOWN'
  | 'APPROVAL_DENIED'
  | 'BREAK_GLASS_WINDOW_CLOSED'
  | 'IDP_REFUSES';

/** Codes of evidence or approvals that were given but do not count. */
export type IgnoredCode =
  | 'EVIDENCE_BANNED'
  | 'EVIDENCE_UNKNOWN_KIND'
  | 'EVIDENCE_TIME_INVALID'
  | 'EVIDENCE_FUTURE'
  | 'EVIDENCE_STALE'
  | 'EVIDENCE_WRONG_PERSON'
  | 'EVIDENCE_PERSON_MISSING'
  | 'CHANNEL_MISSING'
  | 'CHANNEL_UNKNOWN'
  | 'CHANNEL_ACCOUNT_MAILBOX'
  | 'CHANNEL_UNVERIFIED'
  | 'CHANNEL_TOO_NEW'
  | 'AUTHENTICATOR_UNKNOWN'
  | 'AUTHENTICATOR_INACTIVE'
  | 'AUTHENTICATOR_TOO_NEW'
  | 'RECOVERY_CODES_TOO_NEW'
  | 'PERSON_IS_SUBJECT'
  | 'PERSON_IS_REQUESTER'
  | 'VERIFIER_IS_EXECUTOR'
  | 'APPROVER_NOT_MANAGER'
  | 'APPROVER_NOT_SPONSOR'
  | 'APPROVER_NOT_AUTHORIZER'
  | 'APPROVER_DUPLICATE'
  | 'APPROVAL_ROLE_UNKNOWN'
  | 'APPROVAL_STALE'
  | 'RECOVERY_CODE_ALONE';

/** A stable code with a human explanation. */
export interface Finding<C extends string> {
  readonly code: C;
  readonly message: string;
}

/** Evidence or an approval that was given but does not count, and why. */
export interface IgnoredInput extends Finding<IgnoredCode> {
  /** Which input list it came from. */
  readonly source: 'evidence' | 'approval';
  /** Its index in that list. */
  readonly index: number;
}

/** Who is notified after a recovery. */
export type NotifyTarget = (typeof NOTIFY_TARGETS)[number];

/** The resolved requirements of a tier: what the gate executes once the decision is satisfied. */
export interface Requirements {
  readonly tier: string;
  /** True for a break-glass tier. */
  readonly breakGlass: boolean;
  readonly credential: {
    /** The credential kind the tier asks for; null: the adapter's own kind. */
    readonly kind: CredentialKind | null;
    readonly lifetimeSeconds: number;
    readonly singleUse: boolean;
  };
  /** What to revoke (sessions and refresh tokens always, except for account unlock). */
  readonly revoke: RevocationScope;
  /** Who to notify; always includes the subject. */
  readonly notify: readonly NotifyTarget[];
  /** Post-event review: always `required` for break-glass. */
  readonly review: 'required' | 'none';
  /** The hold before execution; null when none. */
  readonly hold: {
    readonly durationSeconds: number;
    readonly notice: boolean;
    readonly cancelLink: boolean;
  } | null;
  /** Break-glass: when the authorization window closes; null otherwise. */
  readonly windowEndsAt: string | null;
}

/** How the subject was classified. */
export interface Classification {
  /** The class; null when no class matches (the recovery is denied). */
  readonly subjectClass: string | null;
  /** False when unknown facts may have raised the class (it is the riskiest that could match). */
  readonly certain: boolean;
  /** Which facts were unknown or unreadable (e.g. `groups`, `attributes.employeeType`). */
  readonly unknownFacts: readonly string[];
  /** Every class that matches or may match, riskiest first; its `require` rules all apply. */
  readonly candidates: readonly string[];
}

/** The result of {@link decide}. */
export interface Decision {
  /** The tier; null when none applies (denied). */
  readonly tier: string | null;
  /** The subject class; null when the facts are unreadable or no class matches. */
  readonly subjectClass: string | null;
  readonly outcome: DecisionOutcome;
  /** What is still missing (empty when satisfied). */
  readonly unmet: readonly Finding<UnmetCode>[];
  /** Why it is denied (empty unless denied). */
  readonly denyReasons: readonly Finding<DenyCode>[];
  /** Evidence and approvals given that did not count, and why. */
  readonly ignored: readonly IgnoredInput[];
  /** When satisfied: the time the last required evidence or approval arrived, plus the hold. */
  readonly notBefore: string | null;
  /** The resolved tier the gate executes; null when no tier applies. */
  readonly requirements: Requirements | null;
  readonly classification: Classification;
}
