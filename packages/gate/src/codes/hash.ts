/**
 * Saved recovery codes (NIST SP 800-63B-4 §4.2.1.1 and §3.1.2): random strings of Crockford base32 (5 bits a
 * character, no I, L, O or U to misread), shown once and kept only as a salted scrypt hash each.
 * @module
 */

import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { createSecret, type Secret } from '@recovery-gate/core';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Bits of entropy one character carries. */
export const BITS_PER_CHARACTER = 5;
/** The fewest characters a code may have: 13 x 5 = 65 bits, at least the 64 bits SP 800-63B-4 asks for. */
export const MIN_CODE_LENGTH = 13;

/** scrypt cost (RFC 7914): N = 2^15, r = 8, p = 1 uses 32 MiB and tens of milliseconds per hash. */
export interface HashCost {
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

/** The cost every stored hash uses unless a test lowers it. */
export const DEFAULT_HASH_COST: HashCost = { log2N: 15, r: 8, p: 1 };

const KEY_LENGTH = 32;

/** A fresh code of `length` characters, uniformly random (32 divides 256, so `byte & 31` has no bias). */
export function generateCode(length: number): Secret {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return createSecret(out);
}

/** The code as shown: groups of four joined by `-`. */
export function formatCode(code: Secret): string {
  return (code.reveal().match(/.{1,4}/g) ?? []).join('-');
}

/**
 * What the subject typed, in canonical form: case, spaces and dashes ignored, O read as 0 and I or L as 1
 * (Crockford); null when it cannot be a code of `length` characters.
 */
export function normalizeCode(input: string, length: number): string | null {
  if (input.length > length * 3) return null;
  const canonical = input
    .toUpperCase()
    .replace(/[\s-]+/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (canonical.length !== length) return null;
  for (const ch of canonical) if (!ALPHABET.includes(ch)) return null;
  return canonical;
}

function derive(code: string, salt: Buffer, cost: HashCost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(code, salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** The stored form of a code: `scrypt$log2N$r$p$salt$hash` (base64url), the parameters kept beside it. */
export async function hashCode(code: Secret, cost: HashCost = DEFAULT_HASH_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(code.reveal(), salt, cost);
  return ['scrypt', cost.log2N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** True when `canonical` hashes to `stored` (compared in constant time); false for a malformed hash. */
export async function matchesHash(canonical: string, stored: string): Promise<boolean> {
  const [scheme, log2N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const cost = { log2N: Number(log2N), r: Number(r), p: Number(p) };
  if (![cost.log2N, cost.r, cost.p].every((n) => Number.isInteger(n) && n > 0) || cost.log2N > 20)
    return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(canonical, Buffer.from(salt, 'base64url'), cost);
  return expected.length === key.length && timingSafeEqual(expected, key);
}
