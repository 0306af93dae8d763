/**
 * The test command's own set-up (scripts/test-setup.mjs): it finds a Chromium, installs Debian's with apt-get
 * when none is found and it may, and otherwise ends at once with one line saying what to install. A fake
 * apt-get on a private PATH stands in for Debian's (the machine's own Chromium is never removed); the
 * PostgreSQL part runs against the machine's server.
 */

import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ensureChromium,
  ensurePostgres,
  findChromium,
  SetupError,
  testDatabaseUrl,
} from '../../scripts/test-setup.mjs';
import { ROOT } from './support.js';

const SCRIPT = join(ROOT, 'scripts', 'test-setup.mjs');
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** An empty directory to use as the whole PATH: no Chromium, no apt-get. */
async function emptyPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'setup-path-'));
  dirs.push(dir);
  return dir;
}

/** A PATH holding a fake apt-get that logs its arguments and, on install, puts a `chromium` beside itself. */
async function fakeApt(exitCode = 0): Promise<{ dir: string; calls: () => Promise<string[]> }> {
  const dir = await emptyPath();
  const log = join(dir, 'apt.log');
  const script = `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, args.join(' ') + '\\n');
if (${exitCode} !== 0) { process.stderr.write('E: Unable to locate package chromium\\n'); process.exit(${exitCode}); }
if (args[0] === 'install') fs.writeFileSync(${JSON.stringify(join(dir, 'chromium'))}, '#!/bin/sh\\n', { mode: 0o755 });
`;
  await writeFile(join(dir, 'apt-get'), script);
  await chmod(join(dir, 'apt-get'), 0o755);
  const calls = async () => (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
  return { dir, calls };
}

/** Runs the set-up script as `npm test` does, with only `env`. */
function runSetup(env: Record<string, string>) {
  return spawnSync(process.execPath, [SCRIPT], { env, encoding: 'utf8', timeout: 60_000 });
}

describe('finding Chromium', () => {
  it('takes CHROMIUM_PATH first, then the names on PATH', async () => {
    const { dir } = await fakeApt();
    await writeFile(join(dir, 'google-chrome'), '#!/bin/sh\n', { mode: 0o755 });
    expect(findChromium({ PATH: dir })).toBe(join(dir, 'google-chrome'));
    await writeFile(join(dir, 'chromium'), '#!/bin/sh\n', { mode: 0o755 });
    expect(findChromium({ PATH: dir })).toBe(join(dir, 'chromium'));
    expect(findChromium({ PATH: dir, CHROMIUM_PATH: join(dir, 'google-chrome') })).toBe(
      join(dir, 'google-chrome'),
    );
    expect(findChromium({ PATH: await emptyPath() })).toBeUndefined();
  });

  it('refuses a CHROMIUM_PATH that is not an executable, naming it', async () => {
    const dir = await emptyPath();
    expect(() => findChromium({ PATH: dir, CHROMIUM_PATH: join(dir, 'nope') })).toThrow(
      `CHROMIUM_PATH=${join(dir, 'nope')} is not an executable file`,
    );
  });
});

describe('installing Chromium when none is found', () => {
  it('runs apt-get update, then installs chromium and a font, and uses what it installed', async () => {
    const apt = await fakeApt();
    const lines: string[] = [];
    const found = ensureChromium({ env: { PATH: apt.dir }, isRoot: true, log: (l) => lines.push(l) });
    expect(found).toBe(join(apt.dir, 'chromium'));
    expect(await apt.calls()).toEqual([
      'update -qq',
      'install -y -qq --no-install-recommends chromium fonts-dejavu-core',
    ]);
    expect(lines).toEqual([expect.stringContaining('installing')]);
  });

  it('does not install when a Chromium is already there', async () => {
    const apt = await fakeApt();
    await writeFile(join(apt.dir, 'chromium-browser'), '#!/bin/sh\n', { mode: 0o755 });
    expect(ensureChromium({ env: { PATH: apt.dir }, isRoot: true })).toBe(join(apt.dir, 'chromium-browser'));
    expect(await apt.calls()).toEqual([]);
  });

  it('does not install as a user other than root, and says what to install', async () => {
    const apt = await fakeApt();
    expect(() => ensureChromium({ env: { PATH: apt.dir }, isRoot: false })).toThrow(
      /no Chromium found on PATH \(not root.*\): install Chromium or Chrome \(Debian: apt-get install chromium/,
    );
    expect(await apt.calls()).toEqual([]);
  });

  it("reports apt-get's own error when the install fails", async () => {
    const apt = await fakeApt(100);
    let error: unknown;
    try {
      ensureChromium({ env: { PATH: apt.dir }, isRoot: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SetupError);
    expect((error as Error).message).toMatch(
      /apt-get update -qq` failed \(E: Unable to locate package chromium\)/,
    );
    expect(await apt.calls()).toEqual(['update -qq']);
  });
});

describe('the set-up script as `npm test` runs it', () => {
  it('stops at once with one line and exit 1 when there is no Chromium and no apt-get', async () => {
    const run = runSetup({ PATH: await emptyPath() });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^test set-up: no Chromium found on PATH \(apt-get is not available\): install Chromium or Chrome .* or set CHROMIUM_PATH/,
    );
  });

  it('stops with one line when the PostgreSQL server is unreachable and cannot be started', async () => {
    const run = runSetup({
      PATH: await emptyPath(),
      CHROMIUM_PATH: process.execPath,
      TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test',
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^test set-up: PostgreSQL at 127\.0\.0\.1:1 is not reachable: install and start/),
    ]);
  });
});

describe("the tests' PostgreSQL database", () => {
  it('is created when the server is up and the database is missing', async () => {
    const name = `setup_${process.pid}_${Date.now()}`;
    const url = testDatabaseUrl({});
    url.pathname = `/${name}`;
    await ensurePostgres({ env: { TEST_DATABASE_URL: url.href } });
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const client = new pg.Client({ connectionString: admin.href });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      expect(rowCount).toBe(1);
    } finally {
      await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      await client.end();
    }
  });
});
