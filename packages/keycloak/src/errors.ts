/**
 * The one place Keycloak admin-client errors become GateErrors. The IdP error text and status go to
 * `details`; the raw error stays as `cause`.
 * @module
 */

import { GateError, type IdpErrorContext, type IdpErrorMapper } from '@recovery-gate/core';

/** What a 404 of the failing call means (the subject, a group, a conflict, nothing special). */
export type ResourceKind = NonNullable<IdpErrorContext['notFound']>;

/** An HTTP failure of the admin client (`NetworkError` from the SDK, duck-typed). */
export interface HttpFailure {
  readonly status: number;
  readonly url: string;
  readonly idpError: string | null;
  readonly retryAfter: string | null;
}

/** Reads status, URL and Keycloak's error text from a thrown admin-client error; null when not HTTP. */
export function httpFailure(error: unknown): HttpFailure | null {
  if (typeof error !== 'object' || error === null) return null;
  const response = (error as { response?: unknown }).response;
  if (!(response instanceof Response)) return null;
  const data = (error as { responseData?: unknown }).responseData;
  let idpError: string | null = null;
  if (typeof data === 'object' && data !== null) {
    const d = data as Record<string, unknown>;
    const text = d.errorMessage ?? d.error_description ?? d.error;
    if (typeof text === 'string') idpError = text.slice(0, 200);
  }
  return {
    status: response.status,
    url: response.url,
    idpError,
    retryAfter: response.headers.get('retry-after'),
  };
}

/** True when the failure came from the token endpoint (the gate's own credential). */
export const isTokenEndpoint = (failure: HttpFailure): boolean =>
  failure.url.includes('/protocol/openid-connect/token');

/** A request's path relative to the realm, ids replaced (`users/{id}/reset-password`): safe to log. */
export function operationOf(failure: HttpFailure): string {
  let path: string;
  try {
    path = new URL(failure.url).pathname;
  } catch {
    return 'keycloak call';
  }
  return path
    .replace(/^.*?\/admin\/realms\/[^/]+\/?/, '')
    .replace(/^.*?\/realms\/[^/]+\//, '')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}')
    .replace(/\/$/, '');
}

function scrub(text: string | null, secrets: readonly string[]): string | null {
  if (text === null) return null;
  return secrets.some((secret) => secret !== '' && text.includes(secret)) ? null : text;
}

/**
 * Maps anything a Keycloak admin-client call threw to a GateError: `context.operation` names the call (safe
 * to log), `context.notFound` says what a 404 means (default: nothing special, ERR_IDP_BAD_REQUEST), and
 * `context.secrets` never reach `details` or the message. A GateError passes through unchanged.
 */
export const toGateError: IdpErrorMapper = (error: unknown, context: IdpErrorContext): GateError => {
  if (error instanceof GateError) return error;
  const op = context.operation;
  const secrets = context.secrets ?? [];
  const failure = httpFailure(error);
  if (failure === null) {
    const message = scrub(error instanceof Error ? error.message : String(error), secrets) ?? '[redacted]';
    if (/refresh token|credentials/i.test(message))
      return new GateError('ERR_IDP_UNAUTHORIZED', `Keycloak ${op} failed: not authenticated.`, {
        cause: error,
        details: { op },
      });
    return new GateError('ERR_IDP_UNAVAILABLE', `Keycloak ${op} failed: Keycloak could not be reached.`, {
      cause: error,
      details: { op, reason: message.slice(0, 200) },
    });
  }
  const idpError = scrub(failure.idpError, secrets);
  const details = { op, status: failure.status, idpError };
  const code = codeFor(failure, context.notFound ?? 'other');
  const said = idpError === null ? '' : `: ${idpError}`;
  return new GateError(code, `Keycloak ${op} failed: HTTP ${failure.status}${said}`, {
    cause: error,
    details,
  });
};

function codeFor(failure: HttpFailure, kind: ResourceKind): GateError['code'] {
  switch (failure.status) {
    case 400:
      return isTokenEndpoint(failure) ? 'ERR_IDP_UNAUTHORIZED' : 'ERR_IDP_BAD_REQUEST';
    case 401:
      return 'ERR_IDP_UNAUTHORIZED';
    case 403:
      return 'ERR_IDP_FORBIDDEN';
    case 404:
      return kind === 'user'
        ? 'ERR_USER_NOT_FOUND'
        : kind === 'group'
          ? 'ERR_GROUP_NOT_FOUND'
          : kind === 'conflict'
            ? 'ERR_IDP_CONFLICT'
            : 'ERR_IDP_BAD_REQUEST';
    case 409:
      return 'ERR_IDP_CONFLICT';
    case 429:
      return 'ERR_IDP_RATE_LIMITED';
    default:
      return failure.status >= 500 ? 'ERR_IDP_UNAVAILABLE' : 'ERR_IDP_BAD_REQUEST';
  }
}

/** Thrown for an unknown user id or login. */
export const userNotFound = (): GateError => new GateError('ERR_USER_NOT_FOUND');
