#!/usr/bin/env -S node --max-semi-space-size=4 --liftoff-only
// The `recovery-gate` command (`npx recovery-gate` from a clone, the package's bin once installed). It
// exists before any build, so `npm ci` links it; in a clone that has not been built yet it runs the
// TypeScript build once (`tsc -b`) before the first command. The shebang's small young generation and
// baseline-only WebAssembly tier (the embedded database) are the memory figures the README documents.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/src/cli/main.js', import.meta.url);

/** Builds the monorepo this package sits in; false when it is not a clone (an installed package). */
function buildClone() {
  const root = new URL('../../../', import.meta.url);
  if (
    !existsSync(new URL('tsconfig.json', root)) ||
    !existsSync(new URL('packages/gate/package.json', root))
  ) {
    return false;
  }
  let tsc;
  try {
    tsc = createRequire(new URL('package.json', root)).resolve('typescript/bin/tsc');
  } catch {
    return false;
  }
  process.stderr.write('recovery-gate: not built yet in this clone, building it once (tsc -b)...\n');
  const result = spawnSync(process.execPath, [tsc, '-b'], { cwd: fileURLToPath(root), stdio: 'inherit' });
  return result.status === 0;
}

if (!existsSync(built) && !buildClone()) {
  process.stderr.write(
    `error: ${fileURLToPath(built)} is missing: build the clone (npm ci && npx tsc -b) or reinstall the package\n`,
  );
  process.exit(1);
}
const { main } = await import(built.href);
await main(process.argv.slice(2));
