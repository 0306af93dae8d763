/**
 * Saved recovery codes issued by the gate.
 * @module
 */

export type { RecoveryCodesConfig, RecoveryCodesConfigInput, RecoveryCodesSettings } from './config.js';
export { recoveryCodesConfigSchema, recoveryCodesSettingsFrom } from './config.js';
export type { HashCost } from './hash.js';
export { DEFAULT_HASH_COST, formatCode, MIN_CODE_LENGTH } from './hash.js';
export type {
  AttemptOutcome,
  CodeSubject,
  IssuedCodes,
  RecoveryCodes,
  RecoveryCodesDeps,
  RecoveryCodesOptions,
} from './service.js';
export { createRecoveryCodes } from './service.js';
export { RECOVERY_CODES_MIGRATION } from './store.js';
