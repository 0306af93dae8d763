/**
 * A scenario world for one IdP: the real adapter on its seeded emulator (through the adapter package's
 * contract harness), a fresh PGlite store with the real audit chain, a recording notifier, an injected
 * clock that moves the emulator's clock too, and the case engine. `restart()` builds a fresh engine on
 * the same store, as a process restart would.
 * @module
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IdpKind, NormalizedEvent, Policy, RecoveryProvider } from '@recovery-gate/core';
import { baselinePolicy } from '@recovery-gate/core';
import type { ContractEnvironment, ContractHarness, ContractProbes } from '@recovery-gate/core/testing';
import {
  type CaseEngine,
  createAuditLog,
  createMetrics,
  createOrchestrator,
  GATE_MIGRATIONS,
  type Metrics,
  type Notification,
  type OrchestratorOptions,
  openStore,
  type Store,
  silentLogger,
} from '@recovery-gate/gate';

/** The IdPs every scenario runs on. */
export const IDPS: readonly IdpKind[] = ['okta', 'entra', 'keycloak'];

interface HarnessModule {
  readonly createContractHarness?: (options?: { readonly guardrailsApplied?: boolean }) => ContractHarness;
}

const MODULES: Readonly<Record<IdpKind, () => Promise<HarnessModule>>> = {
  okta: () => import('@recovery-gate/okta/testing') as Promise<HarnessModule>,
  entra: () => import('@recovery-gate/entra/testing') as Promise<HarnessModule>,
  keycloak: () => import('@recovery-gate/keycloak/testing') as Promise<HarnessModule>,
};

async function harnessFor(idp: IdpKind, guardrailsApplied: boolean): Promise<ContractHarness> {
  const create = (await MODULES[idp]()).createContractHarness;
  if (!create) throw new Error(`@recovery-gate/${idp}/emulator does not export createContractHarness yet`);
  // A deployed gate has its guardrails applied: request groups and the case-status attribute exist.
  return create({ guardrailsApplied });
}

/** One started world. */
export interface World {
  readonly idp: IdpKind;
  readonly adapter: RecoveryProvider;
  readonly probes: ContractProbes;
  /** The harness environment (each IdP's adds its `emulator`; Entra's also its adapter `config`). */
  readonly env: ContractEnvironment;
  engine: CaseEngine;
  readonly store: Store;
  readonly sent: Notification[];
  readonly metrics: Metrics;
  readonly clock: { now: Date };
  /** The IdP id of a cast member (`alice`, `erin`...). */
  id(name: string): Promise<string>;
  /** Moves the gate's and the emulator's clocks forward. */
  advance(ms: number): void;
  /**
   * A fresh engine on the same store, as a restart would give (with another policy when given; with
   * `provider` in place of the adapter, e.g. one that dies mid-call).
   */
  restart(options?: OrchestratorOptions, policy?: Policy, provider?: RecoveryProvider): CaseEngine;
  /** A `recovery_requested` event as an agent's native console action would produce. */
  request(subject: string, over?: Partial<NormalizedEvent>): Promise<NormalizedEvent>;
  /** The newest link token with `purpose` sent to `address` (or `security`). */
  linkTo(address: string, purpose: 'verify' | 'approve' | 'cancel' | 'reveal'): string;
  close(): Promise<void>;
}

let seq = 0;

/**
 * Starts a world for `idp` with `policy` (the baseline by default). Guardrails are applied unless a
 * scenario needs a tenant where agents can still reset natively (bypass scenarios).
 */
export async function startWorld(
  idp: IdpKind,
  policy: Policy = baselinePolicy,
  options: OrchestratorOptions = {},
  guardrailsApplied = true,
): Promise<World> {
  const env: ContractEnvironment = await (await harnessFor(idp, guardrailsApplied)).start();
  if (guardrailsApplied) {
    // As a deployed gate would have: `apply` creates what the seed may lack (e.g. Entra's status property).
    try {
      await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    } catch (error) {
      console.warn(`guardrails apply failed on ${idp}:`, error instanceof Error ? error.message : error);
    }
  }
  const dir = await mkdtemp(join(tmpdir(), `scenario-${idp}-`));
  const store = await openStore({ dataDir: dir });
  const clock = { now: new Date() };
  const audit = createAuditLog(store, () => clock.now);
  const sent: Notification[] = [];
  const metrics = createMetrics();
  const ids = new Map<string, string>();
  const make = (opts: OrchestratorOptions, current: Policy = policy, provider = env.adapter) =>
    createOrchestrator(
      {
        store,
        providers: new Map([[idp, provider]]),
        policy: current,
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
  const world: World = {
    idp,
    adapter: env.adapter,
    probes: env.probes,
    env,
    engine,
    store,
    sent,
    metrics,
    clock,
    async id(name) {
      const known = ids.get(name);
      if (known) return known;
      const person =
        (await env.adapter.findUser(`${name}@example.com`)) ?? (await env.adapter.findUser(name));
      if (!person) throw new Error(`${name} is not seeded on ${idp}`);
      ids.set(name, person.id);
      return person.id;
    },
    advance(ms) {
      clock.now = new Date(clock.now.getTime() + ms);
      env.probes.advanceClock?.(ms);
    },
    restart(opts = options, next = policy, provider = env.adapter) {
      world.engine = make(opts, next, provider);
      return world.engine;
    },
    async request(subject, over = {}) {
      seq += 1;
      return {
        id: `scenario-${seq}-${Date.now()}`,
        idp,
        kind: 'recovery_requested',
        sourceType: 'request-group membership added',
        occurredAt: clock.now.toISOString(),
        actor: { id: await world.id('frank'), type: 'user', displayName: 'Frank' },
        subject: { userId: await world.id(subject), login: null },
        action: 'mfa_reset',
        authenticatorKind: null,
        ...over,
      };
    },
    linkTo(address, purpose) {
      const url = sent
        .filter((n) => (n.to.kind === 'security' ? address === 'security' : n.to.address === address))
        .flatMap((n) => n.links ?? [])
        .map((l) => l.url)
        .filter((u) => u.includes(`/${purpose}/`))
        .at(-1);
      if (!url) throw new Error(`no ${purpose} link to ${address}`);
      return url.slice(url.lastIndexOf('/') + 1);
    },
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
      await env.close();
    },
  };
  return world;
}

/** The id of the subject's channel of `kind` that is not the account mailbox (first match). */
export async function channelOf(world: World, subject: string, kind: 'phone' | 'email'): Promise<string> {
  const facts = await world.adapter.readSubjectFacts(await world.id(subject));
  const channel = (facts.channels ?? []).find((c) => c.kind === kind && !c.isAccountMailbox);
  if (!channel) throw new Error(`${subject} has no ${kind} channel on ${world.idp}`);
  return channel.id;
}
