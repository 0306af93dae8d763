/**
 * Evidence and approvals: what a subject or another person produced toward a recovery, and the kinds
 * that can never count whatever a policy says.
 * @module
 */

/** Evidence kinds that can count toward a tier. */
export type EvidenceKind =
  | 'device_challenge'
  | 'oidc_step_up'
  | 'phone_otp'
  | 'recovery_code'
  | 'idp_recovery_code'
  | 'manager_approval'
  | 'sponsor_approval'
  | 'second_agent_approval'
  | 'security_team_approval'
  | 'supervised_proofing'
  | 'idv_ial2';

/** Every countable evidence kind, in a stable order. */
export const EVIDENCE_KINDS = [
  'device_challenge',
  'oidc_step_up',
  'phone_otp',
  'recovery_code',
  'idp_recovery_code',
  'manager_approval',
  'sponsor_approval',
  'second_agent_approval',
  'security_team_approval',
  'supervised_proofing',
  'idv_ial2',
] as const satisfies readonly EvidenceKind[];

/**
 * Kinds that parse (they arrive from outside) but never count: knowledge-based questions, verbal
 * confirmation, caller ID, and a link to the mailbox of the very account being recovered.
 */
export type BannedEvidenceKind =
  | 'kba'
  | 'knowledge_questions'
  | 'verbal_confirmation'
  | 'caller_id'
  | 'account_mailbox_link';

/** Every banned evidence kind, in a stable order. */
export const BANNED_EVIDENCE_KINDS = [
  'kba',
  'knowledge_questions',
  'verbal_confirmation',
  'caller_id',
  'account_mailbox_link',
] as const satisfies readonly BannedEvidenceKind[];

/** Why each banned kind never counts (shown in errors and docs). */
export const BANNED_EVIDENCE_REASONS: Readonly<Record<BannedEvidenceKind, string>> = {
  kba: 'knowledge-based answers (date of birth, SSN, employee id) are bought or phished; zero assurance',
  knowledge_questions: 'security questions are knowledge-based; zero assurance',
  verbal_confirmation: 'a caller saying who they are proves nothing',
  caller_id: 'caller ID is spoofable and follows SIM swaps',
  account_mailbox_link: 'whoever holds the account may hold its own mailbox; it is not independent',
};

/** Kinds produced by the subject themself (possession of something bound or on file). */
export const SUBJECT_EVIDENCE_KINDS = [
  'device_challenge',
  'oidc_step_up',
  'phone_otp',
  'recovery_code',
  'idp_recovery_code',
] as const satisfies readonly EvidenceKind[];

/**
 * The two kinds of saved recovery code: `recovery_code`, issued by the gate, and `idp_recovery_code`, the
 * IdP's own (Keycloak recovery-authn-codes), proven by a sign-in through the IdP that used one.
 */
export const RECOVERY_CODE_KINDS = [
  'recovery_code',
  'idp_recovery_code',
] as const satisfies readonly EvidenceKind[];

/** True when `kind` is a saved recovery code of either kind. */
export function isRecoveryCodeKind(kind: string): boolean {
  return (RECOVERY_CODE_KINDS as readonly string[]).includes(kind);
}

/** Kinds attested by another person (the approver or the proofing officer is in `by`). */
export const PERSON_EVIDENCE_KINDS = [
  'manager_approval',
  'sponsor_approval',
  'second_agent_approval',
  'security_team_approval',
  'supervised_proofing',
] as const satisfies readonly EvidenceKind[];

/** One piece of evidence toward a recovery. */
export interface Evidence {
  /** What was done; banned kinds are accepted as input but never count. */
  readonly kind: EvidenceKind | BannedEvidenceKind;
  /** When it was produced (ISO-8601 UTC). */
  readonly at: string;
  /** Who produced it: the subject for step-up / OTP, an officer for supervised proofing, the approver. */
  readonly by: string | null;
  /** The channel on file it used (`phone:mobile`), for independence and channel age; null when none. */
  readonly channelId: string | null;
  /** The bound authenticator it used, when known. */
  readonly authenticatorId?: string | null;
}

/** The role an approver acts in. */
export type ApprovalRole =
  | 'manager'
  | 'sponsor'
  | 'second_agent'
  | 'security_team'
  | 'break_glass_authorizer';

/** Every approval role, in a stable order. */
export const APPROVAL_ROLES = [
  'manager',
  'sponsor',
  'second_agent',
  'security_team',
  'break_glass_authorizer',
] as const satisfies readonly ApprovalRole[];

/** An approver's decision on a case. */
export interface Approval {
  /** The approver's IdP user id. */
  readonly approverId: string;
  readonly role: ApprovalRole;
  readonly decision: 'approve' | 'deny';
  /** When it was given (ISO-8601 UTC). */
  readonly at: string;
  /** The approver's reason, in their words. */
  readonly reason: string;
}

/** The evidence kind an approval in `role` also satisfies; null for break-glass authorizers. */
export const APPROVAL_EVIDENCE_KIND: Readonly<Record<ApprovalRole, EvidenceKind | null>> = {
  manager: 'manager_approval',
  sponsor: 'sponsor_approval',
  second_agent: 'second_agent_approval',
  security_team: 'security_team_approval',
  break_glass_authorizer: null,
};

/** True when `kind` is one of the kinds that never count. */
export function isBannedEvidenceKind(kind: string): kind is BannedEvidenceKind {
  return (BANNED_EVIDENCE_KINDS as readonly string[]).includes(kind);
}

/** Spellings of the banned kinds people write in configs, keyed lower case with `_` for spaces and dashes. */
const BANNED_SPELLINGS: Readonly<Record<string, BannedEvidenceKind>> = {
  kba: 'kba',
  knowledge_based: 'kba',
  knowledge_based_authentication: 'kba',
  knowledge_based_answers: 'kba',
  knowledge_based_verification: 'kba',
  knowledge_questions: 'knowledge_questions',
  knowledge_question: 'knowledge_questions',
  security_questions: 'knowledge_questions',
  security_question: 'knowledge_questions',
  secret_questions: 'knowledge_questions',
  secret_question: 'knowledge_questions',
  challenge_questions: 'knowledge_questions',
  verbal_confirmation: 'verbal_confirmation',
  verbal: 'verbal_confirmation',
  verbal_verification: 'verbal_confirmation',
  caller_id: 'caller_id',
  callerid: 'caller_id',
  caller_id_verification: 'caller_id',
  account_mailbox_link: 'account_mailbox_link',
  mailbox_link: 'account_mailbox_link',
};

/**
 * The banned kind `input` names in any common spelling (`knowledge_based`, `Security-Questions`,
 * `KBA`), or null: a config that names one is refused as banned, not as unknown.
 */
export function bannedEvidenceKindOf(input: string): BannedEvidenceKind | null {
  const key = input
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return Object.hasOwn(BANNED_SPELLINGS, key) ? (BANNED_SPELLINGS[key] ?? null) : null;
}

/** True when `kind` is a kind that can count. */
export function isEvidenceKind(kind: string): kind is EvidenceKind {
  return (EVIDENCE_KINDS as readonly string[]).includes(kind);
}
