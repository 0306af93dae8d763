/**
 * A whole gate for tests, as `recovery-gate serve` would build it: the baseline policy plus the given
 * YAML (providers and any other section), an embedded store in a fresh directory, background loops slowed
 * to an hour so the test drives them, the logger quiet.
 * @module
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselinePolicyInput } from '@recovery-gate/core';
import { stringify } from 'yaml';
import { loadConfig } from './config/index.js';
import { createLogger } from './log.js';
import type { CaseEngine } from './orchestrator/index.js';
import { createGate, type Gate, type GateOptions } from './service.js';
import { prepareEmbeddedTemplate, seedEmbeddedDir } from './testing/stores.js';
import type { Orchestrator } from './types.js';

/** What {@link startEmbeddedGate} needs beyond the config text. */
export interface EmbeddedGateOptions<O extends Orchestrator>
  extends Pick<GateOptions<O>, 'port' | 'providerOptions' | 'createOrchestrator'> {
  /** YAML sections after the baseline policy (`providers:` at least); storage and pollers are added. */
  readonly yaml: string;
  /** The variables the YAML's `${...}` references resolve from. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A started gate and its clean-up. */
export interface EmbeddedGate<O extends Orchestrator> {
  readonly gate: Gate<O>;
  /** Stops the gate and removes its directory. */
  close(): Promise<void>;
}

/** Starts a gate on a fresh embedded store. */
export async function startEmbeddedGate<O extends Orchestrator = CaseEngine>(
  options: EmbeddedGateOptions<O>,
): Promise<EmbeddedGate<O>> {
  await prepareEmbeddedTemplate();
  const dir = await mkdtemp(join(tmpdir(), 'gate-test-'));
  try {
    await seedEmbeddedDir(join(dir, 'data'));
    const text = `${stringify(baselinePolicyInput)}\n${options.yaml.trim()}
storage: { dataDir: data }
pollers: { interval: 1h, tick: 1h, lookback: 1h }
`;
    const config = await loadConfig(text, { ...options.env });
    const gate = createGate<O>({
      config,
      env: {},
      baseDir: dir,
      port: options.port ?? 0,
      logger: createLogger({ level: 'error', write: () => {} }),
      ...(options.providerOptions ? { providerOptions: options.providerOptions } : {}),
      ...(options.createOrchestrator ? { createOrchestrator: options.createOrchestrator } : {}),
    });
    await gate.start();
    return {
      gate,
      async close() {
        await gate.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
