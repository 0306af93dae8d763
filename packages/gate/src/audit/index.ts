/**
 * The audit chain over the store: append, export as JSONL, verify.
 * @module
 */

export type { AuditVerification } from './export.js';
export { exportAudit, listAudit, verifyAudit } from './export.js';
export type { AuditRow } from './log.js';
export { appendInTx, createAuditLog, rowToRecord } from './log.js';
