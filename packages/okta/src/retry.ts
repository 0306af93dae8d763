/**
 * The request executor the Okta client sends every request through: bounded retries for 429 (waiting for
 * `X-Rate-Limit-Reset`), 5xx and timeouts (exponential back-off with full jitter), all through the
 * injected `sleep` and `random`, so tests never wait for real.
 * @see https://developer.okta.com/docs/reference/rl-best-practices/
 * @module
 */

import { RequestExecutor } from '@okta/okta-sdk-nodejs';
import { backoffDelay } from '@recovery-gate/core';

/** What the executor needs from the world. */
export interface RetryOptions {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  /** Local time, used when a 429 carries no `Date` header. */
  readonly now: () => Date;
  /** Longest wait for a rate-limit reset; past it the 429 is returned (ERR_IDP_RATE_LIMITED). */
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

/** A RequestExecutor (the SDK demands this class) with bounded, injectable retries. */
export class RetryingRequestExecutor extends RequestExecutor {
  readonly #options: RetryOptions;

  constructor(options: RetryOptions) {
    super();
    this.#options = options;
  }

  #backoff(attempt: number): number {
    const { baseDelayMs, maxDelayMs, random } = this.#options;
    return backoffDelay(attempt, { baseMs: baseDelayMs, capMs: maxDelayMs, random });
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
        await sleep(this.#backoff(attempt));
        continue;
      }
      if (attempt >= maxRetries) return response;
      if (response.status === 429) {
        const wait = rateLimitDelayMs(response.headers, now());
        if (wait === null || wait > maxRateLimitWaitMs) return response;
        // Okta's reset is second-granular; a little jitter keeps many clients from retrying in lockstep.
        await drain(response);
        await sleep(wait + Math.round(250 * this.#options.random()));
        continue;
      }
      if (!RETRYABLE_STATUS.has(response.status)) return response;
      await drain(response);
      await sleep(this.#backoff(attempt));
    }
  }
}
