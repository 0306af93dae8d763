/**
 * Recovery Gate service: storage, intake (hooks, pollers, inbox), audit, notifications, metrics, HTTP server,
 * configuration, the case engine, and `createGate` to run it all.
 * @module
 */

export type { AuditRow, AuditVerification } from './audit/index.js';
export {
  anchorChain,
  createAuditLog,
  createCheckpointSigner,
  exportAudit,
  listAudit,
  verifyAudit,
  verifyCheckpoints,
  verifyKeysFrom,
} from './audit/index.js';
export type {
  AttemptOutcome,
  CodeSubject,
  IssuedCodes,
  RecoveryCodes,
  RecoveryCodesConfig,
  RecoveryCodesConfigInput,
  RecoveryCodesOptions,
  RecoveryCodesSettings,
} from './codes/index.js';
export { createRecoveryCodes, recoveryCodesConfigSchema, recoveryCodesSettingsFrom } from './codes/index.js';
export type { AdapterModule, Adapters, GateConfig, LoadConfigOptions } from './config/index.js';
export {
  buildProviders,
  gateConfigJsonSchema,
  gateConfigSchema,
  loadAdapters,
  loadConfig,
} from './config/index.js';
export type { Intake, IntakeOptions, Poller, PollResult, SecurityAlert } from './intake/index.js';
export { createIntake, eventKey, handleHook, MAX_HOOK_BODY_BYTES } from './intake/index.js';
export type { LoggerOptions, LogLevel } from './log.js';
export { createLogger, maskAddress, redact, silentLogger } from './log.js';
export type { MetricDefinition } from './metrics.js';
export { createMetrics, GATE_METRICS } from './metrics.js';
export type { OutboxNotifier, Transport, Transports } from './notify/index.js';
export {
  createOutboxNotifier,
  createSmsWebhookTransport,
  createSmtpTransport,
  createWebhookTransport,
  transportsFromConfig,
} from './notify/index.js';
export * from './orchestrator/index.js';
export * from './pages/index.js';
export {
  closeReview,
  listReviews,
  REVIEW_MIGRATIONS,
  type ReviewSettings,
  sweepReviews,
} from './reviews/index.js';
export type { Handler, HttpServer, RequestContext, RouteResponse, Router } from './server/index.js';
export { createRouter, jsonError, readBody, startHttpServer } from './server/index.js';
export type { Gate, GateOptions } from './service.js';
export { createGate, storeLocation } from './service.js';
export type { StoreLocation } from './store/index.js';
export { GATE_MIGRATIONS, hasSqlState, openStore, UNIQUE_VIOLATION } from './store/index.js';
export type * from './types.js';
