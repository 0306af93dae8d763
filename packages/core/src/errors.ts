/**
 * The one error class of Recovery Gate, with a closed set of stable codes.
 * @module
 */

/** Every error code Recovery Gate can raise. Codes are public API: tests and callers switch on them. */
export const ERROR_CODES = {
  ERR_CONFIG_INVALID: 'The configuration does not match the schema.',
  ERR_CONFIG_INLINE_SECRET: 'A secret is written inline; reference an environment variable instead.',
  ERR_CONFIG_ENV_MISSING: 'A configuration value references an environment variable that is not set.',
  ERR_POLICY_BANNED_EVIDENCE: 'The policy names an evidence kind that never counts.',
  ERR_POLICY_UNKNOWN_TIER: 'The matrix names a tier that is not defined.',
  ERR_POLICY_NO_TIER: 'No tier is defined for this action and subject class.',
  ERR_POLICY_UNSUPPORTED_EVIDENCE:
    'A tier names an evidence kind that a configured IdP cannot produce (e.g. native recovery codes on Okta or Entra).',
  ERR_CASE_ILLEGAL_TRANSITION: 'The case cannot move from its current state by this event.',
  ERR_CASE_NOT_FOUND: 'No case has that id.',
  ERR_CASE_NOT_EXECUTABLE: 'The case is not satisfied, or its hold has not ended.',
  ERR_AUDIT_TAMPERED: 'The audit chain does not verify.',
  ERR_AUDIT_SECRET: 'A secret was about to enter the audit chain.',
  ERR_USER_NOT_FOUND: 'The IdP has no user with that id.',
  ERR_GROUP_NOT_FOUND: 'The IdP has no group with that id.',
  ERR_UNSUPPORTED: 'The IdP adapter does not support this capability.',
  ERR_IDP_UNAUTHORIZED: "The IdP refused the gate's credential.",
  ERR_IDP_FORBIDDEN: "The gate's credential lacks a permission the IdP requires.",
  ERR_IDP_RATE_LIMITED: 'The IdP kept rate-limiting past the retry bound.',
  ERR_IDP_UNAVAILABLE: 'The IdP failed or timed out past the retry bound.',
  ERR_IDP_CONFLICT: 'The IdP refused the change because of the current state.',
  ERR_IDP_BAD_REQUEST: 'The IdP rejected the request as invalid.',
  ERR_IDP_RESPONSE_INVALID: 'The IdP answered with something the adapter cannot read.',
  ERR_HOOK_UNAUTHENTICATED: 'The hook request did not carry the expected secret.',
  ERR_HOOK_MALFORMED: 'The hook body is not a valid delivery.',
  ERR_HOOK_TOO_LARGE: 'The hook body is larger than allowed.',
  ERR_LINK_INVALID: 'The link is unknown, used, expired or meant for someone else.',
  ERR_CSRF: 'The form did not carry a valid anti-forgery token.',
  ERR_SEPARATION_OF_DUTIES: 'This person already has a role in the case.',
  ERR_STORAGE: 'The store failed.',
  ERR_INPUT_INVALID: 'The input is not valid.',
  ERR_APPROVER_NOT_ELIGIBLE: 'This person may not approve in that role for this case.',
  ERR_IDV_UNAVAILABLE:
    'The identity-verification provider failed or timed out; the evidence stays pending, try again later.',
  ERR_IDV_RESPONSE_INVALID:
    'The identity-verification provider answered with something that does not verify or lacks what it must carry.',
  ERR_SIGN_IN_FAILED:
    'The sign-in through the IdP failed, was abandoned, or did not meet the step-up asked for.',
} as const;

/** A stable Recovery Gate error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options for {@link GateError}. */
export interface GateErrorOptions {
  /** The raw cause (an IdP response, a lower-level error). Never shown to end users. */
  readonly cause?: unknown;
  /** Facts safe to log: ids, status codes, IdP error codes. Never a secret. */
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

/** The one error class of Recovery Gate; narrow on `code`. */
export class GateError extends Error {
  /** The stable code. */
  readonly code: ErrorCode;
  /** Safe-to-log facts. */
  readonly details: Readonly<Record<string, string | number | boolean | null>>;

  constructor(code: ErrorCode, message?: string, options: GateErrorOptions = {}) {
    super(message ?? ERROR_CODES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GateError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** True when `value` is a {@link GateError}, optionally with the given code. */
export function isGateError(value: unknown, code?: ErrorCode): value is GateError {
  return value instanceof GateError && (code === undefined || value.code === code);
}

/**
 * What an adapter's `toGateError(error, context)` is told about the call that failed; the one signature
 * the three adapters share (issue 13).
 */
export interface IdpErrorContext {
  /** The operation, e.g. `getUser` or `revokeSessions` (safe to log). */
  readonly operation: string;
  /** What a "not found" answer means for this call: the subject, a group, a conflict, or nothing special. */
  readonly notFound?: 'user' | 'group' | 'conflict' | 'other';
  /** Values that must never reach `details` or the message (tokens, hook secrets, issued codes). */
  readonly secrets?: readonly string[];
}

/** The signature of every adapter's error mapper: anything an IdP call threw becomes a {@link GateError}. */
export type IdpErrorMapper = (error: unknown, context: IdpErrorContext) => GateError;
