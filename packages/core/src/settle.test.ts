import { describe, expect, it } from 'vitest';
import { allOrThrow } from './settle.js';

describe('allOrThrow', () => {
  it('returns every value in order when all calls succeed', async () => {
    await expect(allOrThrow([Promise.resolve(1), Promise.resolve(2)])).resolves.toEqual([1, 2]);
  });

  it('waits for every call, then throws the first failure', async () => {
    let slowDone = false;
    const slow = new Promise<number>((r) =>
      setTimeout(() => {
        slowDone = true;
        r(3);
      }, 20),
    );
    await expect(allOrThrow([Promise.reject(new Error('first')), slow])).rejects.toThrow('first');
    expect(slowDone).toBe(true);
  });
});
