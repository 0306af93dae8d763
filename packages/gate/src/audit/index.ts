/**
 * The audit chain over the store: append, export as JSONL, verify.
 * @module
 */

export type { AnchorResult, Checkpoint, CheckpointSigner, CheckpointVerification } from './checkpoint.js';
export {
  anchorChain,
  createCheckpointSigner,
  latestCheckpoint,
  verifyCheckpoints,
  verifyKeysFrom,
} from './checkpoint.js';
export type { AuditAnchor, AuditVerification } from './export.js';
export { createAuditVerifier, exportAudit, listAudit, verifyAudit } from './export.js';
export type { AuditRow } from './log.js';
export { appendInTx, createAuditLog, rowToRecord } from './log.js';
export type { AuditSink, SplunkHecSinkOptions, SyslogSinkOptions } from './stream.js';
export {
  createSplunkHecSink,
  createSyslogSink,
  octetFrame,
  streamAudit,
  streamCursors,
  syslogMessage,
} from './stream.js';
