/**
 * A wrapper that keeps secrets out of logs, JSON, errors and snapshots, and a constant-time comparison.
 * @module
 */

import { hash, timingSafeEqual } from 'node:crypto';

const REDACTED = '[redacted]';

/** A secret value (API token, temporary credential, hook secret). Printing or serialising it shows `[redacted]`. */
export interface Secret {
  /** The secret itself. Call only where it is sent to its one rightful destination. */
  reveal(): string;
  /** Always `[redacted]`. */
  toJSON(): string;
  /** Always `[redacted]`. */
  toString(): string;
}

/** Wraps `value` so that it cannot leak by accident through JSON, string interpolation or `util.inspect`. */
export function createSecret(value: string): Secret {
  const secret: Secret = {
    reveal: () => value,
    toJSON: () => REDACTED,
    toString: () => REDACTED,
  };
  Object.defineProperty(secret, Symbol.for('nodejs.util.inspect.custom'), { value: () => REDACTED });
  return Object.freeze(secret);
}

/** True when `value` is a {@link Secret}. */
export function isSecret(value: unknown): value is Secret {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { reveal?: unknown }).reveal === 'function' &&
    (value as { toJSON?: () => unknown }).toJSON?.() === REDACTED
  );
}

/** Compares two secrets in constant time (for the length of the longer input's digest). */
export function secretsEqual(a: string | Secret, b: string | Secret): boolean {
  // One-shot digests: every hook delivery is checked here, and a Hash object per side costs more than the hash.
  const left = hash('sha256', typeof a === 'string' ? a : a.reveal(), 'buffer');
  const right = hash('sha256', typeof b === 'string' ? b : b.reveal(), 'buffer');
  return timingSafeEqual(left, right);
}
