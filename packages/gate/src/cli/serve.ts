/**
 * `recovery-gate serve`: loads the configuration, starts the gate, and stops it cleanly on SIGTERM / SIGINT.
 * @module
 */

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { GateError } from '@recovery-gate/core';
import { type Adapters, loadAdapters, loadConfig } from '../config/index.js';
import { createLogger, type LogLevel } from '../log.js';
import { createGate } from '../service.js';
import { cliProviders, ENTRA_LOOPBACK_ENV } from './context.js';
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
  const adapters = seams.adapters ?? (await loadAdapters());
  const config = await loadConfig(text, io.env, { adapters });
  const logger = createLogger({ level: options.logLevel ?? 'info', write: io.stderr });
  // An emulated Entra tenant is reached through the loopback seam plan, apply and doctor use (tests, demo).
  const providers = io.env[ENTRA_LOOPBACK_ENV]
    ? await cliProviders({ config, file, adapters }, io)
    : undefined;
  const gate = createGate({
    config,
    adapters,
    ...(providers === undefined ? {} : { providers }),
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
