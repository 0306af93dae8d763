/**
 * The IdPs' upkeep while the gate runs (`RecoveryProvider.maintain`): Entra's change-notification
 * subscriptions are renewed before they expire, or recreated; Okta's event hook, found deactivated,
 * redirected or deleted, is restored and verified; a Keycloak realm's login and admin events, found turned
 * off, are turned back on; without waiting for someone to run `apply`.
 * Once across replicas, every 6 hours and at start.
 * @module
 */

import type { IdpKind, RecoveryProvider } from '@recovery-gate/core';
import { createLoop, type Loop } from './loop.js';
import type { Logger, Metrics, Store } from './types.js';

/** How often the upkeep runs: well inside Entra's 7-day renewal window. */
export const UPKEEP_INTERVAL_MS = 6 * 3600 * 1000;

/** What the upkeep needs. */
export interface UpkeepDeps {
  readonly providers: ReadonlyMap<IdpKind, RecoveryProvider>;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * Runs every provider's upkeep once. A failure is counted and logged per IdP and never stops the others;
 * `recovery_idp_upkeep_expiry_seconds` says how long until the soonest kept-alive item expires, so an alert
 * can fire long before notifications stop.
 */
export async function runUpkeep(deps: UpkeepDeps): Promise<void> {
  for (const [idp, provider] of deps.providers) {
    if (provider.maintain === undefined) continue;
    try {
      const result = await provider.maintain();
      for (const item of result.done) {
        deps.metrics.inc('recovery_idp_upkeep_total', { idp, kind: item.kind, op: item.op });
        deps.logger.info('idp upkeep', { idp, kind: item.kind, name: item.name, op: item.op });
      }
      if (result.nextExpiry !== null) {
        const seconds = (Date.parse(result.nextExpiry) - deps.now().getTime()) / 1000;
        deps.metrics.set('recovery_idp_upkeep_expiry_seconds', Math.round(seconds), { idp });
      }
    } catch (error) {
      deps.metrics.inc('recovery_idp_upkeep_failures_total', { idp });
      deps.logger.error('idp upkeep failed; it is retried at the next run', {
        idp,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** The upkeep loop, once across replicas. */
export function upkeepLoop(deps: UpkeepDeps, store: Store): Loop {
  return createLoop({
    name: 'idp-upkeep',
    intervalMs: UPKEEP_INTERVAL_MS,
    run: () => store.withLock('idp-upkeep', () => runUpkeep(deps)),
    logger: deps.logger,
  });
}
