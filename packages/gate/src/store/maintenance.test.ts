import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareEmbeddedTemplate, type TestLocation, testLocation } from '../testing/stores.js';
import type { Store } from '../types.js';
import { startMaintenance } from './maintenance.js';

beforeAll(() => prepareEmbeddedTemplate(), 180_000);

describe('embedded store maintenance (autovacuum in single-user mode)', () => {
  let location: TestLocation;
  let store: Store;

  beforeAll(async () => {
    location = await testLocation('pglite');
    store = await location.open();
  });
  afterAll(async () => {
    await store.close();
    await location.cleanup();
  });

  const stats = async (table: string) => {
    // Counters are flushed to the shared statistics at most once a second unless forced.
    await store.query('SELECT pg_stat_force_next_flush()');
    return (
      await store.query<{ dead: number; analyzed: boolean; vacuumed: boolean }>(
        `SELECT n_dead_tup::int AS dead, last_analyze IS NOT NULL AS analyzed, last_vacuum IS NOT NULL AS vacuumed
           FROM pg_stat_user_tables WHERE relname = $1`,
        [table],
      )
    )[0];
  };
  const of = (table: string, done: string[]) => done.filter((d) => d.endsWith(`.${table}`));
  // An hour between checks: only runOnce runs here. The clock is the test's.
  let clock = 0;
  const maintain = (options: Partial<Parameters<typeof startMaintenance>[0]> = {}) =>
    startMaintenance({
      exec: (sql) => store.query(sql),
      intervalMs: 3_600_000,
      now: () => clock,
      ...options,
    });

  it('vacuums and analyzes a table past autovacuum thresholds, and leaves it alone after', async () => {
    const maintenance = maintain();
    try {
      await store.query('CREATE TABLE queue (id INT PRIMARY KEY, status TEXT NOT NULL)');
      await store.query("INSERT INTO queue SELECT g, 'pending' FROM generate_series(1, 400) g");
      await store.query("UPDATE queue SET status = 'done'");
      expect(await stats('queue')).toEqual({ dead: 400, analyzed: false, vacuumed: false });
      expect(of('queue', await maintenance.runOnce())).toEqual([
        'VACUUM public.queue',
        'ANALYZE public.queue',
      ]);
      expect(await stats('queue')).toEqual({ dead: 0, analyzed: true, vacuumed: true });
      // Nothing changed since: nothing to do.
      expect(of('queue', await maintenance.runOnce())).toEqual([]);
      // Changed rows without dead ones (inserts) past the analyze threshold: analyze only, and not again
      // within the analyze interval.
      await store.query("INSERT INTO queue SELECT g, 'pending' FROM generate_series(401, 600) g");
      expect(of('queue', await maintenance.runOnce())).toEqual([]);
      clock += 10_000;
      expect(of('queue', await maintenance.runOnce())).toEqual(['ANALYZE public.queue']);
    } finally {
      await maintenance.stop();
    }
  });

  it('vacuums a large table once 1,000 rows are dead, below 20% of it', async () => {
    const maintenance = maintain();
    try {
      await store.query('CREATE TABLE big (id INT PRIMARY KEY, status TEXT NOT NULL)');
      await store.query("INSERT INTO big SELECT g, 'pending' FROM generate_series(1, 20000) g");
      await store.query('VACUUM ANALYZE big');
      const vacuums = (done: string[]) => of('big', done).filter((d) => d.startsWith('VACUUM'));
      // 900 dead of 20,000: no VACUUM yet.
      await store.query("UPDATE big SET status = 'done' WHERE id <= 900");
      expect(vacuums(await maintenance.runOnce())).toEqual([]);
      // 1,500 dead: autovacuum would wait for 4,050; a VACUUM this small is a few ms.
      await store.query("UPDATE big SET status = 'done' WHERE id > 900 AND id <= 1500");
      expect(vacuums(await maintenance.runOnce())).toEqual(['VACUUM public.big']);
      expect(await stats('big')).toMatchObject({ dead: 0, vacuumed: true });
    } finally {
      await maintenance.stop();
    }
  });

  it("removes a momentary column's statistics after ANALYZE, so a drained queue is not planned as empty", async () => {
    await store.query('CREATE TABLE inbox (id INT PRIMARY KEY, status TEXT NOT NULL, at INT NOT NULL)');
    await store.query("INSERT INTO inbox SELECT g, 'done', g FROM generate_series(1, 20000) g");
    // Statistics taken while every row is done (an older gate's, or a manual ANALYZE).
    await store.query('ANALYZE inbox');
    const columns = async () =>
      (
        await store.query<{ attname: string }>(
          `SELECT attname FROM pg_stats WHERE tablename = 'inbox' ORDER BY attname`,
        )
      ).map((r) => r.attname);
    const openRowsEstimate = async () => {
      const [row] = await store.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
        `EXPLAIN (FORMAT JSON) SELECT id FROM inbox WHERE status IN ('pending', 'processing')`,
      );
      return row?.['QUERY PLAN'][0].Plan['Plan Rows'];
    };
    expect(await columns()).toEqual(['at', 'id', 'status']);
    expect(await openRowsEstimate()).toBe(1);
    const maintenance = maintain({ momentaryColumns: [{ table: 'inbox', column: 'status' }] });
    try {
      // The first pass removes statistics kept from before.
      await maintenance.runOnce();
      expect(await columns()).toEqual(['at', 'id']);
      // An ANALYZE of the drained queue keeps the other columns' statistics and not the status's: the planner
      // falls back to its default share, not "no open row".
      await store.query("UPDATE inbox SET status = 'pending' WHERE id <= 3000");
      await store.query("UPDATE inbox SET status = 'done' WHERE id <= 3000");
      clock += 10_000;
      expect(of('inbox', await maintenance.runOnce())).toEqual([
        'VACUUM public.inbox',
        'ANALYZE public.inbox',
      ]);
      expect(await columns()).toEqual(['at', 'id']);
      expect(await openRowsEstimate()).toBeGreaterThan(50);
    } finally {
      await maintenance.stop();
    }
  });
});
