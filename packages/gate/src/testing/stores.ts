/**
 * Test helpers: open a throwaway store on either backend (a temp PGlite dir, or a fresh PostgreSQL schema).
 * @module
 */

import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema, openStore } from '../store/index.js';
import type { Store } from '../types.js';

/** The PostgreSQL server the tests use (overridable with TEST_DATABASE_URL). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A store backend under test. */
export type Backend = 'pglite' | 'postgres';

/** Both backends, for `describe.each`. */
export const BACKENDS: readonly Backend[] = ['pglite', 'postgres'];

/** A throwaway place to open stores in; `cleanup` removes it. */
export interface TestLocation {
  /** The data directory (embedded backend only). */
  readonly dir?: string;
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

let template: Promise<string> | undefined;

/**
 * An initialised, empty embedded data directory (initdb is the slow part), shared by test processes through
 * a fixed temp path: built aside, then renamed into place, so concurrent builders never see half of one.
 */
function embeddedTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = join(tmpdir(), 'recovery-gate-pglite-template-v1');
    if (await exists(join(dir, 'pgdata', 'PG_VERSION'))) return dir;
    const building = await mkdtemp(join(tmpdir(), 'gate-template-'));
    const store = await openStore({ dataDir: building });
    await store.close();
    try {
      await rename(building, dir);
    } catch {
      await rm(building, { recursive: true, force: true });
    }
    return dir;
  })();
  return template;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Builds the shared template ahead (call from a `beforeAll` with a long timeout). */
export async function prepareEmbeddedTemplate(): Promise<void> {
  await embeddedTemplate();
}

/** Fills `dataDir` with an empty initialised embedded database, so a gate opening it skips initdb. */
export async function seedEmbeddedDir(dataDir: string): Promise<void> {
  await cp(await embeddedTemplate(), dataDir, { recursive: true });
}

/** Creates a fresh temp dir (a copy of an empty database) or a fresh schema; `open` again simulates a restart. */
export async function testLocation(backend: Backend): Promise<TestLocation> {
  if (backend === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'gate-store-'));
    await seedEmbeddedDir(dir);
    return {
      dir,
      open: () => openStore({ dataDir: dir }),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    open: () => openStore({ databaseUrl: TEST_DATABASE_URL, schema, maxConnections: 4 }),
    cleanup: () => dropSchema(TEST_DATABASE_URL, schema),
  };
}
