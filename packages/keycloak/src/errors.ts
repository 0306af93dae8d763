/**
 * The one place Keycloak admin-client errors become GateErrors. The IdP error text and status go to
 * `details`; the raw error stays as `cause`.
 * @module
 */

import { GateError } from '@recovery-gate/core';

/** What the failing call was about, to choose a not-found code. */
export type ResourceKind = 'user' | 'group' | 'other';

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

/** Maps any error thrown by the admin client to a GateError. */
export function toGateError(error: unknown, kind: ResourceKind = 'other'): GateError {
  if (error instanceof GateError) return error;
  const failure = httpFailure(error);
  if (failure === null) {
    const message = error instanceof Error ? error.message : String(error);
    if (/refresh token|credentials/i.test(message))
      return new GateError('ERR_IDP_UNAUTHORIZED', undefined, { cause: error });
    return new GateError('ERR_IDP_UNAVAILABLE', 'Keycloak could not be reached.', {
      cause: error,
      details: { reason: message.slice(0, 200) },
    });
  }
  const details = { status: failure.status, idpError: failure.idpError };
  const code = codeFor(failure, kind);
  const message =
    failure.idpError === null ? undefined : `Keycloak answered ${failure.status}: ${failure.idpError}`;
  return new GateError(code, message, { cause: error, details });
}

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
          : 'ERR_IDP_BAD_REQUEST';
    case 409:
      return 'ERR_IDP_CONFLICT';
    case 429:
      return 'ERR_IDP_RATE_LIMITED';
    default:
      return failure.status >= 500 ? 'ERR_IDP_UNAVAILABLE' : 'ERR_IDP_BAD_REQUEST';
  }
}

/** Thrown for capabilities Keycloak lacks. */
export const unsupported = (what: string): GateError =>
  new GateError('ERR_UNSUPPORTED', `Keycloak has no ${what}.`);
/** Thrown for an unknown user id or login. */
export const userNotFound = (): GateError => new GateError('ERR_USER_NOT_FOUND');
