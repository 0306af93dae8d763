/**
 * The people an identity-verification emulator can verify: what their document says and how the
 * verification goes (passes, fails liveness, an expired document, another legal name).
 * @module
 */

/** One test person and their document. */
export interface IdvPersona {
  /** The emulator's subject id. */
  readonly id: string;
  /** Shown on the emulator's capture page. */
  readonly label: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly middleName?: string;
  /** YYYY-MM-DD. */
  readonly birthdate: string;
  readonly document: {
    /** OpenID IA document type: passport, idcard, driving_permit. */
    readonly type: string;
    /** ISO 3166-1 alpha-2. */
    readonly country: string;
    /** Never sent unless a request asks for it (the gate never does). */
    readonly number: string;
    /** YYYY-MM-DD. */
    readonly expiry: string;
  };
  /** `liveness_fail`: the selfie does not match the document (no biometric check is reported). */
  readonly outcome: 'pass' | 'liveness_fail';
  /** @default 'nist_800_63A' */
  readonly trustFramework?: string;
  /** @default 'ial2' */
  readonly assuranceLevel?: string;
  /** Verified ID only: the Face Check confidence this person's selfie reaches. @default 92 (pass), 31 (liveness_fail) */
  readonly faceScore?: number;
}

/** The four standard outcomes for one person: passes, fails liveness, expired document, another legal name. */
export function standardPersonas(givenName: string, familyName: string, idPrefix: string): IdvPersona[] {
  const base = {
    givenName,
    familyName,
    birthdate: '1988-06-14',
    document: { type: 'passport', country: 'GB', number: 'P1234567', expiry: '2031-05-01' },
  };
  return [
    { ...base, id: `${idPrefix}-pass`, label: `${givenName} ${familyName}: passes`, outcome: 'pass' },
    {
      ...base,
      id: `${idPrefix}-liveness`,
      label: `${givenName} ${familyName}: fails liveness`,
      outcome: 'liveness_fail',
    },
    {
      ...base,
      id: `${idPrefix}-expired`,
      label: `${givenName} ${familyName}: expired document`,
      document: { ...base.document, expiry: '2021-01-31' },
      outcome: 'pass',
    },
    {
      ...base,
      id: `${idPrefix}-impostor`,
      label: 'Mallory Stone: another legal name',
      givenName: 'Mallory',
      familyName: 'Stone',
      outcome: 'pass',
    },
  ];
}
