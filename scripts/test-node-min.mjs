// Runs the scenario and CLI tests on the oldest Node the packages support (the `engines` floor, 22.12.0),
// installed from the npm registry's `node` package into .cache/ (npm scripts otherwise run on the Node 24 of
// the `node` devDependency, so the floor would never run). `npm test` runs it last.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The lowest version the root manifest's engines range allows (`>=22.12` -> `22.12.0`). */
export function engineFloor(range) {
  const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!m) throw new Error(`engines.node must be a plain ">=X.Y" range to test its floor, not "${range}"`);
  return `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}`;
}

/** The tests run on the floor: every CLI test (the built binary as a process) and the recovery scenarios. */
export const FLOOR_TESTS = ['test/cli', 'test/scenarios/recovery.test.ts'];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const version = engineFloor(manifest.engines.node);
  const prefix = path.join(root, '.cache', `node-${version}`);
  const node = path.join(prefix, 'node_modules', 'node', 'bin', 'node');
  const installed = existsSync(node) && spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (installed !== `v${version}`) {
    process.stdout.write(`test on the engines floor: installing Node ${version} from the npm registry\n`);
    const status = run('npm', [
      ...['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund'],
      `node@${version}`,
    ]);
    if (status !== 0 || !existsSync(node)) {
      process.stderr.write(
        `test on the engines floor: could not install node@${version} from the npm registry\n`,
      );
      process.exit(1);
    }
  }
  process.stdout.write(`test on the engines floor: ${FLOOR_TESTS.join(', ')} on Node ${version}\n`);
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  // PATH first names the floor's node, so anything the tests spawn as `node` runs on it too.
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` };
  process.exit(run(node, [vitest, 'run', '--project', 'scenarios', ...FLOOR_TESTS], { env }));
}
