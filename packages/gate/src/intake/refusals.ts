/**
 * Refused hooks (forged, malformed, oversized) raise security alerts, but a flood must not flood the audit
 * chain, the alerts table or the security channel: per source and window the first refusal is alerted at
 * once, and the rest become one alert with their count when the window ends.
 * @module
 */

import type { SecurityAlert } from './alerts.js';

/** Why a hook was refused. */
export type RefusalKind = 'hook.forged' | 'hook.malformed' | 'hook.too_large';

/** The window refusals of one source are summed over. @default 60000 */
export const REFUSAL_WINDOW_MS = 60_000;
/** Distinct sources tracked per window; further sources are summed under `*` (a botnet stays bounded too). */
export const MAX_REFUSAL_SOURCES = 100;

/** One refused request, identified without its headers or body (they may carry a presented secret). */
export interface Refusal {
  readonly kind: RefusalKind;
  readonly idp: string;
  readonly source: string | null;
  readonly data: Readonly<Record<string, string | number | boolean | null>>;
}

/** Counts refusals and raises their alerts, aggregated. */
export interface RefusalAlerts {
  /** Counts one refusal; alerts at once when it is the first of its source in the window. */
  note(refusal: Refusal): Promise<void>;
  /** Alerts the summed counts of windows that ended (all windows when `all`, e.g. at shutdown). */
  flush(all?: boolean): Promise<number>;
}

interface Tally {
  readonly refusal: Refusal;
  readonly from: number;
  repeats: number;
}

/** Creates the aggregator over `alert`. */
export function createRefusalAlerts(deps: {
  readonly alert: (alert: SecurityAlert) => Promise<void>;
  readonly now: () => Date;
  readonly windowMs?: number;
}): RefusalAlerts {
  const windowMs = deps.windowMs ?? REFUSAL_WINDOW_MS;
  const tallies = new Map<string, Tally>();
  const flush = async (all = false): Promise<number> => {
    const now = deps.now().getTime();
    let raised = 0;
    for (const [key, tally] of tallies) {
      if (!all && now - tally.from < windowMs) continue;
      tallies.delete(key);
      if (tally.repeats === 0) continue;
      const { kind, idp, source } = tally.refusal;
      const window = { from: new Date(tally.from).toISOString(), to: new Date(now).toISOString() };
      await deps.alert({ kind, idp, data: { idp, remoteAddress: source, count: tally.repeats, ...window } });
      raised += 1;
    }
    return raised;
  };
  return {
    async note(refusal) {
      await flush();
      const now = deps.now().getTime();
      const sourceKey = (source: string | null) => `${refusal.kind}\u0000${refusal.idp}\u0000${source ?? ''}`;
      let key = sourceKey(refusal.source);
      if (!tallies.has(key) && tallies.size >= MAX_REFUSAL_SOURCES) key = sourceKey('*');
      const known = tallies.get(key);
      if (known) {
        known.repeats += 1;
        return;
      }
      const overflow = key === sourceKey('*') && refusal.source !== '*';
      const first = overflow ? { ...refusal, source: '*' } : refusal;
      tallies.set(key, { refusal: first, from: now, repeats: 0 });
      await deps.alert({
        kind: refusal.kind,
        idp: refusal.idp,
        data: { ...refusal.data, remoteAddress: first.source, count: 1 },
      });
    },
    flush,
  };
}
