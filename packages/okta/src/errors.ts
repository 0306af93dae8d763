/**
 * The one place Okta failures become GateErrors: Okta's `errorCode` / `errorId` (and the summary, when it
 * holds no secret) go to `details`; the raw SDK error is the `cause`.
 * @see https://developer.okta.com/docs/reference/error-codes/
 * @module
 */

import { type ErrorCode, GateError, type IdpErrorContext, type IdpErrorMapper } from '@recovery-gate/core';

/** What a 404 means for a call: ERR_USER_NOT_FOUND, ERR_GROUP_NOT_FOUND, ERR_IDP_CONFLICT or a bad request. */
export type Subject = NonNullable<IdpErrorContext['notFound']>;

interface OktaLikeError {
  readonly status?: unknown;
  readonly errorCode?: unknown;
  readonly errorSummary?: unknown;
  readonly errorId?: unknown;
  readonly name?: unknown;
  readonly type?: unknown;
  readonly code?: unknown;
}

function codeFor(status: number, errorCode: string | null, subject: Subject): ErrorCode {
  if (status === 404 || errorCode === 'E0000007') {
    if (subject === 'user') return 'ERR_USER_NOT_FOUND';
    if (subject === 'group') return 'ERR_GROUP_NOT_FOUND';
    if (subject === 'conflict') return 'ERR_IDP_CONFLICT';
    return 'ERR_IDP_BAD_REQUEST';
  }
  if (status === 401 || errorCode === 'E0000011') return 'ERR_IDP_UNAUTHORIZED';
  if (status === 403 && errorCode === 'E0000006') return 'ERR_IDP_FORBIDDEN';
  if (status === 403 || status === 409) return 'ERR_IDP_CONFLICT';
  if (status === 429 || errorCode === 'E0000047') return 'ERR_IDP_RATE_LIMITED';
  if (status >= 500) return 'ERR_IDP_UNAVAILABLE';
  if (status >= 400) return 'ERR_IDP_BAD_REQUEST';
  return 'ERR_IDP_RESPONSE_INVALID';
}

/** True when `text` contains none of the secrets (so it may be logged). */
function safeText(text: string, secrets: readonly string[]): boolean {
  return secrets.every((secret) => secret === '' || !text.includes(secret));
}

/**
 * Maps anything an Okta call threw to a GateError: `context.operation` names the call (safe to log),
 * `context.notFound` says what a 404 means (default: nothing special), `context.secrets` never reach
 * `details` or the message. A GateError passes through unchanged.
 */
export const toGateError: IdpErrorMapper = (error: unknown, context: IdpErrorContext): GateError => {
  if (error instanceof GateError) return error;
  const op = context.operation;
  const subject = context.notFound ?? 'other';
  const secrets = context.secrets ?? [];
  const e = (typeof error === 'object' && error !== null ? error : {}) as OktaLikeError;
  const status = typeof e.status === 'number' ? e.status : Number(e.status);
  if (Number.isFinite(status) && status > 0) {
    const errorCode = typeof e.errorCode === 'string' ? e.errorCode : null;
    const summary = typeof e.errorSummary === 'string' ? e.errorSummary.slice(0, 300) : null;
    const code = codeFor(status, errorCode, subject);
    return new GateError(code, `Okta ${op} failed: HTTP ${status}${errorCode ? ` ${errorCode}` : ''}`, {
      cause: error,
      details: {
        op,
        status,
        errorCode,
        errorId: typeof e.errorId === 'string' ? e.errorId : null,
        errorSummary: summary !== null && safeText(summary, secrets) ? summary : null,
      },
    });
  }
  const transport = e.name === 'FetchError' || e.name === 'AbortError' || typeof e.code === 'string';
  if (transport) {
    return new GateError(
      'ERR_IDP_UNAVAILABLE',
      `Okta ${op} failed: ${e.type === 'request-timeout' ? 'timeout' : 'network error'}`,
      {
        cause: error,
        details: { op, transport: typeof e.code === 'string' ? e.code : String(e.type ?? e.name) },
      },
    );
  }
  return new GateError('ERR_IDP_RESPONSE_INVALID', `Okta ${op} failed: unexpected error`, {
    cause: error,
    details: { op },
  });
};
