/**
 * The identity-verification package, imported lazily (like the adapters) so a build or install without
 * it still runs: without it, no provider is built and a config naming one is refused by `validate`.
 * @module
 */

import type { IdvProvider } from '@recovery-gate/core';
import type * as z from 'zod';

/** What `@recovery-gate/idv` exports that the gate uses. */
export interface IdvModule {
  readonly identityVerificationSchema: z.ZodType;
  createIdvProvider(name: string, config: never, options?: Record<string, unknown>): IdvProvider;
}

const IDV_PACKAGE = '@recovery-gate/idv';

function isIdvModule(mod: unknown): mod is IdvModule {
  const m = mod as Partial<IdvModule> | null;
  return typeof m?.createIdvProvider === 'function' && typeof m.identityVerificationSchema === 'object';
}

/** Imports `@recovery-gate/idv`, or undefined when it is not installed. */
export async function loadIdvModule(): Promise<IdvModule | undefined> {
  try {
    const mod: unknown = await import(IDV_PACKAGE);
    return isIdvModule(mod) ? mod : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the configured providers by name. */
export function buildIdvProviders(
  mod: IdvModule,
  section: { readonly providers: Readonly<Record<string, unknown>> } | undefined,
): Map<string, IdvProvider> {
  const out = new Map<string, IdvProvider>();
  for (const [name, config] of Object.entries(section?.providers ?? {})) {
    out.set(name, mod.createIdvProvider(name, config as never));
  }
  return out;
}
