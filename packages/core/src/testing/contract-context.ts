/**
 * Shared plumbing of the provider contract suite: environments that close themselves, skip notes,
 * typed-error assertions and small readers over the port.
 * @module
 */

import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { ErrorCode } from '../errors.js';
import type {
  Capability,
  Channel,
  EventPage,
  IdpKind,
  NormalizedEvent,
  RecoveryProvider,
  SubjectFacts,
} from '../port.js';
import type { ContractEnvironment, ContractHarness, ContractProbes } from './harness.js';

/** A probe the suite may need. */
export type ProbeName = keyof ContractProbes;

/** Whether a test can run, and the note its name carries when it cannot. */
export interface Requirement {
  readonly skip: boolean;
  /** Empty when the test runs; ` (skipped: ...)` otherwise. */
  readonly note: string;
}

/** What the suite learnt about the adapter when it was collected, and how tests get environments. */
export interface ContractContext {
  readonly harness: ContractHarness;
  readonly idp: IdpKind;
  /** True when the adapter declares the capability supported. */
  supports(capability: Capability): boolean;
  /** Skips unless every named probe exists (and, with `emulatorOnly`, unless this is an emulator). */
  requires(probes: readonly ProbeName[], options?: { readonly emulatorOnly?: boolean }): Requirement;
  /** Starts a fresh environment that is closed after the current test. */
  start(): Promise<ContractEnvironment>;
  /** Registers one environment for the enclosing describe block (read-only tests); returns its getter. */
  shared(): () => ContractEnvironment;
}

/** Starts one environment to learn the adapter's declarations, then builds the context. */
export async function inspectHarness(harness: ContractHarness): Promise<ContractContext> {
  const probe = await harness.start();
  const capabilities = probe.adapter.capabilities;
  const idp = probe.adapter.idp;
  const probes = new Set<string>(
    Object.entries(probe.probes)
      .filter(([, value]) => typeof value === 'function')
      .map(([key]) => key),
  );
  await probe.close();

  const open = new Set<ContractEnvironment>();
  afterEach(async () => {
    const closing = [...open];
    open.clear();
    await Promise.all(closing.map((env) => env.close()));
  });

  return {
    harness,
    idp,
    supports: (capability) => capabilities[capability]?.supported === true,
    requires: (names, options = {}) => {
      const missing = names.filter((name) => !probes.has(name));
      if (options.emulatorOnly === true && harness.realTenant) {
        return { skip: true, note: ' (skipped: needs an emulator, not a real tenant)' };
      }
      if (missing.length > 0) {
        return { skip: true, note: ` (skipped: the harness has no ${missing.join(', ')} probe)` };
      }
      return { skip: false, note: '' };
    },
    start: async () => {
      const env = await harness.start();
      open.add(env);
      return env;
    },
    shared: () => {
      let env: ContractEnvironment | undefined;
      beforeAll(async () => {
        env = await harness.start();
      });
      afterAll(async () => {
        await env?.close();
      });
      return () => {
        if (env === undefined) throw new Error('the shared contract environment did not start');
        return env;
      };
    },
  };
}

/** Awaits `action` and asserts that it rejected with a GateError carrying `code`. */
export async function expectGateError(action: Promise<unknown>, code: ErrorCode): Promise<Error> {
  let caught: unknown = null;
  let resolved = false;
  try {
    await action;
    resolved = true;
  } catch (error) {
    caught = error;
  }
  expect(resolved, `expected a GateError ${code}, but the call succeeded`).toBe(false);
  expect(caught, `expected a GateError ${code}`).toBeInstanceOf(Error);
  const error = caught as Error & { code?: unknown };
  expect(error.name, `expected a GateError ${code}, got: ${error.message}`).toBe('GateError');
  expect(error.code, error.message).toBe(code);
  return error;
}

/** Resolves a fixture (login or id) to the IdP's user id. */
export async function userIdOf(adapter: RecoveryProvider, fixture: string): Promise<string> {
  const person = await adapter.findUser(fixture);
  expect(person, `fixture user ${fixture} must exist`).not.toBeNull();
  return (person as { id: string }).id;
}

/** Facts without the read time, for before/after comparisons. */
export function stableFacts(facts: SubjectFacts): Omit<SubjectFacts, 'readAt'> {
  const { readAt: _readAt, ...rest } = facts;
  return rest;
}

/** What the suite compares to prove that a refused call changed nothing. */
export async function snapshot(env: ContractEnvironment, user: string): Promise<unknown> {
  const facts = stableFacts(await env.adapter.readSubjectFacts(user));
  const caseStatus = env.probes.caseStatus === undefined ? null : await env.probes.caseStatus(facts.userId);
  return { facts, caseStatus };
}

/** Parses an ISO timestamp, failing the test when it is not one. */
export function timeOf(value: string | null | undefined, label: string): number {
  expect(value, `${label} must be set`).toEqual(expect.any(String));
  const ms = Date.parse(value as string);
  expect(Number.isFinite(ms), `${label} must be an ISO timestamp, got ${String(value)}`).toBe(true);
  return ms;
}

/** A channel a self-delivering IdP may send a credential to: verified, not the account's own mailbox. */
export function deliveryChannel(facts: SubjectFacts): Channel | undefined {
  const channels = facts.channels ?? [];
  return (
    channels.find((c) => c.kind === 'email' && c.verified && !c.isAccountMailbox) ??
    channels.find((c) => c.kind === 'email' && !c.isAccountMailbox) ??
    channels.find((c) => c.kind === 'email')
  );
}

/** Cursors per stream. */
export type Cursors = Readonly<Record<string, string | null>>;

/** Reads every stream from its cursor until nothing more is ready; returns the events and new cursors. */
export async function drainEvents(
  adapter: RecoveryProvider,
  cursors: Cursors,
): Promise<{ readonly events: NormalizedEvent[]; readonly cursors: Record<string, string> }> {
  const events: NormalizedEvent[] = [];
  const next: Record<string, string> = {};
  for (const stream of adapter.streams) {
    let cursor = cursors[stream] ?? null;
    let page: EventPage | undefined;
    for (let i = 0; i < 50 && (page === undefined || page.more); i++) {
      page = await adapter.readEvents(stream, cursor);
      events.push(...page.events);
      cursor = page.cursor;
    }
    expect(page?.more, `readEvents(${stream}) still had more after 50 pages`).toBe(false);
    next[stream] = cursor as string;
  }
  return { events, cursors: next };
}

/** Applies the adapter's guardrails when it declares them, so request groups and status attributes exist. */
export async function prepareTenant(ctx: ContractContext, env: ContractEnvironment): Promise<void> {
  if (!ctx.supports('guardrails')) return;
  const plan = await env.adapter.planGuardrails();
  await env.adapter.applyGuardrails(plan);
}

/** The note a skipped test's name carries: ` (skipped: reason)` when `skip`, else nothing. */
export function skipNote(skip: boolean, reason: string): string {
  return skip ? ` (skipped: ${reason})` : '';
}
