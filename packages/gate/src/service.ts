/**
 * The gate service: store and migrations, providers, audit, notifications, orchestrator, intake, HTTP server
 * and background loops (pollers, inbox worker, case timers, notification retries), started and stopped as one.
 * @module
 */

import type { IdpKind, RecoveryProvider } from '@recovery-gate/core';
import type { Adapters, GateConfig } from './config/index.js';
import {
  buildIdvProviders,
  createIdvService,
  type IdvModule,
  type IdvService,
  loadIdvModule,
} from './idv/index.js';
import { errorResponse, type Intake, type IntakeOptions } from './intake/index.js';
import { createLogger } from './log.js';
import { createMetrics } from './metrics.js';
import type { CaseEngine } from './orchestrator/index.js';
import { mountPages, type PagesEngine, pagesSettingsFrom } from './pages/index.js';
import { addGateRoutes, createRouter, type Router } from './server/index.js';
import { type Parts, stopParts, storeLocation, wireParts } from './service-parts.js';
import { openStore } from './store/index.js';
import type { AuditLog, Logger, Metrics, Notifier, Orchestrator, OrchestratorDeps, Store } from './types.js';

export { storeLocation } from './service-parts.js';

/** Options for {@link createGate}. Everything but `config` has a production default. */
export interface GateOptions<O extends Orchestrator> {
  readonly config: GateConfig;
  /** Environment (DATABASE_URL). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Providers to use instead of building them from `config.providers`. */
  readonly providers?: ReadonlyMap<IdpKind, RecoveryProvider>;
  /** Adapters to build providers with. @default loadAdapters() */
  readonly adapters?: Adapters;
  /** Extra options handed to every adapter's createProvider (test seams). */
  readonly providerOptions?: Record<string, unknown>;
  /** A store to use (not closed by stop); default: opened from config/env. */
  readonly store?: Store;
  readonly notifier?: Notifier;
  readonly now?: () => Date;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** The case engine factory. @default createOrchestrator from ./orchestrator */
  readonly createOrchestrator?: (deps: OrchestratorDeps) => O;
  /** Directory relative `storage.dataDir` resolves against. @default process.cwd() */
  readonly baseDir?: string;
  /** Intake tuning (merged over what the config says). */
  readonly intake?: IntakeOptions;
  /** Overrides `server.port` (0 for ephemeral). */
  readonly port?: number;
  /** Run the background loops. Tests may turn them off and drive the parts directly. @default true */
  readonly background?: boolean;
}

/** A running gate. Parts are available after `start`. */
export interface Gate<O extends Orchestrator = CaseEngine> {
  /** Mount more routes here (pages, API); available before start. */
  readonly router: Router;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly url: string;
  readonly baseUrl: string;
  readonly store: Store;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly audit: AuditLog;
  readonly notifier: Notifier;
  readonly orchestrator: O;
  readonly intake: Intake;
  readonly providers: ReadonlyMap<IdpKind, RecoveryProvider>;
}

/** Creates the gate; nothing runs until `start`. */
export function createGate<O extends Orchestrator = CaseEngine>(options: GateOptions<O>): Gate<O> {
  const { config } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? createLogger();
  const metrics = options.metrics ?? createMetrics();
  const router = createRouter();
  let parts: Parts<O> | undefined;
  let ready = false;
  const get = (): Parts<O> => {
    if (parts === undefined) throw new Error('The gate is not started.');
    return parts;
  };

  addGateRoutes(router, {
    metrics,
    store: { query: (sql, params) => get().store.query(sql, params) },
    intake: {
      // Before the intake is ready a hook gets 503, which IdPs retry (a 404 they would not).
      hook: async (idp, request, meta) =>
        ready
          ? get().intake.hook(idp, request, meta)
          : errorResponse(503, 'ERR_STORAGE', 'The gate is starting.'),
    },
  });

  const start = async (): Promise<void> => {
    if (parts !== undefined) return;
    const env = options.env ?? process.env;
    const store =
      options.store ?? (await openStore(storeLocation(config, env, options.baseDir ?? process.cwd())));
    try {
      parts = await wireParts(options, { now, logger, metrics, router }, store, options.store === undefined);
    } catch (error) {
      if (options.store === undefined) await store.close().catch(() => undefined);
      throw error;
    }
    ready = true;
    if (options.background !== false) {
      parts.intake.start();
      for (const loop of parts.loops) loop.start();
    }
    logger.info('gate started', {
      url: parts.server.url,
      baseUrl: parts.baseUrl,
      store: store.kind,
      idps: [...parts.providers.keys()],
    });
  };

  const gate: Gate<O> = {
    router,
    start,
    async stop() {
      if (parts === undefined) return;
      const p = parts;
      ready = false;
      parts = undefined;
      await stopParts(p);
      logger.info('gate stopped');
    },
    get url() {
      return get().server.url;
    },
    get baseUrl() {
      return get().baseUrl;
    },
    get store() {
      return get().store;
    },
    metrics,
    logger,
    get audit() {
      return get().audit;
    },
    get notifier() {
      return get().notifier;
    },
    get orchestrator() {
      return get().orchestrator;
    },
    get intake() {
      return get().intake;
    },
    get providers() {
      return get().providers;
    },
  };
  if (config.pages !== undefined) mountConfiguredPages(gate, config, config.pages, now);
  return gate;
}

/** Serves /verify, /approve, /cancel and /cases as the `pages:` section says; parts are read per request. */
function mountConfiguredPages<O extends Orchestrator>(
  gate: Gate<O>,
  config: GateConfig,
  pages: NonNullable<GateConfig['pages']>,
  now: () => Date,
): void {
  // Identity verification: the idv package is loaded once; the service is built on the first request
  // (the store and the engine exist once the gate has started).
  let idvModule: IdvModule | undefined;
  const idvLoaded =
    config.identityVerification === undefined
      ? Promise.resolve()
      : loadIdvModule().then((m) => {
          idvModule = m;
        });
  let idvService: IdvService | undefined;
  const idv = (): IdvService | undefined => {
    if (idvService !== undefined || idvModule === undefined) return idvService;
    idvService = createIdvService({
      store: gate.store,
      engine: gate.orchestrator as unknown as PagesEngine,
      policy: config,
      providers: buildIdvProviders(
        idvModule,
        config.identityVerification as { providers: Record<string, unknown> },
      ),
      now,
      baseUrl: gate.baseUrl,
    });
    return idvService;
  };
  void idvLoaded;
  mountPages(
    gate.router,
    () => ({
      // The pages need the case engine's API; a custom orchestrator must provide it to serve them.
      engine: gate.orchestrator as unknown as PagesEngine,
      store: gate.store,
      providers: gate.providers,
      notifier: gate.notifier,
      audit: gate.audit,
      baseUrl: gate.baseUrl,
      logger: gate.logger,
      metrics: gate.metrics,
      ...(idv() === undefined ? {} : { idv: idv() as IdvService }),
    }),
    // The same role groups the case engine checks, so a refusal before the link is used agrees with it.
    {
      ...pagesSettingsFrom(pages),
      now,
      approverGroups: config.approverGroups,
      reviewerGroups: config.reviews.reviewerGroups,
    },
  );
}
