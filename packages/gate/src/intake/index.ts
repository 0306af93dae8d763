/**
 * Intake: hooks, pollers and the inbox worker, wired together with their background loops.
 * @module
 */

import {
  backoffDelay,
  type HookRequest,
  type HookResponse,
  type IdpKind,
  type RecoveryProvider,
} from '@recovery-gate/core';
import { createLoop, type Loop } from '../loop.js';
import type { AuditLog, Logger, Metrics, Notifier, Orchestrator, Store } from '../types.js';
import { createAlerts, type SecurityAlert } from './alerts.js';
import { errorResponse, handleHook } from './hook.js';
import { createPoller, type Poller } from './poller.js';
import { createRefusalAlerts, type RefusalAlerts } from './refusals.js';
import { createInboxWorker, type InboxWorker, type WorkerOptions } from './worker.js';
import { createInboxWriter } from './writer.js';

export type { SecurityAlert } from './alerts.js';
export { createAlerts } from './alerts.js';
export { errorResponse, handleHook, MAX_HOOK_BODY_BYTES } from './hook.js';
export { checkEvents, eventKey, insertEventKeys, insertEvents } from './inbox.js';
export type { Poller, PollResult } from './poller.js';
export { createPoller, readCursor } from './poller.js';
export type { RefusalAlerts, RefusalKind } from './refusals.js';
export { createRefusalAlerts, REFUSAL_WINDOW_MS } from './refusals.js';
export type { InboxWorker } from './worker.js';
export { createInboxWorker, pruneSettled, releaseClaims } from './worker.js';
export type { InboxWriter, InboxWriterOptions } from './writer.js';
export { createInboxWriter } from './writer.js';

/** The inbox worker's pause between claims under a stream of events, in intake (see `WorkerOptions.pauseMs`). */
export const INTAKE_WORKER_PAUSE_MS = 50;

/** Intake tuning. */
export interface IntakeOptions {
  /** Poll interval per stream. @default 60000 */
  readonly pollIntervalMs?: number;
  /** How often the worker looks for due retries (new events wake it at once). @default 1000 */
  readonly workerIntervalMs?: number;
  /**
   * A failed poll is retried after core's back-off from `baseMs` (doubling, capped at the poll interval)
   * until `maxFailures` runs in a row failed; then a `poll.failing` alert is raised and the stream is polled
   * at its interval again. @default { baseMs: 5000, maxFailures: 5 }
   */
  readonly pollRetry?: { readonly baseMs?: number; readonly maxFailures?: number };
  /** Start of history for streams with no cursor yet (ISO). */
  readonly since?: string;
  /** Streams to poll per IdP; default: every stream the adapter declares. */
  readonly streams?: Partial<Record<IdpKind, readonly string[]>>;
  readonly worker?: Pick<
    WorkerOptions,
    'batchSize' | 'concurrency' | 'leaseMs' | 'maxAttempts' | 'backoffMs' | 'settleMs' | 'pauseMs'
  >;
}

/** What intake needs. */
export interface IntakeDeps {
  readonly store: Store;
  readonly providers: ReadonlyMap<IdpKind, RecoveryProvider>;
  readonly orchestrator: Pick<Orchestrator, 'handleEvent' | 'handleEventBatch'>;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly notifier?: Notifier;
  readonly options?: IntakeOptions;
}

/** The running intake. */
export interface Intake {
  /** Handles a hook for `idp`; 404 when that IdP is not configured. */
  hook(idp: string, request: HookRequest, meta?: { readonly remoteAddress?: string }): Promise<HookResponse>;
  readonly worker: InboxWorker;
  readonly pollers: readonly Poller[];
  readonly alert: (alert: SecurityAlert) => Promise<void>;
  /** The aggregated alerts of refused hooks (flushed every 10 s and at stop). */
  readonly refusals: RefusalAlerts;
  /** Polls one stream now (a resync hint). */
  pollNow(idp: string, stream: string): void;
  start(): void;
  stop(): Promise<void>;
}

