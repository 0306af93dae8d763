/**
 * Autovacuum for the embedded store. PGlite runs PostgreSQL in single-user mode, where no autovacuum
 * launcher exists: without this, tables that are updated (the inbox, the outbox, cases) keep every dead row
 * and the planner keeps the statistics of an empty table, so the worker's claim sorts the whole backlog
 * instead of walking its index. This applies autovacuum's own rule, table by table.
 * @module
 */

/** What maintenance needs from the store: one statement at a time, at background priority. */
export interface MaintenanceOptions {
  /** Runs one statement (simple protocol: VACUUM cannot run in a transaction block). */
  readonly exec: (sql: string) => Promise<Record<string, unknown>[]>;
  /** How often the statistics are checked. @default 10000 */
  readonly intervalMs?: number;
}

/** The running maintenance. */
export interface Maintenance {
  /** Vacuums and analyzes the tables that need it now; returns what it did (`VACUUM t`, `ANALYZE t`). */
  runOnce(): Promise<string[]>;
  /** Stops the timer and waits for a running pass. */
  stop(): Promise<void>;
}

// autovacuum's defaults: vacuum past 50 + 20% dead rows, analyze past 50 + 10% changed rows.
const DUE = `
  SELECT format('%I.%I', schemaname, relname) AS name,
         n_dead_tup > 50 + 0.2 * n_live_tup AS vacuum,
         n_mod_since_analyze > 50 + 0.1 * n_live_tup AS analyze
    FROM pg_stat_user_tables
   WHERE n_dead_tup > 50 + 0.2 * n_live_tup OR n_mod_since_analyze > 50 + 0.1 * n_live_tup
   ORDER BY relname`;

/** Starts maintenance: a check every `intervalMs` (the timer never keeps the process alive). */
export function startMaintenance(options: MaintenanceOptions): Maintenance {
  let running: Promise<string[]> | undefined;
  const pass = async (): Promise<string[]> => {
    const done: string[] = [];
    // Counters reach the shared statistics at most once a second; take them as they are now.
    await options.exec('SELECT pg_stat_force_next_flush()');
    const rows = await options.exec(DUE);
    for (const row of rows) {
      const name = String(row.name);
      // One statement per table, so other work gets the connection in between.
      if (row.vacuum === true) {
        await options.exec(`VACUUM (ANALYZE) ${name}`);
        done.push(`VACUUM ${name}`, `ANALYZE ${name}`);
      } else if (row.analyze === true) {
        await options.exec(`ANALYZE ${name}`);
        done.push(`ANALYZE ${name}`);
      }
    }
    return done;
  };
  const runOnce = (): Promise<string[]> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    // A failed pass (the store closing, a statement refused) is retried at the next tick.
    runOnce().catch(() => undefined);
  }, options.intervalMs ?? 10_000);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
