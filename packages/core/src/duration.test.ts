import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, isDuration, parseDuration } from './duration.js';
import { isGateError } from './errors.js';

describe('parseDuration', () => {
  it.each([
    ['0s', 0],
    ['250ms', 250],
    ['10m', 600_000],
    ['4h', 14_400_000],
    ['30d', 2_592_000_000],
    ['1w', 604_800_000],
    ['1h30m', 5_400_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', 'm', '10 m', '1.5h', '-1h', '10min', 'h1', '1y'])(
    'refuses %j with ERR_INPUT_INVALID',
    (text) => {
      expect(isDuration(text)).toBe(false);
      try {
        parseDuration(text);
        expect.unreachable();
      } catch (error) {
        expect(isGateError(error, 'ERR_INPUT_INVALID')).toBe(true);
      }
    },
  );

  it('round-trips through formatDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
    expect(formatDuration(5_400_000)).toBe('1h30m');
  });

  it('refuses a negative duration to format', () => {
    expect(() => formatDuration(-1)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }));
  });
});
