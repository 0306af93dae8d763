/**
 * The embedded store: PGlite (PostgreSQL in WebAssembly) in a data directory, one process.
 * @module
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Migration, Queryable, Store } from '../types.js';
import { storageError } from './errors.js';
import { acquireDirLock } from './lockfile.js';
import { applyMigrations } from './migrate.js';
import { createNamedMutex } from './mutex.js';

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
    db = await PGlite.create(join(dataDir, 'pgdata'));
  } catch (error) {
    await release();
    throw storageError(error);
  }
  const mutex = createNamedMutex();
  const base = wrap(db);
  return {
    kind: 'pglite',
    query: base.query,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    withLock: (name, fn) => mutex.tryRun(name, fn),
    async migrate(migrations: readonly Migration[]) {
      await db.transaction((tx) => applyMigrations(wrap(tx), migrations, 'migrate'));
    },
    async close() {
      await db.close();
      await release();
    },
  };
}
