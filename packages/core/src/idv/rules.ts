/**
 * The rules before a verification counts as `idv_ial2`, as one pure function: provider, binding to this
 * case (state, nonce, request id), no replay, freshness inside the tier's evidence window, trust framework
 * and level, a valid unexpired document, a passed face match at or above the score, and the verified
 * names (birth date, employee number) matching the IdP's record. Every failure names its check and field.
 * @module
 */

import { CLOCK_SKEW_MS } from '../pieces.js';
import { secretsEqual } from '../secret.js';
import { familyNamesMatch, givenNamesMatch } from './names.js';
import type { IdvResult } from './result.js';
import type { IdvRules } from './schema.js';

/** The IdP record a result is matched to (legal names already chosen over preferred ones). */
export interface IdvRecord {
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly birthdate: string | null;
  readonly employeeNumber: string | null;
}

/** What the gate expects of a result for one case (what it sent when it started the verification). */
export interface IdvExpected {
  readonly provider: string;
  readonly state: string;
  /** Null when the protocol carries no nonce (Verified ID binds by state and request id). */
  readonly nonce: string | null;
  /** The provider's request id from the start, when it gave one. */
  readonly requestId: string | null;
  /** When the gate started the verification (ISO 8601): a result from before it is not for this case. */
  readonly startedAt: string;
}

/** Everything a verdict depends on. */
export interface IdvEvaluation {
  readonly rules: IdvRules;
  readonly record: IdvRecord;
  readonly expected: IdvExpected;
  /** The decision time (ISO 8601). */
  readonly now: string;
  /** The tier's evidence window in ms (`freshness.evidenceMaxAge`). */
  readonly maxAgeMs: number;
  /** True when this provider's transaction id was already used (by any case). */
  readonly replayed: boolean;
}

/** One rule. */
export type IdvCheck =
  | 'provider'
  | 'binding'
  | 'replay'
  | 'freshness'
  | 'assurance'
  | 'document'
  | 'biometric'
  | 'score'
  | 'given_name'
  | 'family_name'
  | 'birthdate'
  | 'employee_number';

/** Every rule, in the order they are checked. */
export const IDV_CHECKS = [
  'provider',
  'binding',
  'replay',
  'freshness',
  'assurance',
  'document',
  'biometric',
  'score',
  'given_name',
  'family_name',
  'birthdate',
  'employee_number',
] as const satisfies readonly IdvCheck[];

/** A rule that did not hold, with a plain reason that never repeats personal data. */
export interface IdvFailure {
  readonly check: IdvCheck;
  readonly reason: string;
}

/** The verdict: counts only when no rule failed. */
export interface IdvVerdict {
  readonly counts: boolean;
  readonly passed: readonly IdvCheck[];
  readonly failed: readonly IdvFailure[];
}

type Outcome = string | null;

/** Lower case without `-`, `_` and spaces: `IAL2`, `ial_2` and `ial-2` are the same level. */
function level(value: string): string {
  return value.toLowerCase().replace(/[\s_-]+/g, '');
}

function sameOrMissing(actual: string | null, expected: string | null): boolean {
  return actual !== null && expected !== null && secretsEqual(actual, expected);
}

function bindingCheck(result: IdvResult, expected: IdvExpected): Outcome {
  if (!sameOrMissing(result.binding.state, expected.state))
    return 'the result is not for this recovery (state)';
  if (expected.nonce !== null && !sameOrMissing(result.binding.nonce, expected.nonce))
    return 'the result is not for this recovery (nonce)';
  if (expected.requestId !== null && !sameOrMissing(result.binding.requestId, expected.requestId))
    return 'the result is not for this recovery (request id)';
  return null;
}

function freshnessCheck(result: IdvResult, e: IdvEvaluation): Outcome {
  if (result.verifiedAt === null) return 'the provider did not say when the verification happened';
  const at = Date.parse(result.verifiedAt);
  const now = Date.parse(e.now);
  const started = Date.parse(e.expected.startedAt);
  if (!Number.isFinite(at)) return 'the verification time is not a date';
  if (at > now + CLOCK_SKEW_MS) return 'the verification time is in the future';
  if (at < started - CLOCK_SKEW_MS) return 'the verification happened before this recovery asked for it';
  if (now - at > e.maxAgeMs) return 'the verification is older than the evidence window';
  return null;
}

function assuranceCheck(result: IdvResult, rules: IdvRules): Outcome {
  const framework = result.trustFramework;
  if (framework === null || !rules.trustFrameworks.some((f) => f.toLowerCase() === framework.toLowerCase()))
    return 'the trust framework is not one this tier accepts';
  const got = result.assuranceLevel;
  if (got === null || !rules.assuranceLevels.some((l) => level(l) === level(got)))
    return 'the assurance level is lower than this tier needs';
  return null;
}

function dateOnly(iso: string): string | null {
  return /^\d{4}-\d{2}-\d{2}/.test(iso) && Number.isFinite(Date.parse(iso.slice(0, 10)))
    ? iso.slice(0, 10)
    : null;
}

