/**
 * The store at scale: a PostgreSQL server through a connection pool, shared by several gate replicas.
 * @module
 */

import pg from 'pg';
import type { Migration, Queryable, Store } from '../types.js';
import { storageError } from './errors.js';
import { applyMigrations } from './migrate.js';

/** Options for {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  readonly databaseUrl: string;
  /** A schema to create and use (search_path); isolates test runs and tenants. Default: the server's. */
  readonly schema?: string;
  /** Pool size. @default 10 */
  readonly maxConnections?: number;
}

const INT8_OID = 20;

/** Counts fit in a JS number; parse int8 as a number, as PGlite does, so both backends agree. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) {
      try {
        const result = await client.query<Row>(sql, params === undefined ? [] : [...params]);
        return result.rows;
      } catch (error) {
        throw storageError(error);
      }
    },
  };
}

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`Invalid schema name: ${name}`);
  return `"${name}"`;
}

/**
 * Opens a pooled store on a PostgreSQL server; with `schema`, creates it and confines every connection to it.
 * @throws ERR_STORAGE when the server cannot be reached.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const { schema } = options;
  if (schema !== undefined) {
    const admin = new pg.Client({ connectionString: options.databaseUrl });
    try {
      await admin.connect();
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    } catch (error) {
      // Two replicas creating the schema at once: the loser sees a duplicate, which is fine.
      const code = (error as { code?: unknown }).code;
      if (code !== '23505' && code !== '42P06') throw storageError(error);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.maxConnections ?? 10,
    types,
    // Which replica a session belongs to, for `pg_stat_activity` and `pg_locks` (who polls, who holds a case).
    application_name: `recovery-gate:${process.pid}`,
    ...(schema === undefined ? {} : { options: `-c search_path=${quoteIdent(schema)}` }),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const lockSpace = schema ?? 'public';
  const base = wrap(pool);
  const store: Store = {
    kind: 'postgres',
    query: base.query,
    transaction: (fn) => inTransaction(pool, fn),
    async withLock(name, fn) {
      const client = await connect(pool);
      const key = `${lockSpace}:${name}`;
      try {
        const [row] = await wrap(client).query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
          [key],
        );
        if (row?.ok !== true) return { ran: false };
        try {
          return { ran: true, value: await fn() };
        } finally {
          await client
            .query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key])
            .catch(() => undefined);
        }
      } finally {
        client.release();
      }
    },
    async migrate(migrations: readonly Migration[]) {
      await inTransaction(pool, (tx) => applyMigrations(tx, migrations, `${lockSpace}:migrate`));
    },
    async close() {
      await pool.end();
    },
  };
  await store.query('SELECT 1');
  return store;
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw storageError(error);
  }
}

async function inTransaction<T>(pool: pg.Pool, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const client = await connect(pool);
  let broken: Error | undefined;
  try {
    await wrap(client).query('BEGIN');
    const value = await fn(wrap(client));
    await wrap(client).query('COMMIT');
    return value;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Drops a schema and everything in it (test cleanup). */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await admin.end();
  }
}
