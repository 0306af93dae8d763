/**
 * OpenID Connect for Identity Assurance 1.0: the `claims` request the gate sends, and the normalisation
 * of `verified_claims` (verification: trust_framework, assurance_level, time, evidence of type `document`
 * with check_details and document_details; claims: given_name, family_name, middle_name, birthdate).
 * The document number is never requested.
 * @see https://openid.net/specs/openid-connect-4-identity-assurance-1_0.html
 * @module
 */

import { GateError, type IdvBiometric, type IdvDocument, type IdvResult } from '@recovery-gate/core';

/** The `claims` request parameter: verified claims and their verification, in the ID token. */
export const VERIFIED_CLAIMS_REQUEST = {
  id_token: {
    txn: null,
    verified_claims: {
      verification: {
        trust_framework: null,
        assurance_level: null,
        time: null,
        evidence: [
          {
            type: { value: 'document' },
            check_details: null,
            document_details: { type: null, issuer: { country_code: null }, date_of_expiry: null },
          },
        ],
      },
      claims: { given_name: null, family_name: null, middle_name: null, birthdate: null },
    },
  },
} as const;

/** Check methods (IA predefined values) that verify the document itself. */
const DOCUMENT_CHECKS = new Set(['vpip', 'vpiruv', 'vri', 'vdig', 'vcrypt']);
/** Check methods that match the person to the document: biometric or by a person, remote or in person. */
const PERSON_CHECKS = new Set(['bvr', 'bvp', 'pvr', 'pvp']);

type Json = Readonly<Record<string, unknown>>;

const obj = (v: unknown): Json | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;
const str = (v: unknown): string | null =>
  typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : null;

function checkMethods(evidence: Json): string[] {
  const details = Array.isArray(evidence.check_details) ? evidence.check_details : [];
  return details.map((d) => str(obj(d)?.check_method)?.toLowerCase() ?? '').filter((m) => m !== '');
}

function documentOf(evidence: Json | null): IdvDocument | null {
  if (evidence === null) return null;
  // IA 1.0 final names it document_details; drafts up to ID3 used `document`.
  const doc = obj(evidence.document_details) ?? obj(evidence.document);
  if (doc === null) return null;
  const methods = checkMethods(evidence);
  return {
    type: str(doc.type),
    issuingCountry: str(obj(doc.issuer)?.country_code),
    validUntil: str(doc.date_of_expiry),
    valid: methods.some((m) => DOCUMENT_CHECKS.has(m)) ? true : null,
  };
}

function biometricOf(evidence: Json | null): IdvBiometric | null {
  if (evidence === null) return null;
  return checkMethods(evidence).some((m) => PERSON_CHECKS.has(m))
    ? { method: 'face_match', passed: true, score: null }
    : null;
}

/** The verified_claims element to read: the first one with document evidence, else the first. */
function pick(verified: unknown): Json | null {
  const list = Array.isArray(verified) ? verified.map(obj) : [obj(verified)];
  const withDocument = list.find((v) => {
    const evidence = obj(v?.verification)?.evidence;
    return (
      Array.isArray(evidence) &&
      evidence.some((e) => ['document', 'id_document'].includes(String(obj(e)?.type)))
    );
  });
  return withDocument ?? list[0] ?? null;
}

/** The normalised parts of an ID token's verified claims; null when the provider verified nobody. */
export function normaliseVerifiedClaims(
  provider: string,
  claims: Json,
  binding: IdvResult['binding'],
): IdvResult | null {
  const verified = pick(claims.verified_claims);
  if (verified === null) return null;
  const verification = obj(verified.verification);
  const person = obj(verified.claims);
  if (verification === null || person === null) {
    throw new GateError('ERR_IDV_RESPONSE_INVALID', 'verified_claims lacks verification or claims.');
  }
  const evidence = (Array.isArray(verification.evidence) ? verification.evidence : [])
    .map(obj)
    .find((e) => e !== null && ['document', 'id_document'].includes(String(e.type)));
  const transactionId = str(claims.txn) ?? str(verification.verification_process);
  if (transactionId === null) {
    throw new GateError('ERR_IDV_RESPONSE_INVALID', 'The verification carries no transaction id (txn).');
  }
  return {
    provider,
    kind: 'oidc_ia',
    transactionId,
    binding,
    verifiedAt: str(verification.time) ?? str(evidence?.time),
    trustFramework: str(verification.trust_framework),
    assuranceLevel: str(verification.assurance_level),
    claims: {
      givenName: str(person.given_name),
      familyName: str(person.family_name),
      middleNames: str(person.middle_name),
      birthdate: str(person.birthdate),
      employeeNumber: null,
    },
    document: documentOf(evidence ?? null),
    biometric: biometricOf(evidence ?? null),
  };
}
