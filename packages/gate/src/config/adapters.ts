/**
 * The adapters the gate can load: each exports `configSchema` and `createProvider(config, options)`.
 * They are imported lazily, so a build without one still runs the others.
 * @module
 */

import type { Capabilities, IdpKind, RecoveryProvider } from '@recovery-gate/core';
import type * as z from 'zod';
import { type IdvModule, loadIdvModule } from '../idv/load.js';

/** What an adapter package exports. */
export interface AdapterModule {
  readonly configSchema: z.ZodType;
  /** What the IdP can do; a tier naming evidence an adapter does not declare is refused. */
  readonly capabilities?: Capabilities;
  createProvider(
    config: never,
    options?: Record<string, unknown>,
  ): RecoveryProvider | Promise<RecoveryProvider>;
}

/** The adapters available, by IdP, and the identity-verification package when installed. */
export type Adapters = Partial<Record<IdpKind, AdapterModule>> & { readonly idv?: IdvModule };

function isAdapter(mod: unknown): mod is AdapterModule {
  const m = mod as Partial<AdapterModule> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.createProvider === 'function' &&
    typeof m.configSchema === 'object'
  );
}

async function tryImport(specifier: string): Promise<AdapterModule | undefined> {
  try {
    const mod: unknown = await import(specifier);
    return isAdapter(mod) ? mod : undefined;
  } catch {
    return undefined;
  }
}

/** Imports the three adapter packages; an adapter that is missing or incomplete is left out. */
export async function loadAdapters(): Promise<Adapters> {
  const [okta, entra, keycloak, idv] = await Promise.all([
    tryImport('@recovery-gate/okta'),
    tryImport('@recovery-gate/entra'),
    tryImport('@recovery-gate/keycloak'),
    loadIdvModule(),
  ]);
  return {
    ...(idv === undefined ? {} : { idv }),
    ...(okta === undefined ? {} : { okta }),
    ...(entra === undefined ? {} : { entra }),
    ...(keycloak === undefined ? {} : { keycloak }),
  };
}
