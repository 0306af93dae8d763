// The test command's own set-up (`npm test` runs it first; `.ci/run` does nothing else): a Chromium for the
// browser tests (found, or Debian's installed when this process may), and the PostgreSQL server the storage
// tests use (started when installed but down, and its `test` database created). Anything it cannot do ends
// the run at once with one line that says what to install.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Executable names looked up on PATH, in order: Debian's and Ubuntu's Chromium, then Google Chrome. */
export const CHROMIUM_NAMES = [
  'chromium',
  'chromium-browser',
  'google-chrome-stable',
  'google-chrome',
  'chrome',
];

/** Browsers outside PATH (macOS app bundles). */
const CHROMIUM_BUNDLES = [
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** What to install, in the one line a run that cannot find or install a browser ends with. */
export const CHROMIUM_HINT =
  'install Chromium or Chrome (Debian: apt-get install chromium fonts-dejavu-core, as root) or set CHROMIUM_PATH to its executable';

/** A set-up step that cannot be done: its message is the one line the run ends with. */
export class SetupError extends Error {}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on `envPath`, or undefined. */
export function which(name, envPath = '') {
  for (const dir of envPath.split(path.delimiter)) {
    if (dir && executable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/**
 * The Chromium the browser tests launch: `CHROMIUM_PATH` when set (it must be executable), else the first
 * of {@link CHROMIUM_NAMES} on PATH, else a macOS app bundle; undefined when there is none.
 */
export function findChromium(env = process.env) {
  if (env.CHROMIUM_PATH) {
    if (!executable(env.CHROMIUM_PATH)) {
      throw new SetupError(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file: ${CHROMIUM_HINT}`);
    }
    return env.CHROMIUM_PATH;
  }
  for (const name of CHROMIUM_NAMES) {
    const found = which(name, env.PATH);
    if (found) return found;
  }
  return CHROMIUM_BUNDLES.find(executable);
}

function run(command, args, env) {
  const result = spawnSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status === 0) return;
  const tail = `${result.stderr ?? ''}${result.error?.message ?? ''}`
    .trim()
    .split('\n')
    .slice(-3)
    .join(' / ');
  throw new SetupError(
    `\`${command} ${args.join(' ')}\` failed (${tail || `exit ${result.status}`}): ${CHROMIUM_HINT}`,
  );
}

/**
 * Finds a Chromium, or installs Debian's `chromium` (and a font) with apt-get when none is found and this
 * process may (root, apt-get on PATH); returns its path.
 * @throws SetupError with the one line to print when there is none and it may not install one.
 */
export function ensureChromium({
  env = process.env,
  isRoot = process.getuid?.() === 0,
  log = () => {},
} = {}) {
  const found = findChromium(env);
  if (found) return found;
  const aptGet = which('apt-get', env.PATH);
  if (!isRoot || !aptGet) {
    const why = isRoot ? 'apt-get is not available' : 'not root, so it cannot be installed here';
    throw new SetupError(`no Chromium found on PATH (${why}): ${CHROMIUM_HINT}`);
  }
  log("no Chromium found: installing Debian's chromium and fonts-dejavu-core with apt-get");
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  run(aptGet, ['update', '-qq'], aptEnv);
  run(aptGet, ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'], aptEnv);
  const installed = findChromium(env);
  if (!installed) throw new SetupError(`apt-get installed chromium but it is not on PATH: ${CHROMIUM_HINT}`);
  return installed;
}

/** Resolves when `host:port` accepts a TCP connection within `timeoutMs`, else rejects. */
function reachable(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** The server the tests use: TEST_DATABASE_URL, as the gate's test helpers read it. */
export function testDatabaseUrl(env = process.env) {
  return new URL(env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
}

/** Starts the local cluster with Debian's pg_ctlcluster, as .ci/run did; false when it cannot. */
function startLocalCluster(env) {
  const ctl = which('pg_ctlcluster', env.PATH);
  if (!ctl) return false;
  let versions = [];
  try {
    versions = readdirSync('/etc/postgresql').sort((a, b) => Number(b) - Number(a));
  } catch {
    return false;
  }
  for (const version of versions) {
    const result = spawnSync(ctl, ['--skip-systemctl-redirect', version, 'main', 'start'], {
      stdio: 'ignore',
    });
    if (result.status === 0) return true;
  }
  return false;
}

/**
 * Makes sure the PostgreSQL server the tests use is up (starting a local one that is installed but down)
 * and has the tests' database.
 * @throws SetupError with the one line to print when it is not reachable.
 */
export async function ensurePostgres({ env = process.env, log = () => {} } = {}) {
  const url = testDatabaseUrl(env);
  const host = url.hostname;
  const port = Number(url.port || 5432);
  const where = `PostgreSQL at ${host}:${port}`;
  if (!(await reachable(host, port, 2000))) {
    const local = host === '127.0.0.1' || host === 'localhost';
    if (!local || !startLocalCluster(env)) {
      throw new SetupError(
        `${where} is not reachable: install and start PostgreSQL (Debian: apt-get install postgresql, trust auth for 127.0.0.1) or set TEST_DATABASE_URL`,
      );
    }
    log(`started the local ${where}`);
    // pg_ctlcluster returns once the server accepts connections; allow a slow machine some slack.
    const deadline = Date.now() + 30_000;
    while (!(await reachable(host, port, 2000))) {
      if (Date.now() > deadline) throw new SetupError(`${where} was started but does not accept connections`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await ensureDatabase(url, where);
}

async function ensureDatabase(url, where) {
  const { default: pg } = await import('pg');
  const name = decodeURIComponent(url.pathname.slice(1)) || 'postgres';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.href });
  try {
    await client.connect();
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } catch (error) {
    throw new SetupError(
      `${where} refuses the tests' connection as ${url.username || 'the current user'} (${error.message}): allow it (trust auth for 127.0.0.1 in pg_hba.conf) or set TEST_DATABASE_URL`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

async function main() {
  const log = (line) => process.stderr.write(`test set-up: ${line}\n`);
  try {
    const chromium = ensureChromium({ log });
    await ensurePostgres({ log });
    log(`Chromium ${chromium}; PostgreSQL ${testDatabaseUrl().host}`);
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    process.stderr.write(`test set-up: ${error.message}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
