/**
 * The wiring behind `createGate`: each part built from the configuration and the parts before it.
 * @module
 */

import { resolve } from 'node:path';
import { type IdpKind, parseDuration, type RecoveryProvider } from '@recovery-gate/core';
import {
  type AuditSink,
  anchorChain,
  createAuditLog,
  createCheckpointSigner,
  createSplunkHecSink,
  createSyslogSink,
  streamAudit,
  verifyKeysFrom,
} from './audit/index.js';
import { type Adapters, buildProviders, type GateConfig, loadAdapters } from './config/index.js';
import {
  createIntake,
  type Intake,
  type IntakeOptions,
  pruneSettled,
  releaseClaims,
} from './intake/index.js';
import { createLoop, type Loop } from './loop.js';
import { createOutboxNotifier, type OutboxNotifier, transportsFromConfig } from './notify/index.js';
import { createOrchestrator } from './orchestrator/index.js';
import { reviewLoop, reviewSettingsFrom } from './reviews/index.js';
import { type HttpServer, type Router, startHttpServer } from './server/index.js';
import { GATE_MIGRATIONS } from './store/index.js';
import { applyRetention } from './store/retention.js';
import type { AuditLog, Logger, Metrics, Notifier, Orchestrator, OrchestratorDeps, Store } from './types.js';
import { upkeepLoop } from './upkeep.js';

/** What the wiring reads from `createGate` options. */
export interface WiringOptions<O extends Orchestrator> {
  readonly config: GateConfig;
  readonly providers?: ReadonlyMap<IdpKind, RecoveryProvider>;
  readonly adapters?: Adapters;
  readonly providerOptions?: Record<string, unknown>;
  readonly notifier?: Notifier;
  readonly createOrchestrator?: (deps: OrchestratorDeps) => O;
  readonly intake?: IntakeOptions;
  readonly port?: number;
}

/** What every part shares. */
export interface Shared {
  readonly now: () => Date;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly router: Router;
}

/** The running parts of a gate. */
export interface Parts<O extends Orchestrator> {
  readonly store: Store;
  readonly ownsStore: boolean;
  readonly audit: AuditLog;
  readonly notifier: Notifier;
  readonly outbox: OutboxNotifier | undefined;
  readonly orchestrator: O;
  readonly intake: Intake;
  readonly providers: ReadonlyMap<IdpKind, RecoveryProvider>;
  readonly server: HttpServer;
  readonly baseUrl: string;
  readonly loops: readonly Loop[];
}

/** Where the store lives: DATABASE_URL (env), then storage.databaseUrl, else the embedded data directory. */
export function storeLocation(
  config: GateConfig,
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
) {
  const url = env.DATABASE_URL ?? config.storage.databaseUrl;
  if (url !== undefined && url !== '') {
    return {
      databaseUrl: url,
      ...(config.storage.schema === undefined ? {} : { schema: config.storage.schema }),
    };
  }
  return { dataDir: resolve(baseDir, config.storage.dataDir) };
}

function startServer(config: GateConfig, shared: Shared, port: number | undefined): Promise<HttpServer> {
  return startHttpServer({
    port: port ?? config.server.port,
    host: config.server.host,
    ...(config.server.publicUrl === undefined ? {} : { publicUrl: config.server.publicUrl }),
    logger: shared.logger,
    router: shared.router,
  });
}

