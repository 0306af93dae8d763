/**
 * Remote identity proofing (IAL2) through identity-verification providers, in the gate.
 * @module
 */

export type { IdvModule } from './load.js';
export { buildIdvProviders, loadIdvModule } from './load.js';
export { IDV_MIGRATIONS } from './schema.js';
export type { IdvAttemptView, IdvDeps, IdvService, IdvSettled } from './service.js';
export { createIdvService, IDV_RETURN_PATH } from './service.js';
