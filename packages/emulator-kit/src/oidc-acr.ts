import type { AcrPolicy, OidcServerOptions, SignInMethod, StepUpRequest } from './oidc-types.js';

/** Generic acr values used when the emulator passes no policy. */
export const DEFAULT_ACR_POLICY: AcrPolicy = {
  passwordOnly: 'pwd',
  multiFactor: 'mfa',
  stepUp: ['mfa', 'http://schemas.openid.net/pape/policies/2007/06/multi-factor', 'phr', 'phrh'],
};

/** Default amr values per sign-in method (RFC 8176 names). */
export const DEFAULT_AMR: Readonly<Record<SignInMethod, readonly string[]>> = {
  pwd: ['pwd'],
  otp: ['pwd', 'otp', 'mfa'],
  push: ['pwd', 'swk', 'mfa'],
  recovery_code: ['pwd', 'recovery-code'],
};

function parseClaims(value: unknown): Record<string, unknown> | undefined {
  if (value && typeof value === 'object') return value as Record<string, unknown>;
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function acrFromClaims(claims: Record<string, unknown> | undefined): {
  values: string[];
  essential: boolean;
} {
  const idToken = claims?.id_token;
  const acr = idToken && typeof idToken === 'object' ? (idToken as Record<string, unknown>).acr : undefined;
  if (!acr || typeof acr !== 'object') return { values: [], essential: false };
  const { value, values, essential } = acr as { value?: unknown; values?: unknown; essential?: unknown };
  const list = [
    ...(typeof value === 'string' ? [value] : []),
    ...(Array.isArray(values) ? values.filter((item): item is string => typeof item === 'string') : []),
  ];
  return { values: list, essential: essential === true };
}

/** Reads the acr request out of authorization parameters (`acr_values`, `claims`). */
export function readStepUpRequest(params: Readonly<Record<string, unknown>>): StepUpRequest & {
  readonly essential: boolean;
} {
  const claims = parseClaims(params.claims);
  const fromValues =
    typeof params.acr_values === 'string' ? params.acr_values.split(' ').filter(Boolean) : [];
  const fromClaims = acrFromClaims(claims);
  return { acrValues: [...fromValues, ...fromClaims.values], claims, essential: fromClaims.essential };
}

/** Builds the step-up decision: the emulator's override, else "some requested acr is a step-up value". */
export function stepUpDecider(options: Pick<OidcServerOptions, 'acr' | 'requiresStepUp'>) {
  const policy = options.acr ?? DEFAULT_ACR_POLICY;
  return (params: Readonly<Record<string, unknown>>): boolean => {
    const request = readStepUpRequest(params);
    if (options.requiresStepUp) return options.requiresStepUp(request);
    return request.acrValues.some((value) => policy.stepUp.includes(value));
  };
}

/**
 * The acr to put in tokens for what the user actually did: with a second factor, the first requested
 * step-up value (else a requested password-only value, else `multiFactor`); with a password only,
 * `passwordOnly`. The caller refuses the sign-in when an essential acr request is not met.
 */
export function chooseAcr(policy: AcrPolicy, requested: readonly string[], multiFactor: boolean): string {
  if (!multiFactor) return policy.passwordOnly;
  const strong = requested.find((value) => value === policy.multiFactor || policy.stepUp.includes(value));
  if (strong) return strong;
  return requested.includes(policy.passwordOnly) ? policy.passwordOnly : policy.multiFactor;
}
