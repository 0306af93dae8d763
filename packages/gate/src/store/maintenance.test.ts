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

  const stats = async () => {
    // Counters are flushed to the shared statistics at most once a second unless forced.
    await store.query('SELECT pg_stat_force_next_flush()');
    return (
      await store.query<{ dead: number; analyzed: boolean; vacuumed: boolean }>(
        `SELECT n_dead_tup::int AS dead, last_analyze IS NOT NULL AS analyzed, last_vacuum IS NOT NULL AS vacuumed
           FROM pg_stat_user_tables WHERE relname = 'queue'`,
      )
    )[0];
  };

  it('vacuums and analyzes a table past autovacuum thresholds, and leaves it alone after', async () => {
    // An hour between checks: only runOnce runs here.
    const maintenance = startMaintenance({ exec: (sql) => store.query(sql), intervalMs: 3_600_000 });
    try {
      await store.query('CREATE TABLE queue (id INT PRIMARY KEY, status TEXT NOT NULL)');
      await store.query("INSERT INTO queue SELECT g, 'pending' FROM generate_series(1, 400) g");
      await store.query("UPDATE queue SET status = 'done'");
      expect(await stats()).toEqual({ dead: 400, analyzed: false, vacuumed: false });
      const done = await maintenance.runOnce();
      expect(done.filter((d) => d.endsWith('.queue'))).toEqual([
        'VACUUM public.queue',
        'ANALYZE public.queue',
      ]);
      expect(await stats()).toEqual({ dead: 0, analyzed: true, vacuumed: true });
      // Nothing changed since: nothing to do.
      expect((await maintenance.runOnce()).filter((d) => d.endsWith('.queue'))).toEqual([]);
      // Changed rows without dead ones (inserts) past the analyze threshold: analyze only.
      await store.query("INSERT INTO queue SELECT g, 'pending' FROM generate_series(401, 600) g");
      expect((await maintenance.runOnce()).filter((d) => d.endsWith('.queue'))).toEqual([
        'ANALYZE public.queue',
      ]);
    } finally {
      await maintenance.stop();
    }
  });
});
