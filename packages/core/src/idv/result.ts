/**
 * The normalised result of a remote identity verification (IAL2 proofing through a provider), whatever
 * the provider's own format: who was verified, under which trust framework and level, on which evidence,
 * when, bound to which request, and the provider's transaction id.
 * @module
 */

/** The integrations the gate ships. */
export type IdvProviderKind = 'oidc_ia' | 'entra_verified_id';

/** Every integration kind, in a stable order. */
export const IDV_PROVIDER_KINDS = [
  'oidc_ia',
  'entra_verified_id',
] as const satisfies readonly IdvProviderKind[];

/** The verified claims about the person (as the document and the provider state them); null when not given. */
export interface IdvClaims {
  readonly givenName: string | null;
  readonly familyName: string | null;
  /** Middle names, when the provider gives them apart from the given name. */
  readonly middleNames: string | null;
  /** ISO 8601 date (YYYY-MM-DD). Never recorded: only compared, then a salted hash kept. */
  readonly birthdate: string | null;
  readonly employeeNumber: string | null;
}

/** The identity document the verification relied on (never its number or image). */
export interface IdvDocument {
  /** e.g. `passport`, `idcard`, `driving_permit` (OpenID IA predefined values). */
  readonly type: string | null;
  /** ISO 3166-1 alpha-2 or alpha-3 code of the issuing country. */
  readonly issuingCountry: string | null;
  /** The document's expiry date (YYYY-MM-DD), when known. */
  readonly validUntil: string | null;
  /** The provider's own verdict on the document's authenticity and validity; null when it gave none. */
  readonly valid: boolean | null;
}

/** The biometric check: liveness and face match of the person against the document (or a credential photo). */
export interface IdvBiometric {
  /** `face_match` compares a live selfie to the document/credential photo; `liveness` only proves a live person. */
  readonly method: 'face_match' | 'liveness';
  /** The provider's verdict. */
  readonly passed: boolean;
  /** The match confidence 0–100, when the provider reports one. */
  readonly score: number | null;
}

/** What ties a result to the request the gate made for one case. */
export interface IdvBinding {
  /** OAuth `state` / Verified ID callback `state`, as echoed by the provider. */
  readonly state: string | null;
  /** The OpenID `nonce` in the ID token, when the protocol has one. */
  readonly nonce: string | null;
  /** The provider's request id (Verified ID `requestId`), when it has one. */
  readonly requestId: string | null;
}

/** A verification result, normalised. */
export interface IdvResult {
  /** The configured provider name. */
  readonly provider: string;
  readonly kind: IdvProviderKind;
  /** The provider's transaction id (OpenID IA `txn`, Verified ID `requestId`); unique per verification. */
  readonly transactionId: string;
  readonly binding: IdvBinding;
  /** When the verification happened (ISO 8601), per the provider; null when it did not say. */
  readonly verifiedAt: string | null;
  /** The trust framework (e.g. `nist_800_63A`, `eidas`, `uk_tfida`); null when not stated. */
  readonly trustFramework: string | null;
  /** The assurance level under that framework (e.g. `ial2`); null when not stated. */
  readonly assuranceLevel: string | null;
  readonly claims: IdvClaims;
  readonly document: IdvDocument | null;
  readonly biometric: IdvBiometric | null;
}
