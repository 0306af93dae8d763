import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { passingEvaluation, passingResult } from './fixture.test-helper.js';
import type { IdvResult } from './result.js';
import { evaluateIdv, IDV_CHECKS, type IdvCheck } from './rules.js';

/** One way to break exactly one rule, and the check that must then name it. */
const BREAKS: readonly [IdvCheck, (r: IdvResult) => IdvResult][] = [
  ['provider', (r) => ({ ...r, provider: 'someone-else' })],
  ['binding', (r) => ({ ...r, binding: { ...r.binding, state: 'forged' } })],
  ['binding', (r) => ({ ...r, binding: { ...r.binding, nonce: null } })],
  ['freshness', (r) => ({ ...r, verifiedAt: '2026-03-09T12:00:00.000Z' })],
  ['assurance', (r) => ({ ...r, assuranceLevel: 'ial1' })],
  ['document', (r) => ({ ...r, document: r.document && { ...r.document, validUntil: '2020-01-01' } })],
  ['biometric', (r) => ({ ...r, biometric: r.biometric && { ...r.biometric, passed: false } })],
  ['score', (r) => ({ ...r, biometric: r.biometric && { ...r.biometric, score: 10 } })],
  ['given_name', (r) => ({ ...r, claims: { ...r.claims, givenName: 'Jon' } })],
  ['family_name', (r) => ({ ...r, claims: { ...r.claims, familyName: 'Other' } })],
  ['birthdate', (r) => ({ ...r, claims: { ...r.claims, birthdate: '2001-01-01' } })],
  ['employee_number', (r) => ({ ...r, claims: { ...r.claims, employeeNumber: 'E-9' } })],
];

describe('evaluateIdv (properties)', () => {
  it('never counts a result with any broken rule, whatever else is broken too', () => {
    fc.assert(
      fc.property(fc.subarray([...BREAKS.keys()], { minLength: 1 }), fc.boolean(), (picked, replayed) => {
        const result = picked.reduce((r, i) => (BREAKS[i] as (typeof BREAKS)[number])[1](r), passingResult());
        const verdict = evaluateIdv(result, passingEvaluation({ replayed }));
        expect(verdict.counts).toBe(false);
        for (const i of picked) {
          expect(verdict.failed.map((f) => f.check)).toContain((BREAKS[i] as (typeof BREAKS)[number])[0]);
        }
        expect(new Set([...verdict.passed, ...verdict.failed.map((f) => f.check)]).size).toBe(
          IDV_CHECKS.length,
        );
      }),
    );
  });

  it('counts only inside the evidence window, whatever the window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 * 60 }),
        fc.integer({ min: 0, max: 48 * 60 }),
        (windowMin, ageMin) => {
          const now = Date.parse('2026-03-10T12:00:00.000Z');
          const verifiedAt = new Date(now - ageMin * 60_000).toISOString();
          const startedAt = new Date(now - ageMin * 60_000 - 60_000).toISOString();
          const verdict = evaluateIdv(
            passingResult({ verifiedAt }),
            passingEvaluation({
              maxAgeMs: windowMin * 60_000,
              expected: { ...passingEvaluation().expected, startedAt },
            }),
          );
          expect(verdict.counts).toBe(ageMin <= windowMin);
        },
      ),
    );
  });

  it('a higher score never turns a counting result into a refused one', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const at = (score: number) =>
            evaluateIdv(
              passingResult({ biometric: { method: 'face_match', passed: true, score } }),
              passingEvaluation(),
            ).counts;
          if (at(low)) expect(at(high)).toBe(true);
        },
      ),
    );
  });
});
