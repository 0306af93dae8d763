/**
 * Storage: `openStore` picks the embedded store or PostgreSQL; the gate's own migrations.
 * @module
 */

import type { Store } from '../types.js';
import { openPgliteStore } from './pglite.js';
import { openPostgresStore } from './postgres.js';

export { hasSqlState, storageError, UNIQUE_VIOLATION } from './errors.js';
export { GATE_MIGRATIONS } from './migrations.js';
export { dropSchema } from './postgres.js';

/** Where the store lives: an embedded data directory, or a PostgreSQL server. */
export type StoreLocation =
  | { readonly dataDir: string }
  | { readonly databaseUrl: string; readonly schema?: string; readonly maxConnections?: number };

/**
 * Opens the store: PGlite in `dataDir`, or PostgreSQL at `databaseUrl`. Run `migrate` before use.
 * @throws ERR_STORAGE when it cannot open.
 */
export function openStore(location: StoreLocation): Promise<Store> {
  return 'dataDir' in location ? openPgliteStore(location.dataDir) : openPostgresStore(location);
}
