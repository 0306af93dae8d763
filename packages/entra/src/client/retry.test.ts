import { describe, expect, it } from 'vitest';
import { retryDelay } from './retry.js';

const settings = {
  maxRetries: 4,
  maxDelayMs: 60_000,
  sleep: async () => undefined,
  random: () => 0.5,
  now: () => new Date('2026-01-01T00:00:00Z'),
};

describe('retryDelay', () => {
  it('honours Retry-After in seconds', () => {
    expect(
      retryDelay(new Response(null, { status: 429, headers: { 'retry-after': '7' } }), 0, settings),
    ).toBe(7000);
  });

  it('honours Retry-After as an HTTP date', () => {
    const response = new Response(null, {
      status: 503,
      headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' },
    });
    expect(retryDelay(response, 0, settings)).toBe(30_000);
  });

  it('backs off exponentially with jitter without the header', () => {
    const response = new Response(null, { status: 503 });
    expect(retryDelay(response, 0, settings)).toBe(750);
    expect(retryDelay(response, 2, settings)).toBe(3000);
  });
});
