/**
 * Minimal JWT signing and verification for the emulator (ES256 for realm tokens, HS256 for action tokens).
 * @module
 */

import { createHmac, generateKeyPairSync, type KeyObject, sign, timingSafeEqual, verify } from 'node:crypto';

/** A JWT payload: string keys, JSON values. */
export type Claims = Record<string, unknown>;

/** The realm's signing keys. */
export interface RealmKeys {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly hmacSecret: Buffer;
}

const b64 = (input: Buffer | string): string => Buffer.from(input).toString('base64url');

/** Creates fresh realm keys (an EC P-256 pair and an HMAC secret). */
export function createRealmKeys(kid: string, hmacSecret: Buffer): RealmKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, privateKey, publicKey, hmacSecret };
}

/** Signs `claims` as an ES256 JWT. */
export function signEs256(keys: RealmKeys, claims: Claims): string {
  const head = b64(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: keys.kid }));
  const body = b64(JSON.stringify(claims));
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), {
    key: keys.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${head}.${body}.${b64(sig)}`;
}

/** Signs `claims` as an HS256 JWT (Keycloak signs action tokens with the realm's HMAC key). */
export function signHs256(keys: RealmKeys, claims: Claims): string {
  const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: `${keys.kid}-hmac` }));
  const body = b64(JSON.stringify(claims));
  const sig = createHmac('sha256', keys.hmacSecret).update(`${head}.${body}`).digest();
  return `${head}.${body}.${b64(sig)}`;
}

/**
 * Tokens whose signature checked out, per realm keys: the check is pure (the same keys and token always give
 * the same answer), so the emulator verifies a token's signature once, not on every admin call (an ES256
 * verification costs ~0.12 ms of the thread the benches share with the gate). Holds the claims' JSON, parsed
 * afresh on each hit; bounded. Expiry, the user and the client are still checked per call by the callers.
 */
const verified = new WeakMap<RealmKeys, Map<string, string>>();
const VERIFIED_MAX = 256;

/** Verifies a JWT signed by `keys` (either algorithm) and returns its claims, or null. */
export function verifyJwt(keys: RealmKeys, token: string): Claims | null {
  const known = verified.get(keys)?.get(token);
  if (known !== undefined) return JSON.parse(known) as Claims;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [head, body, sig] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
    const data = Buffer.from(`${head}.${body}`);
    const signature = Buffer.from(sig, 'base64url');
    let ok = false;
    if (header.alg === 'ES256') {
      ok = verify('sha256', data, { key: keys.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    } else if (header.alg === 'HS256') {
      const expected = createHmac('sha256', keys.hmacSecret).update(data).digest();
      ok = expected.length === signature.length && timingSafeEqual(expected, signature);
    }
    if (!ok) return null;
    const text = Buffer.from(body, 'base64url').toString('utf8');
    const claims: unknown = JSON.parse(text);
    if (typeof claims !== 'object' || claims === null) return null;
    let cache = verified.get(keys);
    if (cache === undefined) {
      cache = new Map();
      verified.set(keys, cache);
    }
    if (cache.size >= VERIFIED_MAX) cache.clear();
    cache.set(token, text);
    return claims as Claims;
  } catch {
    return null;
  }
}

/** The public JWK set for the realm's ES256 key. */
export function jwks(keys: RealmKeys): { keys: Record<string, unknown>[] } {
  const jwk = keys.publicKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: keys.kid, use: 'sig', alg: 'ES256' }] };
}
