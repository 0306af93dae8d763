/**
 * Test wiring for the engine: a throwaway store with the real hash-chained audit (so a secret or a bad
 * record fails the test as it would fail the gate), a recording notifier, metrics, an injected clock, and
 * providers. `restart()` opens a fresh engine on the same store (a process restart).
 * @module
 */

import {
  baselinePolicy,
  type IdpKind,
  type NormalizedEvent,
  type Policy,
  type RecoveryProvider,
} from '@recovery-gate/core';
import { afterEach, beforeEach } from 'vitest';
import { createAuditLog } from '../audit/index.js';
import { silentLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { GATE_MIGRATIONS } from '../store/index.js';
import { type Backend, testLocation } from '../testing/stores.js';
import type { AuditEntry, AuditLog, Metrics, Notification, Store } from '../types.js';
import { createFakeIdp, type FakeIdp } from './fake-idp.test-helper.js';
import { type CaseEngine, createOrchestrator, type OrchestratorOptions } from './index.js';
import type { CaseRecord } from './model.js';

/** A started test environment. */
export interface Env {
  engine: CaseEngine;
  readonly store: Store;
  /** The real audit chain; `entries` lists what it accepted, for assertions. */
  readonly audit: AuditLog & { readonly entries: AuditEntry[] };
  readonly sent: Notification[];
  readonly metrics: Metrics;
  readonly clock: { now: Date };
  advance(ms: number): void;
  /** A fresh engine on the same store, as after a restart. */
  restart(options?: OrchestratorOptions): CaseEngine;
  /** The token of the newest link with `purpose` sent to `address` (or to security). */
  linkTo(address: string, purpose: 'verify' | 'approve' | 'cancel' | 'reveal'): string;
  close(): Promise<void>;
}

/** Starts an environment with `providers` and the baseline policy (or `policy`), on `backend`. */
export async function startEnv(
  providers: ReadonlyMap<IdpKind, RecoveryProvider>,
  clock: { now: Date },
  policy: Policy = baselinePolicy,
  options: OrchestratorOptions = {},
  backend: Backend = 'pglite',
): Promise<Env> {
  const location = await testLocation(backend);
  const store = await location.open();
  const chain = createAuditLog(store, () => clock.now);
  const entries: AuditEntry[] = [];
  const audit = {
    entries,
    async append(entry: AuditEntry, tx?: Parameters<AuditLog['append']>[1]) {
      await chain.append(entry, tx);
      entries.push(entry);
    },
  };
  const sent: Notification[] = [];
  const metrics = createMetrics();
  const make = (opts: OrchestratorOptions) =>
    createOrchestrator(
      {
        store,
        providers,
        policy,
        audit,
        notifier: { send: async (n) => void sent.push(n) },
        metrics,
        logger: silentLogger,
        now: () => clock.now,
        baseUrl: 'https://gate.test',
      },
      { retryBaseMs: 1000, ...opts },
    );
  const engine = make(options);
  await store.migrate([...GATE_MIGRATIONS, ...engine.migrations]);
  const env: Env = {
    engine,
    store,
    audit,
    sent,
    metrics,
    clock,
    advance(ms) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
    restart(opts = options) {
      env.engine = make(opts);
      return env.engine;
    },
    linkTo(address, purpose) {
      const urls = sent
        .filter((n) => (n.to.kind === 'security' ? address === 'security' : n.to.address === address))
        .flatMap((n) => n.links ?? [])
        .map((l) => l.url)
        .filter((u) => u.includes(`/${purpose}/`));
      const url = urls.at(-1);
      if (!url) throw new Error(`no ${purpose} link to ${address}`);
      return url.slice(url.lastIndexOf('/') + 1);
    },
    async close() {
      await store.close();
      await location.cleanup();
    },
  };
  return env;
}

let seq = 0;

/** A normalised event (a native-console request by default). */
export function event(
  idp: IdpKind,
  over: Partial<NormalizedEvent> & Pick<NormalizedEvent, 'subject'>,
): NormalizedEvent {
  seq += 1;
  return {
    id: `evt-${seq}-${Math.random().toString(36).slice(2)}`,
    idp,
    kind: 'recovery_requested',
    sourceType: 'group.user_membership.add',
    occurredAt: new Date().toISOString(),
    actor: { id: 'u-frank', type: 'user', displayName: 'Frank' },
    action: 'mfa_reset',
    authenticatorKind: null,
    ...over,
  };
}

/** The handles {@link useOktaDouble} keeps fresh for each test. */
export interface OktaDoubleTest {
  /** This test's environment; a test may replace it (after closing it) to run on another provider. */
  env: Env;
  /** This test's Okta double. */
  readonly idp: FakeIdp;
  /** The injected clock, reset to the start before each test. */
  readonly clock: { now: Date };
}

/**
 * Registers the usual per-test wiring: before each test a fresh store, engine and Okta double at a fixed
 * start time; after it, the environment closed. Returns live handles (read `t.env`, `t.idp` inside tests).
 */
export function useOktaDouble(start = '2026-11-22T10:00:00.000Z'): OktaDoubleTest {
  const clock = { now: new Date(start) };
  let env: Env | undefined;
  let idp: FakeIdp | undefined;
  beforeEach(async () => {
    clock.now = new Date(start);
    idp = createFakeIdp('okta', () => clock.now);
    env = await startEnv(new Map([['okta', idp.provider]]), clock);
  }, 120_000);
  afterEach(async () => {
    await env?.close();
  }, 120_000);
  const live = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useOktaDouble: read inside a test, after beforeEach');
    return value;
  };
  return {
    get env() {
      return live(env);
    },
    set env(next: Env) {
      env = next;
    },
    get idp() {
      return live(idp);
    },
    clock,
  };
}

/** Opens `u-<name>`'s recovery case on the Okta double with a native request event, and returns it. */
export async function openOktaCase(t: OktaDoubleTest, name: string): Promise<CaseRecord> {
  await t.env.engine.handleEvent(
    event('okta', {
      subject: { userId: `u-${name}`, login: `${name}@example.com` },
      occurredAt: t.clock.now.toISOString(),
    }),
  );
  const [c] = await t.env.engine.listCases({ subjectId: `u-${name}`, kind: 'recovery' });
  if (!c) throw new Error(`no case for ${name}`);
  return c;
}
