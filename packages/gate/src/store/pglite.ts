/**
 * The embedded store: PGlite (PostgreSQL in WebAssembly) in a data directory, one process.
 * @module
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Migration, Queryable, Store } from '../types.js';
import { storageError } from './errors.js';
import { createLane } from './lane.js';
import { acquireDirLock } from './lockfile.js';
import { startMaintenance } from './maintenance.js';
import { applyMigrations } from './migrate.js';
import { createNamedMutex } from './mutex.js';

/**
 * PGlite's own start parameters plus settings sized for one process's small database. PGlite keeps
 * PostgreSQL's server defaults, and its shared buffers (128 MB) live in the WebAssembly heap, which is
 * resident and never shrinks: the gate's whole working set is a few MB of tables. Under the intake load
 * every buffer is touched, so the WebAssembly memory's resident part is the buffers plus ~18 MB (34 MB with
 * 16 MB of buffers, 26 MB with 8 MB), flat however large the database grows; a read that misses them is one
 * 8 kB read from the OS's page cache (0.15% of block reads with 16 MB, 0.44% with 8 MB).
 */
const START_PARAMS = [
  ...PGlite.defaultStartParams,
  '-c',
  'shared_buffers=8MB',
  '-c',
  'maintenance_work_mem=16MB',
  // ANALYZE (see maintenance.ts) runs in this thread: a smaller sample keeps it to a few ms.
  '-c',
  'default_statistics_target=10',
];

function wrap(db: Pick<PGlite | Transaction, 'query'>): Queryable {
  return {
    async query<Row extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) {
      try {
        const result = await db.query<Row>(sql, params === undefined ? [] : [...params]);
        return result.rows;
      } catch (error) {
        throw storageError(error);
      }
    },
  };
}

/**
 * Opens (creating if needed) an embedded store in `dataDir` (the database lives in `pgdata/` inside it). Only one process may open a data directory:
 * a lock file refuses a second live process. Inside `transaction(fn)`, use the `tx` handed to `fn`:
 * the embedded database has one connection, so calling the store itself from inside waits forever.
 * @throws ERR_STORAGE when the directory is in use or the database cannot open.
 */
export async function openPgliteStore(dataDir: string): Promise<Store> {
  await mkdir(dataDir, { recursive: true });
  const release = await acquireDirLock(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create({ dataDir: join(dataDir, 'pgdata'), startParams: START_PARAMS });
  } catch (error) {
    await release();
    throw storageError(error);
  }
  const mutex = createNamedMutex();
  // Every operation goes through one lane: PGlite would queue them itself, first come first served, so a
  // hook's insert waited behind the inbox worker's backlog and a chain of queries starved the event loop.
  const lane = createLane();
  const base = wrap(db);
  const maintenance = startMaintenance({
    exec: (sql) =>
      lane.run('normal', async () => {
        try {
          return (await db.exec(sql)).at(-1)?.rows ?? [];
        } catch (error) {
          throw storageError(error);
        }
      }),
    // The worker claims open events through partial indexes on status: an estimate taken while the inbox was
    // drained made it walk the whole backlog once per candidate event (see maintenance.ts).
    momentaryColumns: [{ table: 'gate_inbox', column: 'status' }],
  });
  return {
    kind: 'pglite',
    query: (sql, params, options) => lane.run(options?.priority ?? 'normal', () => base.query(sql, params)),
    transaction: (fn, options) =>
      lane.run(options?.priority ?? 'normal', () => db.transaction((tx) => fn(wrap(tx)))),
    withLock: (name, fn) => mutex.tryRun(name, fn),
    async migrate(migrations: readonly Migration[]) {
      await lane.run('normal', () =>
        db.transaction((tx) => applyMigrations(wrap(tx), migrations, 'migrate')),
      );
    },
    async close() {
      await maintenance.stop();
      // Queued behind what was asked before it, so those operations finish first.
      await lane.run('normal', () => db.close());
      await release();
    },
  };
}
