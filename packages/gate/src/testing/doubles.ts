/**
 * Recording doubles of the gate's own seams (orchestrator, audit), for testing intake on its own.
 * @module
 */

import type { NormalizedEvent } from '@recovery-gate/core';
import type { AuditEntry, AuditLog, Orchestrator } from '../types.js';

/** An orchestrator that records events; `failFor` makes it throw for chosen event ids. */
export interface RecordingOrchestrator extends Orchestrator {
  readonly events: NormalizedEvent[];
  readonly failFor: Map<string, number>;
  ticks: number;
}

/** Creates a recording orchestrator. */
export function createRecordingOrchestrator(): RecordingOrchestrator {
  const orchestrator: RecordingOrchestrator = {
    migrations: [],
    events: [],
    failFor: new Map(),
    ticks: 0,
    async handleEvent(event) {
      const failures = orchestrator.failFor.get(event.id) ?? 0;
      if (failures > 0) {
        orchestrator.failFor.set(event.id, failures - 1);
        throw new Error(`scripted failure for ${event.id}`);
      }
      orchestrator.events.push(event);
    },
    async tick() {
      orchestrator.ticks += 1;
    },
  };
  return orchestrator;
}

/** An audit log that keeps entries in memory. */
export function createMemoryAudit(): AuditLog & { readonly entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    async append(entry) {
      entries.push(entry);
    },
  };
}
