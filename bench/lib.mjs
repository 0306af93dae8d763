// Shared helpers of the benchmarks: statistics, machine facts, result output, throwaway stores, gate config.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

/** The PostgreSQL server the benches use (overridable with BENCH_DATABASE_URL). */
export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Parses `--quick`, `--stores=pglite,postgres` and `--key=value` flags. */
export function parseArgs(argv = process.argv.slice(2)) {
  const flags = { quick: false, stores: ['pglite', 'postgres'] };
  for (const arg of argv) {
    if (arg === '--quick') flags.quick = true;
    else if (arg.startsWith('--stores=')) flags.stores = arg.slice(9).split(',').filter(Boolean);
    else if (arg.startsWith('--')) {
      const [k, v = 'true'] = arg.slice(2).split('=');
      flags[k] = v;
    }
  }
  return flags;
}

/** The value at quantile q of an ascending-sorted array. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Median of numbers. */
export function median(values) {
  const s = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One-minute load average, rounded. */
export const load1 = () => Math.round(loadavg()[0] * 100) / 100;

/** Machine facts recorded with every result. */
export function machine() {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryMB: Math.round(totalmem() / 2 ** 20),
    freeMemoryMB: Math.round(freemem() / 2 ** 20),
    node: process.version,
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** Rounds to `d` decimals. */
export const round = (v, d = 2) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : v);

/** Prints the result object as the last stdout line (run.mjs reads it). */
export function emit(result) {
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify(result)}\n`);
}

/** Progress to stderr (keeps stdout for the result). */
export function note(message) {
  process.stderr.write(`  [${new Date().toISOString().slice(11, 19)} load ${load1()}] ${message}\n`);
}

const TEMPLATE = join(tmpdir(), 'recovery-gate-pglite-template-v1');

/**
 * Opens a throwaway store: a temp PGlite dir (copied from the test suite's initialised template when it
 * exists, to skip initdb) or a fresh PostgreSQL schema. `dispose` closes and removes it.
 */
export async function throwawayStore(kind, openStore) {
  if (kind === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'bench-store-'));
    if (await exists(join(TEMPLATE, 'pgdata', 'PG_VERSION'))) await cp(TEMPLATE, dir, { recursive: true });
    const store = await openStore({ dataDir: dir });
    return {
      store,
      async dispose() {
        await store.close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const store = await openStore({ databaseUrl: DATABASE_URL, schema, maxConnections: 8 });
  return {
    store,
    async dispose() {
      await store.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await store.close().catch(() => undefined);
    },
  };
}

async function exists(path) {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `check()` is truthy, polling every `everyMs`; returns false on timeout. */
export async function waitFor(check, timeoutMs, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return Boolean(await check());
}

/**
 * A gate configuration: the baseline policy, bypass mode, pollers, and a provider section for Okta (the
 * benches hand the gate ready-built providers from the adapter harnesses, so the section only satisfies the
 * schema).
 */
export async function gateConfig(
  gate,
  core,
  { bypass = 'enforce', interval = '1h', tick = '1h', lookback = '1h', oktaUrl = 'http://127.0.0.1:9' } = {},
) {
  const { stringify } = await import('yaml');
  const policy = structuredClone(core.baselinePolicyInput);
  policy.bypass = { ...(policy.bypass ?? {}), mode: bypass };
  const text = `${stringify(policy)}
providers:
  okta:
    orgUrl: ${oktaUrl}
    auth: { token: \${OKTA_API_TOKEN} }
pollers: { interval: ${interval}, tick: ${tick}, lookback: ${lookback} }
`;
  return gate.loadConfig(text, { OKTA_API_TOKEN: 'bench-token-not-used-0123456789' });
}

/** A logger that drops everything but errors (to stderr, counted). */
export function quietLogger(gate) {
  let errors = 0;
  const logger = gate.createLogger({
    level: 'error',
    write: (line) => {
      errors += 1;
      if (errors <= 5) process.stderr.write(`  gate error: ${String(line).slice(0, 300)}\n`);
    },
  });
  return { logger, errors: () => errors };
}

/**
 * The Node flags the product's `recovery-gate` command runs with (from its shebang), so a bench's gate
 * process measures what users run: e.g. `--max-semi-space-size=4`, which caps V8's young generation.
 */
export function productNodeFlags() {
  const main = new URL('../packages/gate/dist/src/cli/main.js', import.meta.url);
  const first = readFileSync(main, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env\s+(?:-S\s+)?node((?:\s+--\S+)*)\s*$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

/**
 * A V8 CPU profile of this process from now until `stop(file)` (--profile=DIR in the benches), taken through
 * the inspector so it covers only the measured window. Read it with any .cpuprofile viewer.
 */
export async function startProfile() {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      note(`cpu profile: ${file}`);
    },
  };
}
