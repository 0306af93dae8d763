/**
 * The policy part of `recovery-gate.yaml`: subject classes, tiers, the action x class matrix and bypass.
 * The gate extends it with its own sections (`policySchema.extend({...})`).
 * @module
 */

import * as z from 'zod';
import { DATE_FORMATS } from '../dates.js';
import { RECOVERY_ACTIONS, type RecoveryAction } from '../port.js';
import { durationSchema, nameSchema } from './common.js';
import { checkPolicy } from './policy-checks.js';
import { subjectClassSchema } from './selector.js';
import { tierSchema } from './tier.js';

const matrixRowSchema = z
  .record(
    z.string().describe('A subject class name, or "*" for every class not named.'),
    nameSchema.describe('The tier name.'),
  )
  .describe('Subject class -> tier for one action; "*" covers every class not named.');

const matrixShape = Object.fromEntries(
  RECOVERY_ACTIONS.map((action) => [
    action,
    matrixRowSchema.optional().describe(`Tiers for ${action}. @default none: the action is denied`),
  ]),
) as Record<RecoveryAction, z.ZodOptional<typeof matrixRowSchema>>;

/** The schema of the action x subject class -> tier matrix. */
export const matrixSchema = z
  .strictObject(matrixShape)
  .describe('Action x subject class -> tier. An action without a row is always denied.');

/** The schema of bypass handling (recoveries done outside the gate, in the native console). */
export const bypassSchema = z
  .strictObject({
    /** detect: alert only; enforce: revoke and remove what the bypass bound. @default "detect" */
    mode: z
      .enum(['detect', 'enforce'])
      .default('detect')
      .describe(
        'detect: alert only; enforce: revoke sessions, remove authenticators bound by the bypass, alert. ' +
          '@default "detect"',
      ),
    /** In enforce mode, also suspend the account. @default false */
    suspend: z
      .boolean()
      .default(false)
      .describe(
        'In enforce mode, also suspend the account until a recovery through the gate. @default false',
      ),
    /** How long an account is watched after a bypass: any new enrolment, even its own, escalates. @default "72h" */
    watch: durationSchema
      .default('72h')
      .describe(
        'How long an account is watched after a bypass: a new enrolment or contact change, even by the ' +
          'account itself, is an incident that suspends it (enforce) and alerts, until a recovery through ' +
          'the gate. @default "72h"',
      ),
  })
  .describe('What to do about recoveries done outside the gate.');

/** The shape of the policy sections, for composing a larger file schema. */
export const policyShape = {
  /** The policy format version. */
  version: z.literal(1).describe('The policy format version; always 1.'),
  /** Subject classes by name. */
  subjects: z
    .record(nameSchema, subjectClassSchema)
    .refine((value) => Object.keys(value).length > 0, { error: 'expected at least one subject class' })
    .describe('Subject classes by name; the riskiest match wins, unknown facts never lower it.'),
  /** Tiers by name. */
  tiers: z
    .record(nameSchema, tierSchema)
    .refine((value) => Object.keys(value).length > 0, { error: 'expected at least one tier' })
    .describe('Tiers by name.'),
  /** Action x subject class -> tier. */
  matrix: matrixSchema,
  /** Bypass handling. @default { mode: "detect", suspend: false } */
  bypass: bypassSchema.prefault({}),
  /** How dates in IdP attributes (contractEnd) are written. @default "iso8601" */
  dateFormat: z
    .enum(DATE_FORMATS)
    .optional()
    .describe(
      'How dates in IdP attributes (contractEnd) are written: iso8601 (2026-05-12, or a time with its ' +
        'zone), dd/mm/yyyy or mm/dd/yyyy. Anything else is unknown, and unknown denies. @default "iso8601"',
    ),
} as const;

/**
 * The schema of the policy part of `recovery-gate.yaml`. Strict: an unknown key fails. Cross-field
 * checks (matrix names, banned evidence, caps, monotonic tiers) run as a refinement, and survive
 * `policySchema.extend({...})`.
 */
export const policySchema = z
  .strictObject(policyShape)
  // Cross-field checks read well-typed values only, so they run once every field is valid.
  .superRefine(checkPolicy, { when: (payload) => payload.issues.length === 0 })
  .describe('Recovery Gate policy.');

/** A policy after defaults (what `parsePolicy` returns). */
export type Policy = z.infer<typeof policySchema>;
/** A policy as written in YAML (defaults optional). */
export type PolicyInput = z.input<typeof policySchema>;
