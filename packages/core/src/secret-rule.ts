/**
 * The one rule for which keys name a secret and which values under them are secrets. The audit chain refuses
 * what it finds, the logger redacts it, the configuration demands an `${ENV}` reference for it.
 * @module
 */

import { isSecret } from './secret.js';

/** Words that, anywhere in a key, say it holds a secret (`apiToken`, `hookSecret`, `oneTimeCode`). */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passcode',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'code',
  'codes',
  'otp',
  'pin',
  'tap',
  'tac',
  'cookie',
  'authorization',
  'bearer',
  'credential',
  'credentials',
  'certificate',
  'cert',
  'pem',
  'signature',
  'apikey',
  'privatekey',
  'clientassertion',
  'clientstate',
]);
/** Words that, last in a key, make it describe a secret rather than hold one (`tokenId`, `codeSentAt`). */
const META_WORDS = new Set([
  'id',
  'ids',
  'type',
  'kind',
  'count',
  'at',
  'status',
  'hash',
  'length',
  'ttl',
  'expires',
  'lifetime',
  'seconds',
  'sent',
  'used',
  'delivery',
  'channel',
  'name',
  'env',
]);
/** A stable code such as `EVIDENCE_MISSING`, or the logger's own mark, is not a secret. */
const NOT_A_SECRET = /^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|\[redacted\])$/;

function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.toLowerCase());
}

/** True when `key` names a secret (`clientSecret`, `gate_private_key`), false when it describes one (`tokenId`). */
export function isSecretKey(key: string): boolean {
  const parts = words(key);
  if (parts.length === 0) return false;
  if (parts.length > 1 && META_WORDS.has(parts[parts.length - 1] as string)) return false;
  // Pairs catch two-word secrets inside longer keys (`gatePrivateKey`, `x-api-key`); the whole catches `APIKEY`.
  const pairs = parts.slice(1).map((word, i) => `${parts[i]}${word}`);
  return [...parts, ...pairs, parts.join('')].some((word) => SECRET_WORDS.has(word));
}

/**
 * True when `value`, under a secret key, would disclose a secret: a {@link Secret}, a non-empty string that
 * is not a stable code, a number (YAML reads `pin: 123456` as one), or a list holding one. Booleans, null and
 * objects are not (an object's own keys are judged one by one).
 */
export function isSecretValue(value: unknown): boolean {
  if (isSecret(value)) return true;
  if (typeof value === 'string') return value.length > 0 && !NOT_A_SECRET.test(value);
  if (typeof value === 'number') return Number.isFinite(value);
  return Array.isArray(value) && value.some(isSecretValue);
}

/**
 * The path of the first secret inside `value` (a {@link Secret} anywhere, or a secret value under a secret
 * key), or null; the path names where, never what.
 */
export function findSecret(value: unknown, path = '', depth = 0): string | null {
  if (isSecret(value)) return path;
  if (depth > 64 || typeof value !== 'object' || value === null) return null;
  const list = Array.isArray(value);
  for (const [key, item] of Object.entries(value)) {
    const at = list ? `${path}[${key}]` : `${path}.${key}`;
    if (!list && isSecretKey(key) && isSecretValue(item)) return at;
    const inner = findSecret(item, at, depth + 1);
    if (inner !== null) return inner;
  }
  return null;
}
