/**
 * Post-event reviews: opened for the cases that need one, reminded and escalated until a reviewer who took
 * no part in the case closes it (console, CLI).
 * @module
 */

export {
  type CloseInput,
  closeReview,
  getReview,
  listReviews,
  participants,
  type ReviewerCheck,
  type ReviewFilter,
} from './close.js';
export { type ReviewsConfig, reviewSettingsFrom, reviewsConfigSchema } from './config.js';
export {
  isOverdue,
  REVIEW_KINDS,
  REVIEW_OUTCOMES,
  type ReviewDeps,
  type ReviewKind,
  type ReviewOutcome,
  type ReviewRecord,
  type ReviewSettings,
} from './model.js';
export { publishGauges, reviewLoop, reviewTiers, type SweepResult, sweepReviews } from './open.js';
export { inGroups } from './roles.js';
export { REVIEW_MIGRATIONS } from './schema.js';
