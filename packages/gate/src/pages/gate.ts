/**
 * Mounts the pages on a running-or-not gate from `createGate` (its parts are read per request).
 * @module
 */

import type { Gate } from '../service.js';
import type { PagesSettings } from './context.js';
import { mountPages } from './index.js';

/** Mounts the verification, approval, cancel and case pages on `gate` (before or after `start`). */
export function mountGatePages(gate: Gate, settings: PagesSettings): void {
  mountPages(
    gate.router,
    () => ({
      engine: gate.orchestrator,
      store: gate.store,
      providers: gate.providers,
      notifier: gate.notifier,
      audit: gate.audit,
      baseUrl: gate.baseUrl,
      logger: gate.logger,
    }),
    { now: () => new Date(), ...settings },
  );
}