/** One poller and one loop per provider stream. */
function createPollLoops(
  deps: IntakeDeps,
  wake: () => void,
  alert: (alert: SecurityAlert) => Promise<void>,
): { pollers: Poller[]; pollLoops: Map<string, Loop> } {
  const options = deps.options ?? {};
  const pollers: Poller[] = [];
  const pollLoops = new Map<string, Loop>();
  const maxFailures = Math.max(1, options.pollRetry?.maxFailures ?? 5);
  for (const [idp, provider] of deps.providers) {
    for (const stream of options.streams?.[idp] ?? provider.streams) {
      const since = options.since === undefined ? {} : { since: options.since };
      const poller = createPoller({
        ...deps,
        provider,
        stream,
        onStored: wake,
        alert,
        maxFailures,
        ...since,
      });
      pollers.push(poller);
      const key = `${idp}:${stream}`;
      const intervalMs = options.pollIntervalMs ?? 60_000;
      const backoff = { baseMs: options.pollRetry?.baseMs ?? 5000, capMs: intervalMs };
      // A run that stopped at its page limit with more ready polls again at once; one that failed is
      // retried after a back-off until the bound (the poller then alerts and the interval paces it).
      const run = async () => {
        try {
          if ((await poller.pollOnce()).more) pollLoops.get(key)?.kick();
        } catch (error) {
          if (poller.failures < maxFailures) {
            const delay = backoffDelay(poller.failures - 1, backoff);
            setTimeout(() => pollLoops.get(key)?.kick(), delay).unref();
          }
          throw error;
        }
      };
      pollLoops.set(key, createLoop({ name: `poll:${key}`, intervalMs, run, logger: deps.logger }));
    }
  }
  return { pollers, pollLoops };
}

/** Creates intake: one worker loop and one loop per provider stream. */
export function createIntake(deps: IntakeDeps): Intake {
  const options = deps.options ?? {};
  const { logger } = deps;
  const alert = createAlerts({
    ...deps,
    ...(deps.notifier === undefined ? {} : { notifier: deps.notifier }),
  });
  // Under a stream of hooks each delivery wakes the worker; pacing its claims gathers the events of
  // INTAKE_WORKER_PAUSE_MS into one claim, batch and settle (statements per event, not per wake).
  const worker = createInboxWorker({ pauseMs: INTAKE_WORKER_PAUSE_MS, ...deps, ...options.worker, alert });
  const workerLoop = createLoop({
    name: 'inbox',
    intervalMs: options.workerIntervalMs ?? 1000,
    run: () => worker.runOnce(),
    logger,
  });
  const wake = (): void => workerLoop.kick();
  const { pollers, pollLoops } = createPollLoops(deps, wake, alert);
  const pollNow = (idp: string, stream: string): void => {
    const loop = pollLoops.get(`${idp}:${stream}`);
    if (loop === undefined) logger.warn('resync hint for a stream that is not polled', { idp, stream });
    else loop.kick();
  };
  // One writer for every hook request, so deliveries arriving together share a commit.
  const inbox = createInboxWriter({ store: deps.store, now: deps.now });
  const refusals = createRefusalAlerts({ alert, now: deps.now });
  const refusalLoop = createLoop({
    name: 'hook-refusals',
    intervalMs: 10_000,
    run: async () => void (await refusals.flush()),
    logger,
  });
  const hookDeps = { ...deps, alert, refusals, inbox, onStored: wake, onResync: pollNow };
  return {
    async hook(idp, request, meta) {
      const provider = deps.providers.get(idp as IdpKind);
      if (provider === undefined) return errorResponse(404, 'ERR_NOT_FOUND', 'No such hook.');
      return handleHook(hookDeps, provider, request, meta);
    },
    worker,
    pollers,
    alert,
    refusals,
    pollNow,
    start() {
      workerLoop.start();
      refusalLoop.start();
      for (const loop of pollLoops.values()) loop.start();
    },
    async stop() {
      await Promise.all([...pollLoops.values()].map((l) => l.stop()));
      // On PostgreSQL other replicas may share the inbox: finish the events held, claim no more, and leave
      // the rest to them. The embedded store has no other replica: drain what is ready before stopping.
      if (deps.store.kind === 'postgres') worker.halt();
      await workerLoop.stop();
      await refusalLoop.stop();
      await refusals.flush(true);
    },
  };
}
