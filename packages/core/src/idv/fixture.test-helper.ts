/**
 * A passing verification result and its expectation, for the IDV rule tests (not exported by the package).
 * @module
 */

import type { IdvResult } from './result.js';
import type { IdvEvaluation } from './rules.js';
import { DEFAULT_IDV_RULES } from './schema.js';

/** The fixed decision time of the IDV tests. */
export const IDV_NOW = '2026-03-10T12:00:00.000Z';

/** A result that meets every default rule for {@link passingEvaluation}. */
export function passingResult(overrides: Partial<IdvResult> = {}): IdvResult {
  return {
    provider: 'acme',
    kind: 'oidc_ia',
    transactionId: 'txn-1',
    binding: { state: 'state-1', nonce: 'nonce-1', requestId: null },
    verifiedAt: '2026-03-10T11:58:00.000Z',
    trustFramework: 'nist_800_63A',
    assuranceLevel: 'ial2',
    claims: {
      givenName: 'José María',
      familyName: 'García-López',
      middleNames: null,
      birthdate: '1985-04-02',
      employeeNumber: null,
    },
    document: { type: 'passport', issuingCountry: 'ES', validUntil: '2030-01-01', valid: true },
    biometric: { method: 'face_match', passed: true, score: 92 },
    ...overrides,
  };
}

/** The expectation a {@link passingResult} meets. */
export function passingEvaluation(overrides: Partial<IdvEvaluation> = {}): IdvEvaluation {
  return {
    rules: DEFAULT_IDV_RULES,
    record: { givenName: 'Jose', familyName: 'Garcia Lopez', birthdate: '1985-04-02', employeeNumber: 'E-1' },
    expected: {
      provider: 'acme',
      state: 'state-1',
      nonce: 'nonce-1',
      requestId: null,
      startedAt: '2026-03-10T11:55:00.000Z',
    },
    now: IDV_NOW,
    maxAgeMs: 15 * 60_000,
    replayed: false,
    ...overrides,
  };
}
