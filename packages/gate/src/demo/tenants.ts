/**
 * The demo's three emulated tenants (seeded with the shared cast), each with the real adapter, and the
 * guardrails planned and applied through that adapter.
 * @module
 */

import type { IdpKind, RecoveryProvider } from '@recovery-gate/core';
import type { ContractEnvironment, ContractHarness, ContractProbes } from '@recovery-gate/core/testing';
import { renderPlan } from '../cli/plan.js';
import { type DemoDevices, devicesOf } from './devices.js';

/** One running emulated tenant. */
export interface DemoTenant {
  readonly idp: IdpKind;
  readonly adapter: RecoveryProvider;
  readonly probes: ContractProbes;
  /** The emulator's base URL when the harness exposes it. */
  readonly url: string | null;
  /** The emulator's OIDC issuer (where the cast signs in) when the harness exposes it. */
  readonly issuer: string | null;
  /** The emulator's OIDC server, for the pages' client. */
  readonly oidc: DemoOidc | null;
  /** The cast's phones on this emulator (codes, pushes, the IdP's own emails), for the demo inbox. */
  readonly devices: DemoDevices | null;
  /** The emulator the harness exposes (demo set-up reaches its state through it), or null. */
  readonly emulator: unknown;
  /** IdP id -> cast name, and cast name -> IdP id. */
  readonly names: Map<string, string>;
  id(name: string): Promise<string>;
  close(): Promise<void>;
}

/** The cast the scenarios and timelines name. */
export const CAST = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'gina',
  'sam',
  'sara',
  'ivan',
] as const;

/** An emulator's OIDC server as the demo pages use it. */
export interface DemoOidc {
  readonly issuer: string;
  readonly server: { registerClient(client: Record<string, unknown>): Promise<void> };
}

type HarnessFactory = (options: Record<string, unknown>) => ContractHarness;

async function harness(idp: IdpKind): Promise<ContractHarness> {
  // The demo never reaches a real tenant, whatever the shell's environment says.
  const noRealTenant = { env: {} };
  switch (idp) {
    case 'okta': {
      const m = (await import('@recovery-gate/okta/testing')) as {
        createContractHarness: HarnessFactory;
      };
      return m.createContractHarness(noRealTenant);
    }
    case 'entra': {
      const m = (await import('@recovery-gate/entra/testing')) as { createContractHarness: HarnessFactory };
      return m.createContractHarness({});
    }
    default: {
      const m = (await import('@recovery-gate/keycloak/testing')) as {
        createContractHarness: HarnessFactory;
      };
      return m.createContractHarness(noRealTenant);
    }
  }
}

interface Exposed {
  readonly url?: unknown;
  readonly oidc?: { readonly issuer?: unknown; readonly server?: unknown };
}

function urlsOf(env: ContractEnvironment): {
  url: string | null;
  issuer: string | null;
  oidc: DemoOidc | null;
  devices: DemoDevices | null;
  emulator: unknown;
} {
  const emulator = (env as { emulator?: Exposed }).emulator;
  const issuer = typeof emulator?.oidc?.issuer === 'string' ? emulator.oidc.issuer : null;
  const server = emulator?.oidc?.server as DemoOidc['server'] | undefined;
  return {
    url: typeof emulator?.url === 'string' ? emulator.url : null,
    issuer,
    oidc: issuer !== null && typeof server?.registerClient === 'function' ? { issuer, server } : null,
    devices: devicesOf(emulator),
    emulator: emulator ?? null,
  };
}

/** Starts the emulated tenant of `idp` with its adapter. */
export async function startTenant(idp: IdpKind): Promise<DemoTenant> {
  const env = await (await harness(idp)).start();
  const names = new Map<string, string>();
  const ids = new Map<string, string>();
  const tenant: DemoTenant = {
    idp,
    adapter: env.adapter,
    probes: env.probes,
    ...urlsOf(env),
    names,
    async id(name) {
      const known = ids.get(name);
      if (known !== undefined) return known;
      const person =
        (await env.adapter.findUser(`${name}@example.com`)) ?? (await env.adapter.findUser(name));
      if (!person) throw new Error(`${name} is not seeded on ${idp}`);
      ids.set(name, person.id);
      names.set(person.id, name);
      return person.id;
    },
    close: () => env.close(),
  };
  for (const name of CAST) await tenant.id(name).catch(() => undefined);
  return tenant;
}

/** Plans and applies the guardrails through the adapter, printing the diff and progress. */
export async function applyGuardrails(tenant: DemoTenant, print: (text: string) => void): Promise<number> {
  const plan = await tenant.adapter.planGuardrails();
  print(renderPlan(plan).replace(/^/gm, '  '));
  const result = await tenant.adapter.applyGuardrails(plan);
  const again = await tenant.adapter.planGuardrails();
  const left = again.changes.filter((c) => c.op !== 'noop').length;
  print(`  applied ${result.applied.length} change(s); a second plan shows ${left} change(s)\n`);
  return left;
}
