/**
 * What the commands share: loading the configuration relative to the working directory, building the
 * providers (with the loopback seam the emulated Entra tenant needs), and opening the store.
 * @module
 */

import { dirname } from 'node:path';
import type { IdpKind, RecoveryProvider } from '@recovery-gate/core';
import { type Adapters, type GateConfig, loadAdapters, loadConfig } from '../config/index.js';
import { orchestratorMigrations } from '../orchestrator/index.js';
import { storeLocation } from '../service.js';
import { GATE_MIGRATIONS, openStore } from '../store/index.js';
import type { Store } from '../types.js';
import type { CliIo } from './io.js';
import { readConfigFile } from './serve.js';

/** The default configuration file name. */
export const DEFAULT_CONFIG = 'recovery-gate.yaml';

/**
 * Environment variable naming a loopback origin (`http://127.0.0.1:port`) that the Entra adapter's https
 * Graph and sign-in hosts are routed to: the emulated tenant of the demo and the tests. Never set it in
 * production.
 */
export const ENTRA_LOOPBACK_ENV = 'RECOVERY_GATE_ENTRA_LOOPBACK';

/** A loaded configuration and where it came from. */
export interface Loaded {
  readonly config: GateConfig;
  readonly file: string;
  readonly adapters: Adapters;
}

/**
 * Reads and validates the configuration file.
 * @throws GateError ERR_CONFIG_* or ERR_POLICY_* naming the path and the fix.
 */
export async function loadCliConfig(path: string | undefined, io: CliIo): Promise<Loaded> {
  const { text, file } = await readConfigFile(path ?? DEFAULT_CONFIG, io.cwd);
  const adapters = await loadAdapters();
  const config = await loadConfig(text, io.env, { adapters });
  return { config, file, adapters };
}

/**
 * The adapter options for `idp` under `env`: the loopback seam for Entra when {@link ENTRA_LOOPBACK_ENV} is set.
 * @throws Error when the variable is set to anything but a loopback origin.
 */
export async function providerOptions(idp: IdpKind, env: CliIo['env']): Promise<Record<string, unknown>> {
  const loopback = env[ENTRA_LOOPBACK_ENV];
  if (idp !== 'entra' || loopback === undefined || loopback === '') return {};
  if (!/^http:\/\/(127\.0\.0\.1|localhost):\d+$/.test(loopback)) {
    throw new Error(`${ENTRA_LOOPBACK_ENV} must be a loopback origin such as http://127.0.0.1:8443`);
  }
  // Demo wiring only: the loopback seam is test wiring, so it comes from the adapter's testing entry.
  const entra = (await import('@recovery-gate/entra/testing')) as {
    loopbackOptions: (origin: string) => Record<string, unknown>;
  };
  return entra.loopbackOptions(loopback);
}

/** Builds one provider per configured IdP, in the order okta, entra, keycloak. */
export async function cliProviders(loaded: Loaded, io: CliIo): Promise<Map<IdpKind, RecoveryProvider>> {
  const out = new Map<IdpKind, RecoveryProvider>();
  for (const idp of ['okta', 'entra', 'keycloak'] as const) {
    const section = loaded.config.providers[idp];
    const adapter = loaded.adapters[idp];
    if (section === undefined || adapter === undefined) continue;
    out.set(idp, await adapter.createProvider(section as never, await providerOptions(idp, io.env)));
  }
  return out;
}

/** Opens the store the configuration names (embedded or PostgreSQL) with its tables migrated. */
export async function openCliStore(loaded: Loaded, io: CliIo): Promise<Store> {
  const store = await openStore(storeLocation(loaded.config, io.env, dirname(loaded.file)));
  try {
    await store.migrate([...GATE_MIGRATIONS, ...orchestratorMigrations]);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
