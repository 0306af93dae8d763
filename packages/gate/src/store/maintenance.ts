/**
 * Autovacuum for the embedded store. PGlite runs PostgreSQL in single-user mode, where no autovacuum
 * launcher exists: without this, tables that are updated (the inbox, the outbox, cases) keep every dead row
 * and the planner keeps the statistics of an empty table, so the worker's claim sorts the whole backlog
 * instead of walking its index. This applies autovacuum's own rule, table by table, with two changes for a
 * database that runs in the gate's own thread, where every statement blocks every hook until it ends:
 * a table is vacuumed once 1,000 rows are dead however large it is (a VACUUM's time grows with the dead
 * rows it removes: 2-3 ms for 1,000 on a 72,000-row inbox, 100 ms for 24,000), and VACUUM and ANALYZE are
 * separate statements, so hooks get the connection between them.
 * @module
 */

/** A column whose statistics describe only the moment they were sampled. */
export interface MomentaryColumn {
  readonly table: string;
  readonly column: string;
}

/** What maintenance needs from the store: one statement at a time, at background priority. */
export interface MaintenanceOptions {
  /** Runs one statement (simple protocol: VACUUM cannot run in a transaction block). */
  readonly exec: (sql: string) => Promise<Record<string, unknown>[]>;
  /** How often dead rows are checked. @default 2000 */
  readonly intervalMs?: number;
  /** A table is analyzed at most this often (its statistics change slowly; ANALYZE samples rows). @default 10000 */
  readonly analyzeIntervalMs?: number;
  /**
   * Columns whose statistics are removed after every ANALYZE, so the planner uses its defaults: a queue's
   * status sampled while the queue was drained says no row is open, and a claim planned on that during the
   * next backlog ran in time quadratic in the backlog (0.8 s for 1,900 open events). @default none
   */
  readonly momentaryColumns?: readonly MomentaryColumn[];
  /** The clock, for the analyze interval. @default Date.now */
  readonly now?: () => number;
}

/** The running maintenance. */
export interface Maintenance {
  /** Vacuums and analyzes the tables that need it now; returns what it did (`VACUUM t`, `ANALYZE t`). */
  runOnce(): Promise<string[]>;
  /** Stops the timer and waits for a running pass. */
  stop(): Promise<void>;
}

// autovacuum's defaults: vacuum past 50 + 20% dead rows (here at most 1,000), analyze past 50 + 10% changed
// rows.
const DUE = `
  SELECT format('%I.%I', schemaname, relname) AS name, relname AS table,
         n_dead_tup > least(50 + 0.2 * n_live_tup, 1000) AS vacuum,
         n_mod_since_analyze > 50 + 0.1 * n_live_tup AS analyze
    FROM pg_stat_user_tables
   WHERE n_dead_tup > least(50 + 0.2 * n_live_tup, 1000) OR n_mod_since_analyze > 50 + 0.1 * n_live_tup
   ORDER BY relname`;

const literal = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Removes the statistics of `columns` where they exist (none is an error: a table not created yet). */
function clearStatistics(columns: readonly MomentaryColumn[]): string {
  const pairs = columns.map((c) => `(${literal(c.table)}, ${literal(c.column)})`).join(', ');
  return `SELECT pg_clear_attribute_stats(schemaname, tablename, attname, inherited)
            FROM pg_stats WHERE (tablename, attname) IN (${pairs})`;
}

/** Starts maintenance: a check every `intervalMs` (the timer never keeps the process alive). */
export function startMaintenance(options: MaintenanceOptions): Maintenance {
  const now = options.now ?? Date.now;
  const analyzeEvery = options.analyzeIntervalMs ?? 10_000;
  const momentary = options.momentaryColumns ?? [];
  const momentaryTables = new Set(momentary.map((c) => c.table));
  const analyzedAt = new Map<string, number>();
  // Statistics kept from before (a store opened by an older gate) are removed once.
  let cleared = momentary.length === 0;
  let running: Promise<string[]> | undefined;
  const pass = async (): Promise<string[]> => {
    const done: string[] = [];
    if (!cleared) {
      await options.exec(clearStatistics(momentary));
      cleared = true;
    }
    // Counters reach the shared statistics at most once a second; take them as they are now.
    await options.exec('SELECT pg_stat_force_next_flush()');
    const rows = await options.exec(DUE);
    for (const row of rows) {
      const name = String(row.name);
      // One statement at a time, so other work gets the connection in between.
      if (row.vacuum === true) {
        await options.exec(`VACUUM ${name}`);
        done.push(`VACUUM ${name}`);
      }
      const last = analyzedAt.get(name);
      if (row.analyze === true && (last === undefined || now() - last >= analyzeEvery)) {
        await options.exec(`ANALYZE ${name}`);
        if (momentaryTables.has(String(row.table))) await options.exec(clearStatistics(momentary));
        analyzedAt.set(name, now());
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
  }, options.intervalMs ?? 2000);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
