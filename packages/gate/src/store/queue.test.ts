import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, prepareEmbeddedTemplate, type TestLocation, testLocation } from '../testing/stores.js';
import type { Store } from '../types.js';
import { createLeaseQueue, type LeaseQueue } from './queue.js';

beforeAll(() => prepareEmbeddedTemplate(), 180_000);

interface Row extends Record<string, unknown> {
  k: string;
  attempts: number;
}

const TABLE = `CREATE TABLE q (
  k TEXT PRIMARY KEY, status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMPTZ NOT NULL, locked_until TIMESTAMPTZ, last_error TEXT,
  created_at TIMESTAMPTZ NOT NULL, done_at TIMESTAMPTZ)`;

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function queue(random = () => 0.5): LeaseQueue<Row> {
  return createLeaseQueue<Row>({
    table: 'q',
    key: 'k',
    claimed: 'working',
    done: 'done',
    createdColumn: 'created_at',
    returning: 'k, attempts',
    ackSet: 'done_at = $2',
    leaseMs: 6000,
    maxAttempts: 3,
    backoff: { baseMs: 1000, capMs: 1500, random },
  });
}

describe.each(BACKENDS)('the lease queue on %s', (backend) => {
  let location: TestLocation;
  let store: Store;
  beforeAll(async () => {
    location = await testLocation(backend);
    store = await location.open();
  });
  afterAll(async () => {
    await store.close();
    await location.cleanup();
  });
  beforeEach(async () => {
    await store.query('DROP TABLE IF EXISTS q');
    await store.query(TABLE);
    for (const k of ['a', 'b', 'c', 'd'])
      await store.query('INSERT INTO q (k, next_attempt_at, created_at) VALUES ($1, $2, $2)', [
        k,
        T0.toISOString(),
      ]);
  });

  const status = async () =>
    Object.fromEntries(
      (await store.query<{ k: string; status: string }>('SELECT k, status FROM q ORDER BY k')).map((r) => [
        r.k,
        r.status,
      ]),
    );

  it('claims due rows once: concurrent claimers get disjoint batches, a claimed row is not due again', async () => {
    const q = queue();
    const [one, two] = await Promise.all([
      q.claim(store, T0, { limit: 2, orderBy: 't.k' }),
      q.claim(store, T0, { limit: 2, orderBy: 't.k' }),
    ]);
    const keys = [...one, ...two].map((r) => r.k).sort();
    expect(keys).toEqual(['a', 'b', 'c', 'd']);
    expect([...one, ...two].every((r) => r.attempts === 1)).toBe(true);
    expect(await q.claim(store, at(5999), { limit: 10, orderBy: 't.k' })).toEqual([]);
    expect(await q.claimKey(store, 'a', at(5999))).toEqual([]);
  });

  it('takes a lapsed lease over, and a renewed one not', async () => {
    const q = queue();
    await q.claim(store, T0, { limit: 2, orderBy: 't.k' });
    await q.renew(store, ['a'], at(3000));
    const taken = await q.claim(store, at(6001), {
      limit: 10,
      orderBy: 't.k',
      where: 't.k < $4',
      params: ['c'],
    });
    expect(taken.map((r) => r.k)).toEqual(['b']);
    expect(taken[0]?.attempts).toBe(2);
    expect((await q.claimKey(store, 'a', at(9001)))[0]?.attempts).toBe(2);
  });

  it('renews the leases it holds while the work runs', async () => {
    const q = createLeaseQueue<Row>({ ...queue().spec, leaseMs: 3000 });
    const claimed = await q.claim(store, new Date(), { limit: 1, orderBy: 't.k' });
    const lease = async () =>
      Date.parse(
        String((await store.query<{ l: Date }>("SELECT locked_until AS l FROM q WHERE k = 'a'"))[0]?.l),
      );
    const first = await lease();
    const renewed = await q.holding(
      store,
      claimed.map((r) => r.k),
      () => new Date(),
      async () => {
        // Waits for the renewal itself (every third of the lease), not for a fixed time.
        for (let i = 0; i < 100 && (await lease()) === first; i += 1)
          await new Promise((r) => setTimeout(r, 50));
        return lease();
      },
    );
    expect(renewed).toBeGreaterThan(first);
  });

  it('acknowledges, retries after the capped back-off, fails after the last attempt, releases and prunes', async () => {
    const q = queue(() => 0);
    await q.claim(store, T0, { limit: 4, orderBy: 't.k' });
    await q.ack(store, ['a'], T0);
    const first = await q.retry(store, { key: 'b', attempts: 1 }, T0, 'boom');
    expect(first).toEqual({ final: false, nextAttemptAt: at(500) });
    // Equal jitter: half to all of min(cap, base * 2^n); the second retry's 2000 ms is capped at 1500.
    const second = await q.retry(store, { key: 'c', attempts: 2 }, T0, 'boom');
    expect(second.nextAttemptAt).toEqual(at(750));
    expect((await q.retry(store, { key: 'd', attempts: 3 }, T0, 'boom')).final).toBe(true);
    expect(await status()).toEqual({ a: 'done', b: 'pending', c: 'pending', d: 'failed' });
    expect((await q.claim(store, at(500), { limit: 4, orderBy: 't.k' })).map((r) => r.k)).toEqual(['b']);
    expect(await q.release(store)).toBe(1);
    expect(await status()).toEqual({ a: 'done', b: 'pending', c: 'pending', d: 'failed' });
    expect(await q.prune(store, at(1))).toBe(2);
    expect(Object.keys(await status())).toEqual(['b', 'c']);
  });
});
