/**
 * The request executor the Okta client sends every request through (the SDK's wrapper point): bounded
 * retries for 429, 5xx and timeouts with core's back-off (`retryWait`: capped exponential with jitter, the
 * server's wait honoured: `Retry-After` when sent, else Okta's `X-Rate-Limit-Reset`), all through the
 * injected `sleep` and `random`, so tests never wait for real.
 * @see https://developer.okta.com/docs/reference/rl-best-practices/
 * @module
 */

import { RequestExecutor } from '@okta/okta-sdk-nodejs';
import { type Backoff, parseRetryAfter, retryWait } from '@recovery-gate/core';

/** What the executor needs from the world. */
export interface RetryOptions {
  /** Retries after the first attempt (the adapter's default, 3, makes 4 attempts in all). */
  readonly maxRetries: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  /** Local time, used when a 429 carries no `Date` header. */
  readonly now: () => Date;
  /** Longest wait the server may ask for; past it the response is returned (429: ERR_IDP_RATE_LIMITED). */
  readonly maxRateLimitWaitMs: number;
  /** Per-request timeout in ms. */
  readonly requestTimeoutMs: number;
  /** Base of the exponential back-off for 5xx and timeouts, in ms. */
  readonly baseDelayMs: number;
  /** Cap of one back-off delay, in ms. */
  readonly maxDelayMs: number;
}

/** The slice of a node-fetch response the executor reads. */
interface FetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text?(): Promise<string>;
}

type FetchRequest = Parameters<RequestExecutor['fetch']>[0];

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

/** True for transport failures worth retrying (timeouts, resets, refused connections). */
function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; type?: unknown; code?: unknown };
  return (
    e.name === 'FetchError' ||
    e.name === 'AbortError' ||
    e.type === 'request-timeout' ||
    typeof e.code === 'string'
  );
}

/** Reads and discards a body we will not use, so the connection is released. */
async function drain(response: FetchResponse): Promise<void> {
  await response.text?.().catch(() => '');
}

/** Milliseconds until `X-Rate-Limit-Reset`, measured against the response's `Date` (Okta's clock). */
export function rateLimitDelayMs(headers: FetchResponse['headers'], now: Date): number | null {
  const reset = Number(headers.get('x-rate-limit-reset'));
  if (!Number.isFinite(reset) || reset <= 0) return null;
  const date = Date.parse(headers.get('date') ?? '');
  const base = Number.isFinite(date) ? date : now.getTime();
  return Math.max(reset * 1000 - base, 0);
}

/**
 * What the server asked us to wait: `Retry-After` if given, else (on a 429 only) Okta's rate-limit reset.
 * Okta sends `X-Rate-Limit-*` on every response; on a 5xx the reset is the end of a window, not a hint.
 */
export function serverWaitMs(response: Pick<FetchResponse, 'status' | 'headers'>, now: Date): number | null {
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now);
  if (retryAfter !== null || response.status !== 429) return retryAfter;
  return rateLimitDelayMs(response.headers, now);
}

/** A RequestExecutor (the SDK demands this class) with bounded, injectable retries. */
export class RetryingRequestExecutor extends RequestExecutor {
  readonly #options: RetryOptions;
  readonly #backoff: Backoff;

  constructor(options: RetryOptions) {
    super();
    this.#options = options;
    this.#backoff = { baseMs: options.baseDelayMs, capMs: options.maxDelayMs, random: options.random };
  }

  override async fetch(request: FetchRequest): Promise<FetchResponse> {
    const { maxRetries, sleep, requestTimeoutMs, maxRateLimitWaitMs, now } = this.#options;
    for (let attempt = 0; ; attempt++) {
      let response: FetchResponse;
      try {
        // node-fetch v2 honours a per-request `timeout` (ms).
        response = (await super.fetch({
          ...request,
          timeout: requestTimeoutMs,
        } as FetchRequest)) as FetchResponse;
      } catch (error) {
        if (attempt >= maxRetries || !isTransient(error)) throw error;
        await sleep(retryWait(attempt, this.#backoff));
        continue;
      }
      if (attempt >= maxRetries) return response;
      if (response.status !== 429 && !RETRYABLE_STATUS.has(response.status)) return response;
      const serverWait = serverWaitMs(response, now());
      // A wait past our bound is not sat out: the 429 is returned (ERR_IDP_RATE_LIMITED) for the caller.
      if (serverWait !== null && serverWait > maxRateLimitWaitMs) return response;
      await drain(response);
      await sleep(retryWait(attempt, this.#backoff, serverWait));
    }
  }
}
