/**
 * The `pages.recoveryCodes` section: whether the gate issues saved recovery codes, how many, how long, and
 * how many tries a case and a subject get.
 * @module
 */

import { isDuration, parseDuration } from '@recovery-gate/core';
import * as z from 'zod';
import { BITS_PER_CHARACTER, MIN_CODE_LENGTH } from './hash.js';
import type { RecoveryCodesOptions } from './service.js';

/** The `pages.recoveryCodes` configuration. */
export const recoveryCodesConfigSchema = z
  .strictObject({
    count: z.number().int().min(4).max(20).default(10).describe('Codes in a set. @default 10'),
    length: z
      .number()
      .int()
      .min(MIN_CODE_LENGTH)
      .max(32)
      .default(16)
      .describe(
        `Characters per code, ${BITS_PER_CHARACTER} bits each: at least ${MIN_CODE_LENGTH} (64+ bits). @default 16 (80 bits)`,
      ),
    afterRecovery: z
      .boolean()
      .default(true)
      .describe('Issue a set, shown once, where the subject collects the credential. @default true'),
    attempts: z
      .strictObject({
        perCase: z.number().int().min(1).max(20).default(5).describe('Tries one case may make. @default 5'),
        perSubject: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(10)
          .describe('Tries one subject may make within `window`, across cases. @default 10'),
        window: z
          .string()
          .refine(isDuration, { error: 'expected a duration such as 1h or 24h' })
          .default('24h')
          .describe('The window of the per-subject limit. @default "24h"'),
      })
      .prefault({})
      .describe('Attempt limits; the subject is told when one is reached.'),
  })
  .describe('Saved recovery codes the gate issues (NIST SP 800-63B-4 §4.2.1.1). @default off');

/** What users write under `pages.recoveryCodes`. */
export type RecoveryCodesConfigInput = z.input<typeof recoveryCodesConfigSchema>;
/** The parsed section. */
export type RecoveryCodesConfig = z.infer<typeof recoveryCodesConfigSchema>;

/** The pages' recovery-code settings. */
export interface RecoveryCodesSettings extends RecoveryCodesOptions {
  /** Issue a set after a completed recovery, on the credential page. */
  readonly afterRecovery: boolean;
}

/** Turns the parsed section into settings. */
export function recoveryCodesSettingsFrom(config: RecoveryCodesConfig): RecoveryCodesSettings {
  return {
    count: config.count,
    length: config.length,
    afterRecovery: config.afterRecovery,
    attemptsPerCase: config.attempts.perCase,
    attemptsPerSubject: config.attempts.perSubject,
    subjectWindowMs: parseDuration(config.attempts.window),
  };
}
