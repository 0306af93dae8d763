/**
 * The per-tier rules an identity verification must meet before it counts as `idv_ial2`.
 * @module
 */

import * as z from 'zod';

/** Default trust frameworks (OpenID IA predefined value for NIST SP 800-63A). */
export const DEFAULT_IDV_TRUST_FRAMEWORKS = ['nist_800_63A'] as const;
/** Default accepted levels: IAL2 and above. */
export const DEFAULT_IDV_LEVELS = ['ial2', 'ial3'] as const;
/** The lowest face-match score a tier may accept, whatever it says. */
export const IDV_SCORE_FLOOR = 50;

/** The schema of a tier's `idv` rules. */
export const idvRulesSchema = z
  .strictObject({
    provider: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The identity-verification provider (a name under identityVerification.providers). @default the only one configured',
      ),
    trustFrameworks: z
      .array(z.string().min(1))
      .min(1)
      .default([...DEFAULT_IDV_TRUST_FRAMEWORKS])
      .describe(
        'Trust frameworks whose assurance levels count (compared ignoring case). @default ["nist_800_63A"]',
      ),
    assuranceLevels: z
      .array(z.string().min(1))
      .min(1)
      .default([...DEFAULT_IDV_LEVELS])
      .describe(
        'Assurance levels that count under those frameworks (compared ignoring case, "-" and "_"); a lower one never counts. @default ["ial2", "ial3"]',
      ),
    minScore: z
      .number()
      .min(IDV_SCORE_FLOOR)
      .max(100)
      .default(70)
      .describe(
        `The lowest face-match confidence (0–100) that counts; at least ${IDV_SCORE_FLOOR}. @default 70 (Microsoft's Face Check default)`,
      ),
    requireScore: z
      .boolean()
      .default(false)
      .describe(
        "Refuse a result whose provider reports a passed face match without a score (many OpenID IA providers only report the check). @default false: the provider's pass counts, a reported score must reach minScore",
      ),
    names: z
      .strictObject({
        diacritics: z
          .enum(['fold', 'exact'])
          .default('fold')
          .describe(
            'fold: José = Jose, Müller = Muller; exact: marks must match. Case never matters. @default "fold"',
          ),
        middleNames: z
          .enum(['ignore', 'match'])
          .default('ignore')
          .describe(
            'ignore: the first given name must match and the other given names on the shorter side appear on the longer; match: every given name in order. Nicknames never match. @default "ignore"',
          ),
        givenNameAttribute: z
          .string()
          .min(1)
          .default('givenName')
          .describe('The IdP profile attribute with the given name. @default "givenName"'),
        familyNameAttribute: z
          .string()
          .min(1)
          .default('familyName')
          .describe('The IdP profile attribute with the family name. @default "familyName"'),
        legalGivenNameAttribute: z
          .string()
          .min(1)
          .optional()
          .describe(
            'An IdP profile attribute with the legal given name (as on the document); used instead of the given name when it has a value, so preferred names stop failing. @default none',
          ),
        legalFamilyNameAttribute: z
          .string()
          .min(1)
          .optional()
          .describe(
            'An IdP profile attribute with the legal family name; used when it has a value. @default none',
          ),
      })
      .prefault({})
      .describe('How verified names are compared with the IdP record.'),
    birthdateAttribute: z
      .string()
      .min(1)
      .default('birthdate')
      .describe(
        'The IdP profile attribute with the birth date (YYYY-MM-DD); when the record has one, the verified birth date must equal it. @default "birthdate"',
      ),
    employeeNumberAttribute: z
      .string()
      .min(1)
      .default('employeeNumber')
      .describe(
        'The IdP profile attribute with the employee number; compared when both the record and the result carry one. @default "employeeNumber"',
      ),
  })
  .describe(
    'Rules a remote identity verification must meet before it counts as idv_ial2: level, binding to the IdP record, score. Freshness is freshness.evidenceMaxAge.',
  );

/** A tier's IDV rules after defaults. */
export type IdvRules = z.infer<typeof idvRulesSchema>;
/** A tier's IDV rules as written. */
export type IdvRulesInput = z.input<typeof idvRulesSchema>;

/** The rules a tier without an `idv` section gets. */
export const DEFAULT_IDV_RULES: IdvRules = idvRulesSchema.parse({});
