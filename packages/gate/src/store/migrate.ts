/**
 * The migration runner shared by both backends: one transaction, serialised by an advisory lock.
 * @module
 */

import type { Migration, Queryable } from '../types.js';

/** Validates migration ids: unique and non-empty. */
export function sortMigrations(migrations: readonly Migration[]): Migration[] {
  const seen = new Set<string>();
  for (const m of migrations) {
    if (m.id.length === 0) throw new Error('A migration has an empty id.');
    if (seen.has(m.id)) throw new Error(`Two migrations share the id ${m.id}.`);
    seen.add(m.id);
  }
  return [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Applies the migrations not yet recorded, inside the caller's transaction. The advisory transaction lock
 * is taken before the bookkeeping table is created, so two replicas starting together apply each once.
 */
export async function applyMigrations(
  tx: Queryable,
  migrations: readonly Migration[],
  lockKey: string,
): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey]);
  await tx.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       id TEXT PRIMARY KEY,
       applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
     )`,
  );
  const rows = await tx.query<{ id: string }>('SELECT id FROM schema_migrations');
  const applied = new Set(rows.map((r) => r.id));
  for (const m of sortMigrations(migrations)) {
    if (applied.has(m.id)) continue;
    await runScript(tx, m.sql);
    await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
  }
}

/** Runs a multi-statement script one statement at a time (extended protocol takes one per call). */
async function runScript(tx: Queryable, sql: string): Promise<void> {
  for (const statement of splitStatements(sql)) await tx.query(statement);
}

/** Splits on semicolons outside quotes and dollar-quoted bodies. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === "'") {
      const end = sql.indexOf("'", i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      current += sql.slice(i, stop);
      i = stop;
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0];
      if (tag === undefined) {
        current += ch;
        i += 1;
        continue;
      }
      const end = sql.indexOf(tag, i + tag.length);
      const stop = end < 0 ? sql.length : end + tag.length;
      current += sql.slice(i, stop);
      i = stop;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (ch === ';') {
      if (current.trim().length > 0) out.push(current.trim());
      current = '';
      i += 1;
    } else {
      current += ch;
      i += 1;
    }
  }
  if (current.trim().length > 0) out.push(current.trim());
  return out;
}
