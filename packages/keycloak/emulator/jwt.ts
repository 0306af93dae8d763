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

/** Verifies a JWT signed by `keys` (either algorithm) and returns its claims, or null. */
export function verifyJwt(keys: RealmKeys, token: string): Claims | null {
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
    const claims: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? (claims as Claims) : null;
  } catch {
    return null;
  }
}

/** The public JWK set for the realm's ES256 key. */
export function jwks(keys: RealmKeys): { keys: Record<string, unknown>[] } {
  const jwk = keys.publicKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: keys.kid, use: 'sig', alg: 'ES256' }] };
}
