/**
 * A Graph client middleware that retries throttled and unavailable answers (429, 503, 504), honouring
 * `Retry-After`, with an injected sleep and a bound on attempts and on the wait.
 * @module
 */

import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { backoffDelay, parseRetryAfter, retryWait } from '@recovery-gate/core';

/** Retry settings. */
export interface RetrySettings {
  readonly maxRetries: number;
  /** Longest single wait; a longer `Retry-After` ends the retries (the caller gets ERR_IDP_RATE_LIMITED). */
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly now: () => Date;
}

const RETRIABLE = new Set([429, 503, 504]);

/** Back-off from 1 s, doubled per attempt, capped at the longest wait (core's `backoffDelay`). */
const backoff = (settings: RetrySettings) => ({
  baseMs: 1000,
  capMs: settings.maxDelayMs,
  random: settings.random,
});

/** The wait a response asks for: `Retry-After` seconds or HTTP date; else exponential back-off with jitter. */
export function retryDelay(response: Response, attempt: number, settings: RetrySettings): number {
  const asked = parseRetryAfter(response.headers.get('retry-after'), settings.now());
  return retryWait(attempt, backoff(settings), asked);
}

/** Creates the retry middleware; `setNext` links it to the terminal handler. */
export function createRetryMiddleware(settings: RetrySettings): Middleware {
  let next: Middleware | undefined;
  return {
    setNext(middleware) {
      next = middleware;
    },
    async execute(context: Context) {
      if (!next) throw new Error('retry middleware has no next handler');
      for (let attempt = 0; ; attempt += 1) {
        try {
          await next.execute(context);
        } catch (error) {
          // The request never got an answer (connection refused or reset): back off and try again, bounded.
          if (attempt >= settings.maxRetries) throw error;
          await settings.sleep(backoffDelay(attempt, backoff(settings)));
          continue;
        }
        const response = context.response;
        if (!response || !RETRIABLE.has(response.status) || attempt >= settings.maxRetries) return;
        const delay = retryDelay(response, attempt, settings);
        if (delay > settings.maxDelayMs) return;
        await response.body?.cancel();
        await settings.sleep(delay);
      }
    },
  };
}
