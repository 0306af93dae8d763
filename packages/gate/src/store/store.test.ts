import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isGateError } from '@recovery-gate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, prepareEmbeddedTemplate, type TestLocation, testLocation } from '../testing/stores.js';
import type { Store } from '../types.js';
import { GATE_MIGRATIONS, hasSqlState, UNIQUE_VIOLATION } from './index.js';
import { splitStatements } from './migrate.js';

beforeAll(() => prepareEmbeddedTemplate(), 180_000);

const EXTRA = {
  id: 'zz_test_0001',
  sql: "CREATE TABLE t (id INT PRIMARY KEY, s TEXT NOT NULL DEFAULT 'a;b')",
};

describe.each(BACKENDS)('store on %s', (backend) => {
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
    // A clean slate without reopening: drop and recreate the schema the store works in.
    const [row] = await store.query<{ s: string }>('SELECT current_schema() AS s');
    await store.query(`DROP SCHEMA "${row?.s}" CASCADE`);
    await store.query(`CREATE SCHEMA "${row?.s}"`);
  });

  it('applies migrations once, and again is a no-op', async () => {
    await store.migrate([...GATE_MIGRATIONS, EXTRA]);
    await store.migrate([...GATE_MIGRATIONS, EXTRA]);
    const rows = await store.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([...GATE_MIGRATIONS.map((m) => m.id), EXTRA.id]);
    await store.query('INSERT INTO t (id) VALUES (1)');
    expect(await store.query('SELECT s FROM t')).toEqual([{ s: 'a;b' }]);
  });

  it('runs concurrent migrate calls without applying twice', async () => {
    await Promise.all([store.migrate([EXTRA]), store.migrate([EXTRA])]);
    const rows = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('rolls back a transaction that throws, and commits one that returns', async () => {
    await store.migrate([EXTRA]);
    await expect(
      store.transaction(async (tx) => {
        await tx.query('INSERT INTO t (id) VALUES (1)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.query('SELECT id FROM t')).toEqual([]);
    const value = await store.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES ($1)', [2]);
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(await store.query('SELECT id FROM t')).toEqual([{ id: 2 }]);
  });

  it('reports a unique violation as ERR_STORAGE with its SQLSTATE', async () => {
    await store.migrate([EXTRA]);
    await store.query('INSERT INTO t (id) VALUES (1)');
    const error = await store.query('INSERT INTO t (id) VALUES (1)').catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_STORAGE')).toBe(true);
    expect(hasSqlState(error, UNIQUE_VIOLATION)).toBe(true);
  });

  it('parses bigint counts as numbers and JSONB as objects on both backends', async () => {
    const [row] = await store.query('SELECT 7::int8 AS n, $1::jsonb AS j', [JSON.stringify({ a: [1] })]);
    expect(row).toEqual({ n: 7, j: { a: [1] } });
  });

  it('withLock is exclusive while held and free again after', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = store.withLock('poll:okta:system_log', () => held.then(() => 1));
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.withLock('poll:okta:system_log', async () => 2)).toEqual({ ran: false });
    expect(await store.withLock('other', async () => 3)).toEqual({ ran: true, value: 3 });
    release();
    expect(await first).toEqual({ ran: true, value: 1 });
    expect(await store.withLock('poll:okta:system_log', async () => 4)).toEqual({ ran: true, value: 4 });
  });

  it('releases the lock when fn throws', async () => {
    await expect(store.withLock('x', async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await store.withLock('x', async () => 1)).toEqual({ ran: true, value: 1 });
  });

  it('keeps data across a close and reopen', async () => {
    await store.migrate([EXTRA]);
    await store.query('INSERT INTO t (id) VALUES (9)');
    await store.close();
    store = await location.open();
    await store.migrate([EXTRA]);
    expect(await store.query('SELECT id FROM t')).toEqual([{ id: 9 }]);
  });
});

describe('two stores on one PostgreSQL database', () => {
  it('withLock and migrate are exclusive across them', async () => {
    const location = await testLocation('postgres');
    // Both replicas start together: schema creation and migrations race and must both succeed.
    const [a, b] = await Promise.all([location.open(), location.open()]);
    try {
      await Promise.all([a.migrate([...GATE_MIGRATIONS, EXTRA]), b.migrate([...GATE_MIGRATIONS, EXTRA])]);
      const [count] = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(count?.n).toBe(GATE_MIGRATIONS.length + 1);
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const first = a.withLock('tick', () => held.then(() => 'a'));
      await new Promise((r) => setTimeout(r, 50));
      expect(await b.withLock('tick', async () => 'b')).toEqual({ ran: false });
      release();
      expect(await first).toEqual({ ran: true, value: 'a' });
      expect(await b.withLock('tick', async () => 'b')).toEqual({ ran: true, value: 'b' });
    } finally {
      await a.close();
      await b.close();
      await location.cleanup();
    }
  });
});

describe('embedded data directory', () => {
  it('refuses a second open while the first is live', async () => {
    const location = await testLocation('pglite');
    const a = await location.open();
    try {
      const error = await location.open().catch((e: unknown) => e);
      expect(isGateError(error, 'ERR_STORAGE')).toBe(true);
    } finally {
      await a.close();
      await location.cleanup();
    }
  });
});

describe('embedded data directory after a crash', () => {
  it('takes over a lock file left by a dead process, or by an earlier process with our pid', async () => {
    const location = await testLocation('pglite');
    const dir = location.dir;
    try {
      for (const stale of ['999999', String(process.pid)]) {
        await writeFile(join(dir ?? '', 'gate.pid'), stale);
        const store = await location.open();
        expect(await store.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
        await store.close();
      }
    } finally {
      await location.cleanup();
    }
  });
});

describe('splitStatements', () => {
  it('keeps semicolons inside quotes and dollar bodies', () => {
    expect(splitStatements("SELECT 'a;b'; -- c;\nSELECT $$x;y$$; SELECT $1")).toEqual([
      "SELECT 'a;b'",
      'SELECT $$x;y$$',
      'SELECT $1',
    ]);
  });
});
