import { describe, expect, it } from 'vitest';
import { createLane } from './lane.js';

/** A job that records when it starts and finishes only when released. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('lane', () => {
  it('runs one operation at a time', async () => {
    const lane = createLane();
    let running = 0;
    let most = 0;
    const job = async () => {
      running += 1;
      most = Math.max(most, running);
      await flush();
      running -= 1;
    };
    await Promise.all([1, 2, 3, 4, 5].map((n) => lane.run(n % 2 === 0 ? 'high' : 'normal', job)));
    expect(most).toBe(1);
  });

  it('runs queued high operations before queued normal ones, each group in arrival order', async () => {
    const lane = createLane();
    const order: string[] = [];
    const first = gate();
    const blocker = lane.run('normal', async () => {
      order.push('blocker');
      await first.opened;
    });
    await flush();
    const runs = [
      lane.run('normal', async () => void order.push('n1')),
      lane.run('high', async () => void order.push('h1')),
      lane.run('normal', async () => void order.push('n2')),
      lane.run('high', async () => void order.push('h2')),
    ];
    expect(lane.waiting()).toEqual({ high: 2, normal: 2 });
    first.open();
    await Promise.all([blocker, ...runs]);
    expect(order).toEqual(['blocker', 'h1', 'h2', 'n1', 'n2']);
  });

  it('lets high work that arrives during the turn before a normal operation go first', async () => {
    const turns: Array<() => void> = [];
    const lane = createLane({ yieldTurn: () => new Promise((resolve) => turns.push(resolve)) });
    const order: string[] = [];
    const normal = lane.run('normal', async () => void order.push('normal'));
    // The lane is yielding before the normal operation; a hook's insert arrives meanwhile.
    await flush();
    expect(turns).toHaveLength(1);
    const high = lane.run('high', async () => void order.push('high'));
    turns.shift()?.();
    await high;
    // After the high operation, the normal one gets a fresh turn before it runs.
    await flush();
    turns.shift()?.();
    await normal;
    expect(order).toEqual(['high', 'normal']);
  });

  it('gives a waiting normal operation its turn after maxHighStreak high ones in a row', async () => {
    const lane = createLane({ maxHighStreak: 2 });
    const order: string[] = [];
    const first = gate();
    const blocker = lane.run('high', async () => {
      await first.opened;
    });
    await flush();
    const runs = [
      lane.run('normal', async () => void order.push('n1')),
      ...['h1', 'h2', 'h3', 'h4'].map((name) => lane.run('high', async () => void order.push(name))),
    ];
    first.open();
    await Promise.all([blocker, ...runs]);
    expect(order).toEqual(['h1', 'h2', 'n1', 'h3', 'h4']);
  });

  it('settles each caller with its own result or error and keeps going after a failure', async () => {
    const lane = createLane();
    const failed = lane.run('high', async () => {
      throw new Error('boom');
    });
    const sync = lane.run('normal', (() => {
      throw new Error('sync boom');
    }) as () => Promise<never>);
    const ok = lane.run('normal', async () => 42);
    await expect(failed).rejects.toThrow('boom');
    await expect(sync).rejects.toThrow('sync boom');
    await expect(ok).resolves.toBe(42);
    expect(lane.waiting()).toEqual({ high: 0, normal: 0 });
  });
});
