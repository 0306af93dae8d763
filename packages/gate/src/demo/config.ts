/**
 * The demo's gate configurations are built in code (the policy is already parsed); every other section
 * takes the schema's defaults, so a section added to the schema needs no change here.
 * @module
 */

import { type GateConfig, gateConfigSchema, loadAdapters } from '../config/index.js';

interface Parser {
  safeParse(value: unknown): { readonly success: boolean; readonly data?: unknown };
}

/** `config` with each missing top-level section filled by the schema's default for it. */
export async function withSchemaDefaults(config: Readonly<Record<string, unknown>>): Promise<GateConfig> {
  const schema = gateConfigSchema(await loadAdapters()) as unknown as { shape?: Record<string, Parser> };
  const out: Record<string, unknown> = { ...config };
  for (const [key, field] of Object.entries(schema.shape ?? {})) {
    if (out[key] !== undefined) continue;
    const parsed = field.safeParse(undefined);
    if (parsed.success && parsed.data !== undefined) out[key] = parsed.data;
  }
  return out as GateConfig;
}
