/**
 * The `reviews:` section of recovery-gate.yaml: who reviews, and how long they have.
 * @module
 */

import { isDuration, parseDuration } from '@recovery-gate/core';
import * as z from 'zod';
import type { ReviewSettings } from './model.js';

const durationSchema = z.string().refine(isDuration, { error: 'expected a duration such as 30m, 24h or 3d' });

/** The schema of `reviews:`. */
export const reviewsConfigSchema = z
  .strictObject({
    reviewerGroups: z
      .array(z.string().min(1))
      .min(1)
      .default(['SecurityTeam'])
      .describe(
        'IdP groups whose members may close post-event reviews (read from the IdP the console signs in with); the first is named as the assignee. @default ["SecurityTeam"]',
      ),
    due: durationSchema
      .default('72h')
      .describe('How long reviewers have from the moment a review opens. @default "72h"'),
    remindEvery: durationSchema
      .default('24h')
      .describe(
        'How often open reviews are reminded (before due) and escalated to security (after), via the notification outbox. @default "24h"',
      ),
  })
  .describe(
    'Post-event reviews: every case of a tier with review: required, every break-glass use and every bypass or repudiation incident.',
  );

/** The parsed `reviews:` section. */
export type ReviewsConfig = z.infer<typeof reviewsConfigSchema>;

/** The settings the review timer and close use. */
export function reviewSettingsFrom(config: ReviewsConfig): ReviewSettings {
  return {
    reviewerGroups: config.reviewerGroups,
    dueSeconds: parseDuration(config.due) / 1000,
    remindSeconds: Math.max(parseDuration(config.remindEvery) / 1000, 60),
  };
}
