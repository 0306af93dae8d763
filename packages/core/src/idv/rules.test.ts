import { describe, expect, it } from 'vitest';
import { passingEvaluation, passingResult } from './fixture.test-helper.js';
import { evaluateIdv, idvRecordOf } from './rules.js';
import { idvRulesSchema } from './schema.js';

const failedChecks = (verdict: ReturnType<typeof evaluateIdv>) => verdict.failed.map((f) => f.check);

describe('evaluateIdv', () => {
  it('counts a fresh IAL2 result for this case whose names match the record', () => {
    const verdict = evaluateIdv(passingResult(), passingEvaluation());
    expect(verdict).toMatchObject({ counts: true, failed: [] });
    expect(verdict.passed).toContain('family_name');
  });

  it('refuses a lower level or another trust framework', () => {
    expect(failedChecks(evaluateIdv(passingResult({ assuranceLevel: 'ial1' }), passingEvaluation()))).toEqual(
      ['assurance'],
    );
    expect(failedChecks(evaluateIdv(passingResult({ assuranceLevel: null }), passingEvaluation()))).toEqual([
      'assurance',
    ]);
    expect(
      failedChecks(evaluateIdv(passingResult({ trustFramework: 'de_aml' }), passingEvaluation())),
    ).toEqual(['assurance']);
    expect(evaluateIdv(passingResult({ assuranceLevel: 'IAL_2' }), passingEvaluation()).counts).toBe(true);
  });

  it('refuses a result bound to another case: state, nonce or request id', () => {
    const other = (binding: object) =>
      failedChecks(
        evaluateIdv(
          passingResult({ binding: { ...passingResult().binding, ...binding } }),
          passingEvaluation(),
        ),
      );
    expect(other({ state: 'state-2' })).toEqual(['binding']);
    expect(other({ nonce: 'nonce-2' })).toEqual(['binding']);
    expect(other({ state: null })).toEqual(['binding']);
    const expected = { ...passingEvaluation().expected, requestId: 'req-1' };
    expect(failedChecks(evaluateIdv(passingResult(), passingEvaluation({ expected })))).toEqual(['binding']);
  });

  it('refuses a replayed transaction and a result from another provider', () => {
    expect(failedChecks(evaluateIdv(passingResult(), passingEvaluation({ replayed: true })))).toEqual([
      'replay',
    ]);
    expect(failedChecks(evaluateIdv(passingResult({ provider: 'other' }), passingEvaluation()))).toEqual([
      'provider',
    ]);
  });

  it('refuses a stale, future, undated or earlier-than-requested verification', () => {
    const at = (verifiedAt: string | null) =>
      failedChecks(evaluateIdv(passingResult({ verifiedAt }), passingEvaluation()));
    expect(at('2026-03-10T11:40:00.000Z')).toEqual(['freshness']); // before the start
    expect(at('2026-03-10T12:05:00.000Z')).toEqual(['freshness']);
    expect(at(null)).toEqual(['freshness']);
    const late = passingEvaluation({ now: '2026-03-10T12:30:00.000Z' });
    expect(failedChecks(evaluateIdv(passingResult(), late))).toEqual(['freshness']);
  });

  it('refuses an expired or invalid document, and no document', () => {
    const doc = (document: object | null) =>
      failedChecks(
        evaluateIdv(
          passingResult({
            document: document === null ? null : ({ ...passingResult().document, ...document } as never),
          }),
          passingEvaluation(),
        ),
      );
    expect(doc({ validUntil: '2026-03-09' })).toEqual(['document']);
    expect(doc({ valid: false })).toEqual(['document']);
    expect(doc({ validUntil: 'soon' })).toEqual(['document']);
    expect(doc(null)).toEqual(['document']);
    expect(doc({ validUntil: '2026-03-10' })).toEqual([]); // valid through its last day
  });

  it('refuses a failed or missing face match, liveness alone, and a score under the threshold', () => {
    const bio = (biometric: object | null) =>
      failedChecks(evaluateIdv(passingResult({ biometric: biometric as never }), passingEvaluation()));
    expect(bio({ method: 'face_match', passed: false, score: 12 })).toEqual(['biometric', 'score']);
    expect(bio({ method: 'liveness', passed: true, score: null })).toEqual(['biometric']);
    expect(bio(null)).toEqual(['biometric']);
    expect(bio({ method: 'face_match', passed: true, score: 69.9 })).toEqual(['score']);
    expect(bio({ method: 'face_match', passed: true, score: 70 })).toEqual([]);
    expect(bio({ method: 'face_match', passed: true, score: null })).toEqual([]);
    const strict = passingEvaluation({ rules: idvRulesSchema.parse({ requireScore: true }) });
    const noScore = passingResult({ biometric: { method: 'face_match', passed: true, score: null } });
    expect(failedChecks(evaluateIdv(noScore, strict))).toEqual(['score']);
  });

  it('names the field that does not match: given name, family name, birth date, employee number', () => {
    const claims = (c: object) =>
      failedChecks(
        evaluateIdv(passingResult({ claims: { ...passingResult().claims, ...c } }), passingEvaluation()),
      );
    expect(claims({ familyName: 'Smith' })).toEqual(['family_name']);
    expect(claims({ givenName: 'Jon' })).toEqual(['given_name']);
    expect(claims({ givenName: null })).toEqual(['given_name']);
    expect(claims({ birthdate: '1985-04-03' })).toEqual(['birthdate']);
    expect(claims({ birthdate: null })).toEqual(['birthdate']);
    expect(claims({ employeeNumber: 'E-2' })).toEqual(['employee_number']);
    expect(claims({ employeeNumber: ' E-1 ' })).toEqual([]);
  });

  it('does not compare a birth date the IdP does not have, and never matches against an empty record', () => {
    const record = { givenName: 'Jose', familyName: 'Garcia Lopez', birthdate: null, employeeNumber: null };
    expect(evaluateIdv(passingResult(), passingEvaluation({ record })).counts).toBe(true);
    const empty = { givenName: null, familyName: null, birthdate: null, employeeNumber: null };
    expect(failedChecks(evaluateIdv(passingResult(), passingEvaluation({ record: empty })))).toEqual([
      'given_name',
      'family_name',
    ]);
  });

  it('reasons never repeat personal data from the result', () => {
    const verdict = evaluateIdv(
      passingResult({
        claims: { ...passingResult().claims, familyName: 'Impostor', birthdate: '1999-09-09' },
      }),
      passingEvaluation(),
    );
    const text = JSON.stringify(verdict);
    expect(text).not.toContain('Impostor');
    expect(text).not.toContain('1999');
  });
});

describe('idvRecordOf', () => {
  it('uses the configured legal-name attributes when set, else the profile names', () => {
    const rules = idvRulesSchema.parse({ names: { legalGivenNameAttribute: 'legalFirstName' } });
    const attrs = {
      givenName: 'Jon',
      familyName: 'Doe',
      legalFirstName: 'Jonathan',
      birthdate: '1990-01-01',
    };
    expect(idvRecordOf(attrs, rules)).toEqual({
      givenName: 'Jonathan',
      familyName: 'Doe',
      birthdate: '1990-01-01',
      employeeNumber: null,
    });
    expect(idvRecordOf({ ...attrs, legalFirstName: ' ' }, rules).givenName).toBe('Jon');
    expect(idvRecordOf({ ...attrs, legalFirstName: null }, rules).givenName).toBe('Jon');
  });
});