function documentCheck(result: IdvResult, now: string): Outcome {
  const doc = result.document;
  if (doc === null || doc.type === null) return 'no identity document was verified';
  if (doc.valid === false) return 'the provider found the document not valid';
  if (doc.validUntil !== null) {
    const until = dateOnly(doc.validUntil);
    if (until === null) return 'the document expiry is not a date';
    if (until < now.slice(0, 10)) return 'the document has expired';
  }
  return null;
}

function biometricCheck(result: IdvResult): Outcome {
  const bio = result.biometric;
  if (bio === null) return 'no liveness or face match was performed';
  if (bio.method !== 'face_match') return 'liveness alone does not match the person to the document';
  return bio.passed ? null : 'the liveness or face match failed';
}

function scoreCheck(result: IdvResult, rules: IdvRules): Outcome {
  const score = result.biometric?.score ?? null;
  if (score === null) return rules.requireScore ? 'the provider reported no face-match score' : null;
  if (!Number.isFinite(score)) return 'the face-match score is not a number';
  return score >= rules.minScore ? null : 'the face-match score is below the threshold';
}

function nameChecks(result: IdvResult, e: IdvEvaluation): [Outcome, Outcome] {
  const { names } = e.rules;
  const given = result.claims.givenName;
  const middle = result.claims.middleNames;
  const verifiedGiven = given === null ? null : middle ? `${given} ${middle}` : given;
  const givenOutcome =
    e.record.givenName === null
      ? 'the IdP record has no given name to match'
      : verifiedGiven === null
        ? 'the verification returned no given name'
        : givenNamesMatch(e.record.givenName, verifiedGiven, names.diacritics, names.middleNames)
          ? null
          : 'the given name does not match the IdP record';
  const family = result.claims.familyName;
  const familyOutcome =
    e.record.familyName === null
      ? 'the IdP record has no family name to match'
      : family === null
        ? 'the verification returned no family name'
        : familyNamesMatch(e.record.familyName, family, names.diacritics)
          ? null
          : 'the family name does not match the IdP record';
  return [givenOutcome, familyOutcome];
}

function birthdateCheck(result: IdvResult, record: IdvRecord): Outcome {
  if (record.birthdate === null) return null;
  const want = dateOnly(record.birthdate);
  if (want === null) return 'the IdP record has a birth date that is not a date';
  if (result.claims.birthdate === null) return 'the verification returned no birth date';
  return dateOnly(result.claims.birthdate) === want ? null : 'the birth date does not match the IdP record';
}

function employeeNumberCheck(result: IdvResult, record: IdvRecord): Outcome {
  const got = result.claims.employeeNumber;
  if (record.employeeNumber === null || got === null) return null;
  return got.trim() === record.employeeNumber.trim()
    ? null
    : 'the employee number does not match the IdP record';
}

/** Applies every rule to a result. Pure: the same inputs always give the same verdict. */
export function evaluateIdv(result: IdvResult, e: IdvEvaluation): IdvVerdict {
  const [given, family] = nameChecks(result, e);
  const outcomes: Record<IdvCheck, Outcome> = {
    provider: result.provider === e.expected.provider ? null : 'the result came from another provider',
    binding: bindingCheck(result, e.expected),
    replay: e.replayed ? 'this verification was already used' : null,
    freshness: freshnessCheck(result, e),
    assurance: assuranceCheck(result, e.rules),
    document: documentCheck(result, e.now),
    biometric: biometricCheck(result),
    score: scoreCheck(result, e.rules),
    given_name: given,
    family_name: family,
    birthdate: birthdateCheck(result, e.record),
    employee_number: employeeNumberCheck(result, e.record),
  };
  const passed = IDV_CHECKS.filter((check) => outcomes[check] === null);
  const failed = IDV_CHECKS.flatMap((check) => {
    const reason = outcomes[check];
    return reason === null ? [] : [{ check, reason }];
  });
  return { counts: failed.length === 0, passed, failed };
}

function attribute(
  attributes: Readonly<Record<string, string | null>>,
  name: string | undefined,
): string | null {
  if (name === undefined) return null;
  const value = Object.hasOwn(attributes, name) ? attributes[name] : null;
  return typeof value === 'string' && value.trim().length > 0 ? value : null;
}

/** The record to match from the subject's profile attributes: the legal name attributes win when set. */
export function idvRecordOf(attributes: Readonly<Record<string, string | null>>, rules: IdvRules): IdvRecord {
  const { names } = rules;
  return {
    givenName:
      attribute(attributes, names.legalGivenNameAttribute) ?? attribute(attributes, names.givenNameAttribute),
    familyName:
      attribute(attributes, names.legalFamilyNameAttribute) ??
      attribute(attributes, names.familyNameAttribute),
    birthdate: attribute(attributes, rules.birthdateAttribute),
    employeeNumber: attribute(attributes, rules.employeeNumberAttribute),
  };
}
