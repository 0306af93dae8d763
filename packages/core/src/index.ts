/**
 * Recovery Gate core: policy schema, decision engine, case state machine, provider port, audit chain.
 * No I/O and no IdP SDK.
 * @module
 */

export type { AuditEntry, AuditRecord, ChainVerification } from './audit.js';
export { appendRecord, GENESIS_HASH, hashRecord, verifyChain } from './audit.js';
export type { Backoff } from './backoff.js';
export { backoffDelay, parseRetryAfter, retryWait } from './backoff.js';
export { baselinePolicy, baselinePolicyInput } from './baseline.js';
export type { JsonValue } from './canonical-json.js';
export { canonicalJson } from './canonical-json.js';
export type {
  CaseEvent,
  CaseEventType,
  CaseState,
} from './case.js';
export {
  CASE_EVENT_TYPES,
  CASE_STATES,
  CASE_TRANSITIONS,
  canTransitionCase,
  isTerminalCaseState,
  TERMINAL_CASE_STATES,
  transitionCase,
} from './case.js';
export type { Match } from './classify.js';
export { classifyOrdered, classifySubject, matchSelector } from './classify.js';
export type { ApprovalGroup, CompiledPolicy, CompiledTier, PieceKind, ReqNode } from './compile.js';
export { compilePolicy, tierFor } from './compile.js';
export type { DateFormat } from './dates.js';
export { DATE_FORMATS, parseAttributeDate } from './dates.js';
export { decide, isExecutable } from './decide.js';
export type * from './decision-types.js';
export type { DoctorCheck, DoctorOptions, DoctorProbe, DoctorReport, DoctorStatus } from './doctor.js';
export { CLOCK_WARN_MS, clockCheck, doctorFail, doctorOk, runDoctor } from './doctor.js';
export { DURATION_PATTERN, formatDuration, isDuration, parseDuration } from './duration.js';
export type { ErrorCode, GateErrorOptions, IdpErrorContext, IdpErrorMapper } from './errors.js';
export { ERROR_CODES, GateError, isGateError } from './errors.js';
export type { Approval, ApprovalRole, BannedEvidenceKind, Evidence, EvidenceKind } from './evidence.js';
export {
  APPROVAL_EVIDENCE_KIND,
  APPROVAL_ROLES,
  BANNED_EVIDENCE_KINDS,
  BANNED_EVIDENCE_REASONS,
  bannedEvidenceKindOf,
  EVIDENCE_KINDS,
  isBannedEvidenceKind,
  isEvidenceKind,
  isRecoveryCodeKind,
  PERSON_EVIDENCE_KINDS,
  RECOVERY_CODE_KINDS,
  SUBJECT_EVIDENCE_KINDS,
} from './evidence.js';
export * from './idv/index.js';
export type { ConfigIssue } from './load.js';
export {
  configIssues,
  loadPolicyYaml,
  parseConfig,
  parsePolicy,
  parseYaml,
  policyJsonSchema,
  readConfigIssues,
  toConfigError,
} from './load.js';
export { isPrivilegedSubject } from './lone-code.js';
export type { Piece } from './pieces.js';
export { CLOCK_SKEW_MS } from './pieces.js';
export type * from './port.js';
export { CAPABILITIES, IDP_KINDS, RECOVERY_ACTIONS } from './port.js';
export { classesByRisk, classRisks, tierStrictness } from './ranking.js';
export { SEARCH_BUDGET } from './satisfy.js';
export type { CapabilityIssue } from './schema/capability-checks.js';
export { EVIDENCE_CAPABILITY, unsupportedEvidenceIssues } from './schema/capability-checks.js';
export type { EvidenceClause, EvidenceExpr } from './schema/evidence-expr.js';
export { evidenceExprSchema, evidenceKindSchema, evidenceKindsIn } from './schema/evidence-expr.js';
export type { Policy, PolicyInput } from './schema/policy.js';
export { bypassSchema, matrixSchema, policySchema, policyShape } from './schema/policy.js';
export type { Selector, SubjectClass } from './schema/selector.js';
export { SUBJECT_REQUIREMENTS, selectorSchema, subjectClassSchema } from './schema/selector.js';
export type { Tier, TierInput } from './schema/tier.js';
export {
  APPROVAL_MAX_AGE_CAP,
  BREAK_GLASS_WINDOW_CAP,
  CREDENTIAL_KINDS,
  CREDENTIAL_LIFETIME_CAP,
  EVIDENCE_MAX_AGE_CAP,
  HOLD_CAP,
  NOTIFY_TARGETS,
  REVOCATION_TARGETS,
  tierSchema,
} from './schema/tier.js';
export type { Secret } from './secret.js';
export { createSecret, isSecret, secretsEqual } from './secret.js';
export { findSecret, isSecretKey, isSecretValue } from './secret-rule.js';
export { allOrThrow } from './settle.js';
export { describeRequirement } from './unmet.js';
