/**
 * The case engine: cases from events, evidence and approvals, holds, journaled execution, bypasses.
 * @module
 */

export type { ApprovalInput, EvidenceInput } from './api.js';
export type { PendingChallenge } from './challenges.js';
export type { ClaimedCredential, ClaimOptions } from './claim.js';
export type { EngineOptions } from './context.js';
export type { CaseEngine, CaseFilter, CaseView, OrchestratorOptions } from './engine.js';
export { createOrchestrator } from './engine.js';
export type { ConsumedLink, CreatedLink, LinkPurpose } from './links.js';
export type {
  ApprovalRecord,
  ApproverRole,
  CaseRecord,
  CaseStateName,
  DecisionView,
  EvidenceRecord,
  JournalEntry,
  OpenCaseRequest,
  StaleApproval,
  TierRequirements,
} from './model.js';
export { deliveryOf } from './plan.js';
export type { PolicyEngineOptions } from './policy.js';
export { isStaleIn } from './policy.js';
export { orchestratorMigrations } from './schema.js';
