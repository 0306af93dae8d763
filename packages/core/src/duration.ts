/**
 * Durations as written in `recovery-gate.yaml` (`10m`, `30d`, `1h30m`), parsed to milliseconds.
 * @module
 */

import { GateError } from './errors.js';

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

/** The pattern a duration must match: one or more `<integer><unit>` parts, units ms, s, m, h, d, w. */
export const DURATION_PATTERN = /^(?:\d{1,9}(?:ms|s|m|h|d|w))+$/;

const PART = /(\d{1,9})(ms|s|m|h|d|w)/g;

/** True when `text` is a well-formed duration such as `15m`, `30d` or `1h30m`. */
export function isDuration(text: string): boolean {
  return DURATION_PATTERN.test(text);
}

/**
 * Parses a duration such as `15m`, `30d`, `1h30m` or `0s` into milliseconds.
 * @throws GateError `ERR_INPUT_INVALID` when the text is not a duration.
 */
export function parseDuration(text: string): number {
  if (!isDuration(text)) {
    throw new GateError(
      'ERR_INPUT_INVALID',
      `Not a duration: expected digits followed by ms, s, m, h, d or w (e.g. 15m, 30d, 1h30m).`,
    );
  }
  let total = 0;
  for (const match of text.matchAll(PART)) {
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  return total;
}

/** Formats milliseconds as the shortest duration text (`90m` -> `1h30m`, `0` -> `0s`). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new GateError('ERR_INPUT_INVALID', 'A duration must be a finite, non-negative number of ms.');
  }
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  return parts.join('');
}
