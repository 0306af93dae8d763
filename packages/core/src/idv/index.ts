/**
 * Identity verification (IAL2 remote proofing) through providers: the port, the normalised result and the
 * rules before a result counts as `idv_ial2`.
 * @module
 */

export type { DiacriticsRule, MiddleNameRule } from './names.js';
export { familyNamesMatch, givenNamesMatch, nameTokens } from './names.js';
export type { IdvProvider, IdvReceived, IdvReturn, IdvStarted, IdvStartInput } from './port.js';
export { evidenceRequires } from './requires.js';
export type {
  IdvBinding,
  IdvBiometric,
  IdvClaims,
  IdvDocument,
  IdvProviderKind,
  IdvResult,
} from './result.js';
export { IDV_PROVIDER_KINDS } from './result.js';
export type { IdvCheck, IdvEvaluation, IdvExpected, IdvFailure, IdvRecord, IdvVerdict } from './rules.js';
export { evaluateIdv, IDV_CHECKS, idvRecordOf } from './rules.js';
export type { IdvRules, IdvRulesInput } from './schema.js';
export {
  DEFAULT_IDV_LEVELS,
  DEFAULT_IDV_RULES,
  DEFAULT_IDV_TRUST_FRAMEWORKS,
  IDV_SCORE_FLOOR,
  idvRulesSchema,
} from './schema.js';
