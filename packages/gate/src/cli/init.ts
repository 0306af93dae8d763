/**
 * `recovery-gate init` and `recovery-gate validate`.
 * @module
 */

import { access, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GateError, type IdpKind } from '@recovery-gate/core';
import { DEFAULT_CONFIG, loadCliConfig } from './context.js';
import { type CliIo, EXIT } from './io.js';
import { STARTER_CONFIG } from './starter.js';

/** Options of `init`. */
export interface InitOptions {
  readonly config?: string;
  readonly force?: boolean;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a commented starter configuration that validates once its environment variables are set.
 * @throws GateError ERR_INPUT_INVALID when the file exists and `--force` is not given.
 */
export async function init(options: InitOptions, io: CliIo): Promise<number> {
  const file = resolve(io.cwd, options.config ?? DEFAULT_CONFIG);
  if (options.force !== true && (await exists(file))) {
    throw new GateError('ERR_INPUT_INVALID', `${file} already exists; pass --force to overwrite it`);
  }
  await writeFile(file, STARTER_CONFIG, 'utf8');
  io.stdout(
    `Wrote ${file}\n` +
      'Next: set OKTA_ORG_URL and OKTA_API_TOKEN (or edit the providers section), then run `recovery-gate validate`.\n',
  );
  return EXIT.ok;
}

/** Validates the configuration file (schema, policy rules, secret references); prints a summary. */
export async function validate(options: { readonly config?: string }, io: CliIo): Promise<number> {
  const { config, file } = await loadCliConfig(options.config, io);
  const idps = (Object.keys(config.providers) as IdpKind[]).filter((k) => config.providers[k] !== undefined);
  const tiers = Object.keys(config.tiers).length;
  io.stdout(`${file} is valid: ${tiers} tiers, providers: ${idps.join(', ')}\n`);
  return EXIT.ok;
}
