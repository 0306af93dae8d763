/**
 * Id helpers for the emulator: deterministic ids for seeded objects, random ones for created objects.
 * @module
 */

import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** A UUID derived from a label, so seeded objects keep the same id across runs. */
export function stableId(label: string): string {
  const hex = createHash('sha256').update(label).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A fresh random UUID. */
export function newId(): string {
  return randomUUID();
}

/** An opaque token (access token, refresh token, skip token). */
export function opaqueToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

const TAP_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789+%@#';

/** A Temporary Access Pass string of `length` characters. */
export function tapString(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += TAP_ALPHABET[byte % TAP_ALPHABET.length];
  return out;
}
