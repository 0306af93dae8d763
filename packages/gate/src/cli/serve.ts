/**
 * `recovery-gate serve`: loads the configuration, starts the gate, and stops it cleanly on SIGTERM / SIGINT.
 * @module
 */

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { GateError } from '@recovery-gate/core';
import { type Adapters, loadConfig } from '../config/index.js';
import { createLogger, type LogLevel } from '../log.js';
import { createGate } from '../service.js';
import { type CliIo, EXIT } from './io.js';

/** Options of `serve`. */
export interface ServeOptions {
  /** @default 'recovery-gate.yaml' */
  readonly config?: string;
  readonly port?: number;
  readonly logLevel?: LogLevel;
}

/**
 * Reads a configuration file relative to `cwd`.
 * @throws GateError ERR_CONFIG_INVALID when it cannot be read.
 */
export async function readConfigFile(path: string, cwd: string): Promise<{ text: string; file: string }> {
  const file = resolve(cwd, path);
  try {
    return { text: await readFile(file, 'utf8'), file };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new GateError(
      'ERR_CONFIG_INVALID',
      `cannot read ${file} (${reason}); pass --config <file> or run \`recovery-gate init\``,
    );
  }
}

/** Runs the gate until the process is asked to stop; returns the exit code. */
export async function serve(
  options: ServeOptions,
  io: CliIo,
  seams: { readonly adapters?: Adapters } = {},
): Promise<number> {
  const { text, file } = await readConfigFile(options.config ?? 'recovery-gate.yaml', io.cwd);
  const config = await loadConfig(text, io.env, seams);
  const logger = createLogger({ level: options.logLevel ?? 'info', write: io.stderr });
  const gate = createGate({
    config,
    ...seams,
    env: io.env,
    logger,
    baseDir: dirname(file),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  const stopped = io.untilStopped();
  await gate.start();
  io.stdout(`Recovery Gate listening on ${gate.url} (public URL ${gate.baseUrl})\n`);
  const signal = await stopped;
  logger.info('stopping', { signal });
  await gate.stop();
  return EXIT.ok;
}
