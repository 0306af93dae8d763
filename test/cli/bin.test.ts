/**
 * The `recovery-gate` command from a clone: the package's bin is a committed file (npm links a bin only when
 * its target exists at install time, which `dist/` does not after `npm ci`), runs the built CLI with the
 * documented V8 flag, and builds a clone that has not been built yet on first use.
 */

import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './support.js';

const GATE = join(ROOT, 'packages', 'gate');
const BIN = join(GATE, 'bin', 'recovery-gate.js');
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Runs an executable file through its shebang, with this test's node first on PATH. */
function exec(file: string, args: readonly string[], cwd = ROOT) {
  const PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;
  return spawnSync(file, args, { cwd, env: { PATH }, encoding: 'utf8', timeout: 60_000 });
}

describe('the recovery-gate bin', () => {
  it('is a file outside the ignored dist, so npm ci links it before any build', async () => {
    const pkg = JSON.parse(await readFile(join(GATE, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ 'recovery-gate': './bin/recovery-gate.js' });
    expect(pkg.files).toContain('bin');
    // It exists in a fresh clone: not under an ignored path (dist/ is ignored).
    const ignored = spawnSync('git', ['check-ignore', '-q', 'packages/gate/bin/recovery-gate.js'], {
      cwd: ROOT,
    });
    expect(ignored.status).toBe(1);
    const ignoredDist = spawnSync('git', ['check-ignore', '-q', 'packages/gate/dist/src/cli/main.js'], {
      cwd: ROOT,
    });
    expect(ignoredDist.status).toBe(0);
  });

  it('runs Node with the small young generation and the baseline-only WebAssembly tier the README documents', async () => {
    const [shebang] = (await readFile(BIN, 'utf8')).split('\n');
    expect(shebang).toBe('#!/usr/bin/env -S node --max-semi-space-size=4 --liftoff-only');
  });

  it('answers --help as the CLI', () => {
    const run = exec(BIN, ['--help']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: recovery-gate <command> \[options\]/);
    expect(run.stdout).toContain('doctor [--json]');
  });

  it('passes the exit code through', () => {
    const run = exec(BIN, ['no-such-command']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/no-such-command/);
  });
});

describe('a clone that has not been built yet', () => {
  /** A clone's layout with the bin, and a stand-in for tsc that writes a CLI printing its arguments. */
  async function clone(): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'bin-clone-'));
    dirs.push(root);
    await mkdir(join(root, 'packages', 'gate', 'bin'), { recursive: true });
    await cp(BIN, join(root, 'packages', 'gate', 'bin', 'recovery-gate.js'));
    await writeFile(join(root, 'package.json'), '{"private":true,"workspaces":["packages/gate"]}');
    await writeFile(join(root, 'packages', 'gate', 'package.json'), '{"type":"module"}');
    await writeFile(join(root, 'tsconfig.json'), '{}');
    const tsc = join(root, 'node_modules', 'typescript', 'bin');
    await mkdir(tsc, { recursive: true });
    await writeFile(join(root, 'node_modules', 'typescript', 'package.json'), '{"name":"typescript"}');
    await writeFile(
      join(tsc, 'tsc'),
      `const fs = require('node:fs');
fs.appendFileSync('builds.log', process.argv.slice(2).join(' ') + '\\n');
fs.mkdirSync('packages/gate/dist/src/cli', { recursive: true });
fs.writeFileSync('packages/gate/dist/src/cli/main.js',
  "export async function main(args) { process.stdout.write('ran ' + args.join(' ') + '\\\\n'); }");
`,
    );
    return root;
  }

  it('builds once (tsc -b at the root), then runs the command', async () => {
    const root = await clone();
    const bin = join(root, 'packages', 'gate', 'bin', 'recovery-gate.js');
    const first = exec(bin, ['--help'], tmpdir());
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('not built yet in this clone, building it once (tsc -b)');
    expect(first.stdout).toBe('ran --help\n');
    const second = exec(bin, ['plan', '--json'], tmpdir());
    expect(second.stderr).toBe('');
    expect(second.stdout).toBe('ran plan --json\n');
    expect(await readFile(join(root, 'builds.log'), 'utf8')).toBe('-b\n');
  });

  it('outside a clone, a missing build is one line and exit 1', async () => {
    const root = await clone();
    await rm(join(root, 'tsconfig.json'));
    const run = exec(join(root, 'packages', 'gate', 'bin', 'recovery-gate.js'), ['--help'], tmpdir());
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^error: .*main\.js is missing: build the clone \(npm ci && npx tsc -b\)/),
    ]);
  });
});
