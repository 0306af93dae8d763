/**
 * Canonical JSON: sorted keys, no whitespace, JSON types only. The audit chain hashes it.
 * @module
 */

import { GateError } from './errors.js';

/** A JSON value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

function write(value: unknown, out: string[], depth: number): void {
  if (depth > 64)
    throw new GateError('ERR_INPUT_INVALID', 'The value is nested too deeply for canonical JSON.');
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    out.push(JSON.stringify(value));
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new GateError('ERR_INPUT_INVALID', 'Canonical JSON has no NaN or Infinity.');
    out.push(JSON.stringify(value));
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, index) => {
      if (index > 0) out.push(',');
      write(item, out, depth + 1);
    });
    out.push(']');
  } else if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    out.push('{');
    entries.forEach(([key, item], index) => {
      if (index > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      write(item, out, depth + 1);
    });
    out.push('}');
  } else {
    throw new GateError('ERR_INPUT_INVALID', `Canonical JSON takes JSON values only, not ${typeof value}.`);
  }
}

/**
 * Serialises a JSON value canonically: object keys sorted by code unit, no whitespace, `undefined`
 * object members left out.
 * @throws GateError `ERR_INPUT_INVALID` for values JSON cannot carry (NaN, functions, class instances).
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, 0);
  return out.join('');
}