/** Builds the parts in order; on failure, closes what was started (not the store: the caller owns it). */
export async function wireParts<O extends Orchestrator>(
  options: WiringOptions<O>,
  shared: Shared,
  store: Store,
  ownsStore: boolean,
): Promise<Parts<O>> {
  const { config } = options;
  const { now, logger, metrics } = shared;
  const providers =
    options.providers ??
    (await buildProviders(config.providers, options.adapters ?? (await loadAdapters()), {
      now,
      ...options.providerOptions,
    }));
  const audit = createAuditLog(store, now);
  const transports = transportsFromConfig(config.notifications);
  const outbox =
    options.notifier === undefined
      ? createOutboxNotifier({ store, transports, logger, metrics, now })
      : undefined;
  const notifier = options.notifier ?? (outbox as OutboxNotifier);
  const server = await startServer(config, shared, options.port);
  const baseUrl = (config.server.publicUrl ?? server.url).replace(/\/+$/, '');
  try {
    const factory =
      options.createOrchestrator ??
      (((deps: OrchestratorDeps) =>
        createOrchestrator(deps, { policy: { roleGroups: config.approverGroups } })) as unknown as (
        deps: OrchestratorDeps,
      ) => O);
    const orchestrator = factory({
      store,
      providers,
      policy: config,
      audit,
      notifier,
      metrics,
      logger,
      now,
      baseUrl,
    });
    await store.migrate([...GATE_MIGRATIONS, ...orchestrator.migrations]);
    // One process owns an embedded store, so claims left in it are from a crashed run: due again now.
    if (store.kind === 'pglite') {
      const released =
        (await releaseClaims(store)) +
        ((await orchestrator.releaseClaims?.()) ?? 0) +
        ((await outbox?.releaseClaims()) ?? 0);
      if (released > 0) logger.warn('released claims left by a previous run', { released });
    }
    const since = new Date(now().getTime() - parseDuration(config.pollers.lookback)).toISOString();
    const intake = createIntake({
      ...{ store, providers, orchestrator, audit, metrics, logger, now, notifier },
      options: { pollIntervalMs: parseDuration(config.pollers.interval), since, ...options.intake },
    });
    const loops = backgroundLoops(config, store, orchestrator, outbox, logger);
    loops.push(pruneLoop(config, store, outbox, now, logger));
    loops.push(upkeepLoop({ providers, metrics, logger, now }, store));
    loops.push(
      reviewLoop(
        { store, audit, notifier, metrics, now, logger, baseUrl },
        reviewSettingsFrom(config.reviews),
        config,
        parseDuration(config.pollers.tick),
      ),
    );
    const anchor = anchorLoop(config, store, now, logger);
    if (anchor !== undefined) loops.push(anchor);
    loops.push(...streamLoops(config, store, logger));
    return {
      store,
      ownsStore,
      audit,
      notifier,
      outbox,
      orchestrator,
      intake,
      providers,
      server,
      baseUrl,
      loops,
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/**
 * The case timer (its sweeps once across replicas, its due cases spread over them: see the orchestrator's
 * `timers.ts`) and the notification retry loop.
 */
function backgroundLoops(
  config: GateConfig,
  store: Store,
  orchestrator: Orchestrator,
  outbox: OutboxNotifier | undefined,
  logger: Logger,
): Loop[] {
  const tick = createLoop({
    name: 'tick',
    intervalMs: parseDuration(config.pollers.tick),
    run: () => orchestrator.tick(),
    logger,
  });
  if (outbox === undefined) return [tick];
  const drain = createLoop({
    name: 'outbox',
    intervalMs: 10_000,
    run: () => store.withLock('outbox', () => outbox.drain()),
    logger,
  });
  return [tick, drain];
}

/**
 * Signs the audit chain head every `audit.checkpointInterval` when a signing key is configured, once across
 * replicas; a chain that fails verification is never signed, and the failure is logged as an error.
 */
function anchorLoop(config: GateConfig, store: Store, now: () => Date, logger: Logger): Loop | undefined {
  const key = config.audit.signingPrivateKey;
  if (key === undefined) return undefined;
  const signer = createCheckpointSigner(key);
  const keys = verifyKeysFrom(config.audit.verifyKeys, signer);
  const run = () =>
    store.withLock('audit-anchor', async () => {
      const result = await anchorChain(store, signer, keys, now());
      if (!result.ok)
        logger.error('audit chain not signed: it does not verify', {
          firstBadSeq: result.firstBadSeq,
          reason: result.reason,
        });
    });
  return createLoop({
    name: 'audit-anchor',
    intervalMs: parseDuration(config.audit.checkpointInterval),
    run,
    logger,
  });
}

/** The configured SIEM sinks. */
export function auditSinks(config: GateConfig): AuditSink[] {
  const { syslog, splunkHec } = config.audit.stream;
  const sinks: AuditSink[] = [];
  if (syslog !== undefined)
    sinks.push(createSyslogSink({ url: syslog.url, ...(syslog.ca ? { ca: syslog.ca } : {}) }));
  if (splunkHec !== undefined)
    sinks.push(
      createSplunkHecSink({
        url: splunkHec.url,
        token: splunkHec.token,
        sourcetype: splunkHec.sourcetype,
        ...(splunkHec.index ? { index: splunkHec.index } : {}),
      }),
    );
  return sinks;
}

/** One loop per SIEM sink, once across replicas: at least once and in order, resent from the cursor after a failure. */
function streamLoops(config: GateConfig, store: Store, logger: Logger): Loop[] {
  return auditSinks(config).map((sink) =>
    createLoop({
      name: `audit-stream:${sink.name}`,
      intervalMs: parseDuration(config.audit.stream.interval),
      run: () => store.withLock(`audit-stream:${sink.name}`, () => streamAudit(store, sink)),
      logger,
    }),
  );
}

/** How long processed events and settled notifications are kept (dedupe window for late retries). */
const RETENTION_MS = 30 * 24 * 3600 * 1000;

/** Prunes settled inbox and outbox rows and applies `retention`, a few times a day, once across replicas. */
function pruneLoop(
  config: GateConfig,
  store: Store,
  outbox: OutboxNotifier | undefined,
  now: () => Date,
  logger: Logger,
): Loop {
  const run = () =>
    store.withLock('prune', async () => {
      const before = new Date(now().getTime() - RETENTION_MS);
      await pruneSettled(store, before);
      await outbox?.prune(before);
      const pruned = await applyRetention(store, config.retention, now());
      if (pruned.detailsCleared + pruned.casesDeleted + pruned.auditRecordsPruned > 0)
        logger.info('retention applied', { ...pruned });
    });
  return createLoop({ name: 'prune', intervalMs: 6 * 3600 * 1000, run, logger });
}

/** Stops the parts in reverse order of need: no new requests, then background work, then storage. */
export async function stopParts(parts: Parts<Orchestrator>): Promise<void> {
  await parts.server.close();
  await parts.intake.stop();
  await Promise.all(parts.loops.map((l) => l.stop()));
  await parts.outbox?.close();
  if (parts.ownsStore) await parts.store.close();
}
