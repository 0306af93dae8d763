/**
 * The evidence expression of a tier: kinds combined with allOf, anyOf and `atLeast n of`, optionally
 * over independent channels.
 * @module
 */

import * as z from 'zod';
import {
  BANNED_EVIDENCE_REASONS,
  bannedEvidenceKindOf,
  EVIDENCE_KINDS,
  type EvidenceKind,
} from '../evidence.js';

/** An evidence expression: a kind, or an object whose present clauses must all hold. */
export type EvidenceExpr = EvidenceKind | EvidenceClause;

/** An evidence clause: every clause given (allOf, anyOf, atLeast/of) must hold. */
export interface EvidenceClause {
  readonly allOf?: readonly EvidenceExpr[] | undefined;
  readonly anyOf?: readonly EvidenceExpr[] | undefined;
  readonly atLeast?: number | undefined;
  readonly of?: readonly EvidenceExpr[] | undefined;
  readonly independentChannels?: boolean | undefined;
}

/** The schema of one countable evidence kind; a banned kind gets a message naming why. */
export const evidenceKindSchema = z
  .enum(EVIDENCE_KINDS, {
    error: (issue) => {
      const input = issue.input;
      const banned = typeof input === 'string' ? bannedEvidenceKindOf(input) : null;
      if (banned !== null) {
        return `ERR_POLICY_BANNED_EVIDENCE: "${String(input)}" never counts as evidence (${BANNED_EVIDENCE_REASONS[banned]})`;
      }
      return `expected an evidence kind: one of ${EVIDENCE_KINDS.join(', ')}`;
    },
  })
  .describe('An evidence kind that can count.');

const list = () => z.array(evidenceExprSchema).min(1);

/** The schema of an evidence expression (recursive). */
export const evidenceExprSchema: z.ZodType<EvidenceExpr> = z.lazy(() =>
  z.union([
    evidenceKindSchema,
    z
      .strictObject({
        allOf: list().optional().describe('Expressions that must all hold.'),
        anyOf: list().optional().describe('Expressions of which at least one must hold.'),
        atLeast: z.int().min(1).max(10).optional().describe('How many items of `of` must hold.'),
        of: list().optional().describe('The items `atLeast` counts; each item counts once.'),
        independentChannels: z
          .boolean()
          .optional()
          .describe(
            'When true, the evidence used inside this clause must come from pairwise independent sources: ' +
              'distinct people, and at most one proof one device could give (a push, a step-up sign-in, a ' +
              'code to a phone or any channel on file all count as one). @default false',
          ),
      })
      .superRefine((clause, ctx) => {
        if (clause.allOf === undefined && clause.anyOf === undefined && clause.atLeast === undefined) {
          ctx.addIssue({ code: 'custom', message: 'expected at least one of allOf, anyOf, atLeast' });
        }
        if ((clause.atLeast === undefined) !== (clause.of === undefined)) {
          ctx.addIssue({ code: 'custom', message: 'atLeast and of go together', path: ['atLeast'] });
        }
        if (clause.atLeast !== undefined && clause.of !== undefined && clause.atLeast > clause.of.length) {
          ctx.addIssue({
            code: 'custom',
            message: `atLeast ${clause.atLeast} cannot be met by ${clause.of.length} item(s) in of`,
            path: ['atLeast'],
          });
        }
      })
      .describe('A clause: every clause given must hold.'),
  ]),
);

/** Every evidence kind an expression mentions. */
export function evidenceKindsIn(expr: EvidenceExpr): EvidenceKind[] {
  if (typeof expr === 'string') return [expr];
  return [...(expr.allOf ?? []), ...(expr.anyOf ?? []), ...(expr.of ?? [])].flatMap(evidenceKindsIn);
}
