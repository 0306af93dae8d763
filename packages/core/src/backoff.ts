/**
 * The one retry back-off of the project: capped exponential with jitter, and the server's `Retry-After`
 * honoured when it gives one. Used by the three adapters (IdP calls) and the gate (inbox events,
 * notifications, case steps), so every retry in the system spreads and stops growing the same way.
 * @module
 */

/** How retries back off. */
export interface Backoff {
  /** The ceiling of the first retry's wait (attempt 0), in ms; doubled per attempt. */
  readonly baseMs: number;
  /** No wait grows past this, in ms. */
  readonly capMs: number;
  /** Uniform in [0, 1); injectable for tests. @default Math.random */
  readonly random?: () => number;
}

/**
 * The wait before retry `attempt` (0 for the first retry): between half and all of
 * `min(capMs, baseMs * 2^attempt)` ("equal jitter": retries of many clients spread, none is immediate).
 */
export function backoffDelay(attempt: number, backoff: Backoff): number {
  const exponent = Math.min(Math.max(Math.floor(attempt), 0), 40);
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** exponent);
  const r = (backoff.random ?? Math.random)();
  return Math.max(1, Math.round(ceiling * (0.5 + r / 2)));
}

/**
 * What an HTTP `Retry-After` value asks for, in ms from `now`: delta-seconds or an HTTP date (RFC 9110
 * §10.2.3). Null when absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date names its day and month ("Thu, 01 Jan 2026 00:00:30 GMT"); a bare number is not one.
  const date = /[A-Za-z]/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(date) ? null : Math.max(0, date - now.getTime());
}

/** The wait before retry `attempt`: the server's `Retry-After` when it gave one, else {@link backoffDelay}. */
export function retryWait(attempt: number, backoff: Backoff, retryAfterMs: number | null = null): number {
  return retryAfterMs ?? backoffDelay(attempt, backoff);
}
