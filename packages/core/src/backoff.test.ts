import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, retryWait } from './backoff.js';

describe('backoff', () => {
  const fixed = (r: number) => ({ baseMs: 1000, capMs: 60_000, random: () => r });

  it('grows exponentially between half and all of its ceiling, and stops at the cap', () => {
    expect(backoffDelay(0, fixed(0))).toBe(500);
    expect(backoffDelay(0, fixed(0.999999))).toBe(1000);
    expect(backoffDelay(2, fixed(0.5))).toBe(3000);
    expect(backoffDelay(10, fixed(0))).toBe(30_000);
    expect(backoffDelay(10, fixed(0.999999))).toBe(60_000);
    expect(backoffDelay(1000, fixed(0.5))).toBe(45_000);
  });

  it('never waits zero, and a negative or fractional attempt is the first', () => {
    expect(backoffDelay(0, { baseMs: 0, capMs: 10, random: () => 0 })).toBe(1);
    expect(backoffDelay(-3, fixed(0))).toBe(500);
    expect(backoffDelay(1.7, fixed(0))).toBe(1000);
  });

  it('spreads: many retries of one attempt do not all wait the same', () => {
    const waits = new Set(Array.from({ length: 50 }, () => backoffDelay(3, { baseMs: 1000, capMs: 60_000 })));
    expect(waits.size).toBeGreaterThan(10);
    for (const w of waits) expect(w >= 4000 && w <= 8000).toBe(true);
  });

  it('reads Retry-After as seconds or an HTTP date, and nothing else', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    for (const bad of [null, undefined, '', 'soon', '-5']) expect(parseRetryAfter(bad, now)).toBeNull();
  });

  it('prefers what the server asked for', () => {
    expect(retryWait(3, fixed(0), 7000)).toBe(7000);
    expect(retryWait(3, fixed(0), null)).toBe(4000);
  });
});
