import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from './log.js';
import { createLoop } from './loop.js';

describe('background loop', () => {
  it('a run that kicks its own loop runs again at once, not after the interval', async () => {
    let runs = 0;
    let resolveThird: () => void = () => undefined;
    const third = new Promise<void>((r) => {
      resolveThird = r;
    });
    const loop = createLoop({
      name: 'test',
      intervalMs: 3_600_000,
      logger: silentLogger,
      run: async () => {
        runs += 1;
        // As a poller that stopped at its page limit with more ready: two more runs wanted.
        if (runs < 3) loop.kick();
        else resolveThird();
      },
    });
    loop.start();
    // With the one-hour interval, a third run only happens if the kicks from inside the runs worked.
    await Promise.race([
      third,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${runs} runs`)), 5_000)),
    ]);
    await loop.stop();
    expect(runs).toBe(3);
  });

  it('a kick between runs starts one at once; after stop nothing runs', async () => {
    let runs = 0;
    const loop = createLoop({
      name: 'test',
      intervalMs: 3_600_000,
      logger: silentLogger,
      run: async () => {
        runs += 1;
      },
    });
    loop.start();
    await vi.waitFor(() => expect(runs).toBe(1), { timeout: 5_000 });
    loop.kick();
    await vi.waitFor(() => expect(runs).toBe(2), { timeout: 5_000 });
    await loop.stop();
    loop.kick();
    await new Promise((r) => setTimeout(r, 50));
    expect(runs).toBe(2);
  });
});
