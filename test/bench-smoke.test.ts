/**
 * Smoke test of the benchmark scripts: the decision bench in quick mode runs on the built packages and
 * reports a result object with throughput, latency and targets (the figures themselves are not asserted).
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

interface BenchResult {
  readonly id: string;
  readonly figures: { readonly perSecond: number; readonly perCpuSecond: number; readonly p99Ms: number };
  readonly targets: readonly { readonly name: string; readonly pass: boolean | null }[];
}

describe('bench smoke', () => {
  it('bench/decide.mjs --quick reports decisions per second, p99 and targets', async () => {
    const { stdout } = await run(
      process.execPath,
      [resolve(root, 'bench/decide.mjs'), '--quick', '--runs=1'],
      {
        cwd: root,
        timeout: 60_000,
      },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    expect(line).toBeDefined();
    const result = JSON.parse(String(line).slice('BENCH_RESULT '.length)) as BenchResult;
    expect(result.id).toBe('decide');
    expect(result.figures.perSecond).toBeGreaterThan(0);
    expect(result.figures.perCpuSecond).toBeGreaterThan(0);
    expect(result.figures.p99Ms).toBeGreaterThan(0);
    expect(result.targets.length).toBeGreaterThan(0);
  }, 90_000);
});
