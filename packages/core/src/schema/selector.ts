/**
 * Subject classes and their selectors: who is being recovered, derived from IdP facts.
 * @module
 */

import * as z from 'zod';

/** A selector over subject facts. `always` matches everyone. */
export type Selector =
  | 'always'
  | { readonly group: string }
  | { readonly adminRole: string }
  | { readonly attribute: Readonly<Record<string, string | readonly string[]>> }
  | { readonly anyOf: readonly Selector[] }
  | { readonly allOf: readonly Selector[] };

const groupSelector = z
  .strictObject({
    group: z
      .string()
      .min(1)
      .describe('A group name (direct or nested membership); compared case-insensitively.'),
  })
  .describe('Matches members of a group.');

const adminRoleSelector = z
  .strictObject({
    adminRole: z
      .string()
      .min(1)
      .describe('An admin / directory role name, or "*" for any admin role; compared case-insensitively.'),
  })
  .describe('Matches holders of an admin role.');

const attributeSelector = z
  .strictObject({
    attribute: z
      .record(
        z.string().min(1),
        z
          .union([z.string(), z.array(z.string()).min(1)])
          .describe('The value, or a list of accepted values.'),
      )
      .refine((value) => Object.keys(value).length > 0, { error: 'expected at least one attribute' })
      .describe(
        'Profile attributes that must all equal the given value (case-insensitive). A null value is unknown ' +
          'and may match; an absent attribute does not match.',
      ),
  })
  .describe('Matches on profile attributes.');

/** The schema of a selector (recursive through anyOf / allOf). */
export const selectorSchema: z.ZodType<Selector> = z.lazy(() =>
  z.union([
    z.literal('always').describe('Matches every subject.'),
    groupSelector,
    adminRoleSelector,
    attributeSelector,
    z
      .strictObject({ anyOf: z.array(selectorSchema).min(1).describe('Selectors of which one must match.') })
      .describe('Matches when any inner selector matches.'),
    z
      .strictObject({ allOf: z.array(selectorSchema).min(1).describe('Selectors that must all match.') })
      .describe('Matches when every inner selector matches.'),
  ]),
);

/** Facts a subject class may require; missing or failing ones deny the recovery. */
export const SUBJECT_REQUIREMENTS = ['sponsor', 'manager', 'contractEnd'] as const;

/** A subject class: a selector, a risk rank and facts that must be present. */
export const subjectClassSchema = z
  .strictObject({
    /** What this class is, for humans. */
    description: z.string().optional().describe('What this class is, for humans.'),
    /** Risk rank; higher is riskier. @default by declaration order, first riskiest */
    risk: z
      .int()
      .min(0)
      .max(1000)
      .optional()
      .describe(
        'Risk rank; higher is riskier and the riskiest match wins. Give it on all classes or none. ' +
          '@default by declaration order, the first class being the riskiest',
      ),
    /** Which subjects belong to this class. */
    match: selectorSchema.describe('Which subjects belong to this class.'),
    /** Facts that must be present and valid. @default [] */
    require: z
      .array(z.enum(SUBJECT_REQUIREMENTS))
      .default([])
      .describe(
        'Facts that must be present and valid for any subject this class (possibly) matches: sponsor, ' +
          'manager, contractEnd (an attribute holding a future date). Missing or expired -> denied. @default []',
      ),
  })
  .describe('A subject class.');

/** A subject class after defaults. */
export type SubjectClass = z.infer<typeof subjectClassSchema>;
