import { describe, expect, it } from 'vitest';
import { createRealmKeys, signEs256, verifyJwt } from './jwt.js';

describe('emulator JWT verification', () => {
  const keys = createRealmKeys('k1', Buffer.alloc(32, 7));
  const other = createRealmKeys('k1', Buffer.alloc(32, 7));

  it('verifies a token once and answers the same afterwards, with claims the caller may change', () => {
    const token = signEs256(keys, { sub: 'u-1', exp: 2_000_000_000 });
    const first = verifyJwt(keys, token);
    expect(first).toEqual({ sub: 'u-1', exp: 2_000_000_000 });
    if (first) first.sub = 'changed';
    expect(verifyJwt(keys, token)).toEqual({ sub: 'u-1', exp: 2_000_000_000 });
  });

  it('a verified token says nothing for other keys, and a tampered one is refused', () => {
    const token = signEs256(keys, { sub: 'u-2' });
    expect(verifyJwt(keys, token)).not.toBeNull();
    expect(verifyJwt(other, token)).toBeNull();
    const [head, , sig] = token.split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ sub: 'admin' })).toString('base64url')}.${sig}`;
    expect(verifyJwt(keys, forged)).toBeNull();
    expect(verifyJwt(keys, `${token.slice(0, -2)}AA`)).toBeNull();
  });
});
