/**
 * The providers' HTTP: a timeout on every call and a cap on what is read; failures become
 * ERR_IDV_UNAVAILABLE (down, slow, 5xx, 429) so the evidence stays pending and the subject can try later.
 * @module
 */

import { GateError } from '@recovery-gate/core';

/** The largest provider answer or callback body read, in bytes. */
export const MAX_BODY_BYTES = 256 * 1024;

/** A fetch that gives up after `timeoutMs`. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** Wraps `fetch` with a timeout; a network error or timeout throws ERR_IDV_UNAVAILABLE. */
export function timedFetch(timeoutMs: number, base: Fetch = fetch): Fetch {
  return async (url, init) => {
    try {
      return await base(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new GateError('ERR_IDV_UNAVAILABLE', 'The identity-verification provider cannot be reached.', {
        cause: error,
        details: { host: new URL(url).host },
      });
    }
  };
}

/** Reads a JSON answer: 5xx/429 are unavailable, other errors and non-JSON are invalid. */
export async function readJson(response: Response, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (response.status >= 500 || response.status === 429) {
    throw new GateError('ERR_IDV_UNAVAILABLE', `The provider failed (${what}).`, {
      details: { status: response.status },
    });
  }
  if (text.length > MAX_BODY_BYTES) {
    throw new GateError('ERR_IDV_RESPONSE_INVALID', `The provider answer is too large (${what}).`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new GateError('ERR_IDV_RESPONSE_INVALID', `The provider answer is not JSON (${what}).`, {
      cause: error,
    });
  }
  if (!response.ok || typeof body !== 'object' || body === null || Array.isArray(body)) {
    const code =
      typeof body === 'object' && body !== null ? String((body as { error?: unknown }).error ?? '') : '';
    throw new GateError('ERR_IDV_RESPONSE_INVALID', `The provider refused the request (${what}).`, {
      details: { status: response.status, error: code.slice(0, 80) },
    });
  }
  return body as Record<string, unknown>;
}
