// Runs the benchmarks, each in its own Node process, prints a table and writes bench/results.json
// (bench/results.quick.json with --quick, which is not committed).
// Usage: node bench/run.mjs [--quick] [--only=decide,intake,...] [--stores=pglite,postgres] [--no-write]
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load1, machine, parseArgs } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** Every bench, in run order. */
const BENCHES = ['decide', 'intake', 'e2e', 'bypass', 'catchup', 'guardrails', 'replicas'];

function runBench(name, args, flags) {
  return new Promise((resolve) => {
    const started = Date.now();
    const before = load1();
    const child = spawn(process.execPath, ['--expose-gc', join(here, `${name}.mjs`), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      // Each entry carries its own time and machine: a subset run replaces only its entries, so the others
      // keep the facts of the run that measured them.
      const base = {
        id: name,
        startedAt: new Date(started).toISOString(),
        generatedAt: new Date().toISOString(),
        mode: flags.quick ? 'quick' : 'full',
        args,
        machine: machine(),
        seconds: Math.round((Date.now() - started) / 100) / 10,
        load1Before: before,
        load1After: load1(),
      };
      if (code === 0 && line) resolve({ ...JSON.parse(line.slice(13)), ...base });
      else resolve({ ...base, error: `exit ${code}; ${out.slice(-500)}` });
    });
  });
}

function fmt(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : String(v);
  if (typeof v === 'boolean') return v ? 'PASS' : 'FAIL';
  return String(v);
}

function table(results) {
  const rows = [['bench', 'measure', 'value', 'target', 'result']];
  for (const r of results) {
    if (r.error) {
      rows.push([r.id, 'ERROR', r.error.split('\n')[0].slice(0, 60), '', 'FAIL']);
      continue;
    }
    for (const t of r.targets ?? [])
      rows.push([r.id, t.name, fmt(t.value), fmt(t.target), t.pass === null ? 'n/a' : fmt(t.pass)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  return rows.map((row) => row.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n');
}

async function main() {
  const flags = parseArgs();
  const only = typeof flags.only === 'string' ? flags.only.split(',') : BENCHES;
  const pass = process.argv.slice(2).filter((a) => !a.startsWith('--only=') && a !== '--no-write');
  const results = [];
  for (const name of BENCHES.filter((b) => only.includes(b))) {
    process.stderr.write(`\n== ${name} ==\n`);
    const result = await runBench(name, pass, flags);
    results.push(result);
    process.stderr.write(
      `   done in ${result.seconds}s${result.error ? ` (ERROR ${result.error.slice(0, 200)})` : ''}\n`,
    );
  }
  process.stdout.write(`\n${table(results)}\n`);
  if (!process.argv.includes('--no-write')) {
    // A quick (smoke) run never replaces the committed figures: it writes its own, ignored file.
    const file = join(here, flags.quick ? 'results.quick.json' : 'results.json');
    // Only the entries run now are replaced; every other entry, with its own time and machine, stays as it was.
    let previous = { results: [] };
    try {
      previous = JSON.parse(await readFile(file, 'utf8'));
    } catch {}
    const merged = {
      note: 'Each entry records when it was measured (startedAt, generatedAt), how (mode, args) and on what machine (machine, load1Before, load1After).',
      results: BENCHES.map(
        (b) => results.find((r) => r.id === b) ?? previous.results?.find((r) => r.id === b),
      ).filter(Boolean),
    };
    await writeFile(file, `${JSON.stringify(merged, null, 2)}\n`);
    process.stdout.write(`wrote ${file}\n`);
  }
  if (results.some((r) => r.error)) process.exitCode = 1;
}

await main();
