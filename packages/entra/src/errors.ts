/**
 * The one place Graph and identity-platform errors become {@link GateError}s.
 * @module
 */

import { GraphError } from '@microsoft/microsoft-graph-client';
import {
  type ErrorCode,
  GateError,
  type IdpErrorContext,
  type IdpErrorMapper,
  isGateError,
} from '@recovery-gate/core';

/** What a 404 means for the call at hand (core's vocabulary); absent: nothing special. */
export type NotFoundMeaning = IdpErrorContext['notFound'];

const NOT_FOUND: Readonly<Record<NonNullable<NotFoundMeaning>, ErrorCode>> = {
  user: 'ERR_USER_NOT_FOUND',
  group: 'ERR_GROUP_NOT_FOUND',
  conflict: 'ERR_IDP_CONFLICT',
  other: 'ERR_IDP_RESPONSE_INVALID',
};

function codeForStatus(status: number, notFound: NotFoundMeaning): ErrorCode {
  if (status === 400 || status === 422) return 'ERR_IDP_BAD_REQUEST';
  if (status === 401) return 'ERR_IDP_UNAUTHORIZED';
  if (status === 403) return 'ERR_IDP_FORBIDDEN';
  if (status === 404) return NOT_FOUND[notFound ?? 'other'];
  if (status === 409 || status === 412) return 'ERR_IDP_CONFLICT';
  if (status === 429) return 'ERR_IDP_RATE_LIMITED';
  return 'ERR_IDP_UNAVAILABLE';
}

const CREDENTIAL_ERRORS = new Set([
  'AuthenticationError',
  'AuthenticationRequiredError',
  'CredentialUnavailableError',
  'AggregateAuthenticationError',
]);

/** The identity platform refused the client (not a network failure on the way to it). */
const REFUSED = /AADSTS|invalid_client|unauthorized_client|invalid_grant|invalid_scope|invalid_request/;

function credentialRefused(name: string, message: string): boolean {
  return name === 'AuthenticationError' || (CREDENTIAL_ERRORS.has(name) && REFUSED.test(message));
}

function isCredentialError(error: unknown): boolean {
  return error instanceof Error && credentialRefused(error.name, error.message);
}

/** True when the error is a Graph error with this HTTP status. */
export function hasStatus(error: unknown, status: number): boolean {
  return error instanceof GraphError && error.statusCode === status;
}

/** `text` with every secret replaced, so it may be logged. */
function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => (secret === '' ? out : out.replaceAll(secret, '[redacted]')), text);
}

/**
 * Converts anything thrown by the Graph client or the credential into a GateError: `context.operation`
 * names the call (safe to log), `context.notFound` says what a 404 means, `context.secrets` never reach the
 * message or `details`. The Graph error code and request id go to `details`; the raw error stays in `cause`.
 * A GateError passes through unchanged.
 */
export const toGateError: IdpErrorMapper = (error: unknown, context: IdpErrorContext): GateError => {
  if (isGateError(error)) return error;
  const secrets = context.secrets ?? [];
  const operation = scrub(context.operation, secrets);
  if (error instanceof GraphError) {
    const status = error.statusCode;
    // Status -1: the request never got an HTTP answer (the credential failed, or the network did).
    const local = credentialRefused(error.code ?? '', error.message)
      ? 'ERR_IDP_UNAUTHORIZED'
      : 'ERR_IDP_UNAVAILABLE';
    const code = status === -1 ? local : codeForStatus(status, context.notFound);
    const graphCode = error.code ? scrub(error.code, secrets) : null;
    return new GateError(code, `Graph ${operation} failed: HTTP ${status} ${graphCode ?? ''}`.trim(), {
      cause: error,
      details: {
        operation,
        status,
        graphCode,
        requestId: error.requestId ?? null,
        date: error.date?.toISOString?.() ?? null,
      },
    });
  }
  if (isCredentialError(error)) {
    return new GateError(
      'ERR_IDP_UNAUTHORIZED',
      `The identity platform refused the gate's credential (${operation}).`,
      { cause: error, details: { operation } },
    );
  }
  return new GateError(
    'ERR_IDP_UNAVAILABLE',
    `Graph ${operation} failed: the service could not be reached.`,
    {
      cause: error,
      details: { operation },
    },
  );
};
