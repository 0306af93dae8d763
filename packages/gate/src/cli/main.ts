#!/usr/bin/env -S node --max-semi-space-size=4 --liftoff-only
/**
 * The `recovery-gate` command.
 * @module
 */

// First, so it runs before any dependency loads (see quiet.ts).
import './quiet.js';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { processIo } from './io.js';
import { runCli } from './run.js';

export { type CliIo, EXIT, exitCodeFor, formatError, UsageError } from './io.js';
export { runCli, USAGE } from './run.js';
export { readConfigFile, serve } from './serve.js';

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Runs the command with `args` on the process's stdio, and ends the process with its exit code. */
export async function main(args: readonly string[]): Promise<void> {
  const code = await runCli(args, processIo());
  process.exitCode = code;
  // Everything is closed by now; if a stray handle lingers, do not hang a stopping service.
  setTimeout(() => process.exit(code), 3000).unref();
}

if (invokedDirectly()) await main(process.argv.slice(2));
