/**
 * `recovery-gate demo` (`npm start`): three emulated IdPs seeded with the cast, guardrails applied through
 * the real adapters, the gate on embedded storage, scripted recoveries on each IdP with a timeline per case;
 * then it keeps running for exploration until Ctrl-C (`--once` or RECOVERY_GATE_DEMO_ONCE=1: exit instead).
 * @module
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  baselinePolicyInput,
  type IdpKind,
  type PolicyInput,
  parsePolicy,
  type RecoveryProvider,
} from '@recovery-gate/core';
import { listAudit } from '../audit/index.js';
import { type CliIo, EXIT } from '../cli/io.js';
import { formatTimeline } from '../cli/timeline.js';
import type { GateConfig } from '../config/index.js';
import { silentLogger } from '../log.js';
import { createGate, type Gate } from '../service.js';
import { breakGlassAuthorizers, withDemoBreakGlass } from './break-glass.js';
import { SCENARIOS } from './cast-scenarios.js';
import { withSchemaDefaults } from './config.js';
import { writeDoctorConfig } from './doctor-config.js';
import { type Exploration, exploreDataDir, openExploreCases, startExploration } from './explore.js';
import { demoPagesSection, registerPagesClients } from './pages.js';
import { openResetUnlockCases, startResetUnlockExploration } from './reset-unlock-explore.js';
import type { ScenarioContext, ScenarioResult } from './scenarios.js';
import { applyGuardrails, type DemoTenant, startTenant } from './tenants.js';

/** Options of the demo. */
export interface DemoOptions {
  /** Run the scenarios and exit. */
  readonly once?: boolean;
  /** Port of the gate. @default 0 (ephemeral) */
  readonly port?: number;
}

/** The demo hold for privileged cases: seconds instead of the baseline's 4 hours, so the demo finishes. */
export const DEMO_HOLD = '5s';

/** The baseline policy with the demo's short hold on T4 and T3, and its break-glass tier (break-glass.ts). */
export function demoPolicy(authorizers: readonly string[] = []) {
  const input = structuredClone(baselinePolicyInput) as unknown as {
    tiers: Record<string, { hold?: { duration: string } }>;
  };
  for (const tier of ['T3', 'T4']) {
    const hold = input.tiers[tier]?.hold;
    if (hold !== undefined) hold.duration = DEMO_HOLD;
  }
  withDemoBreakGlass(input as unknown as PolicyInput, authorizers);
  return parsePolicy(input);
}

function demoConfig(
  dataDir: string,
  port: number,
  pages: unknown,
  authorizers: readonly string[],
): Promise<GateConfig> {
  return withSchemaDefaults({
    ...demoPolicy(authorizers),
    ...(pages === null ? {} : { pages }),
    providers: {},
    notifications: {},
    storage: { dataDir },
    server: { port, host: '127.0.0.1' },
    pollers: { interval: '1s', lookback: '10m', tick: '1s' },
  });
}

function until(ms = 20_000) {
  return async <T>(what: string, check: () => Promise<T | null | undefined>, wait = ms): Promise<T> => {
    const deadline = Date.now() + wait;
    for (;;) {
      const value = await check();
      if (value !== null && value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
}

async function tell(gate: Gate, tenant: DemoTenant, io: CliIo): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const ctx: ScenarioContext = {
    gate,
    tenant,
    say: (l) => io.stdout(`    - ${l}\n`),
    until: until(),
    opened: null,
  };
  for (const scenario of SCENARIOS) {
    let result: ScenarioResult;
    ctx.opened = null;
    try {
      io.stdout(`\n  [${tenant.idp}] ${scenario.name}\n`);
      result = await scenario(ctx);
    } catch (error) {
      result = {
        title: scenario.name,
        caseId: ctx.opened,
        outcome: `error: ${(error as Error).message}`,
        ok: false,
      };
    }
    io.stdout(`    => ${result.ok ? 'ok' : 'NOT AS EXPECTED'}: ${result.title}: ${result.outcome}\n`);
    if (result.caseId !== null) {
      const view = await gate.orchestrator.getCase(result.caseId);
      const records = await listAudit(gate.store, { caseId: result.caseId });
      io.stdout(formatTimeline(view, records, { names: tenant.names, indent: '    ' }));
    }
    results.push(result);
  }
  return results;
}

/** Runs the demo; returns 0 when every scenario behaved as expected. */
export async function runDemoCommand(options: DemoOptions, io: CliIo): Promise<number> {
  const once = options.once === true || io.env.RECOVERY_GATE_DEMO_ONCE === '1';
  const dir = await mkdtemp(join(tmpdir(), 'recovery-gate-demo-'));
  const tenants: DemoTenant[] = [];
  let gate: Gate | undefined;
  let exploration: Exploration | null = null;
  let resetUnlock: Exploration | null = null;
  try {
    io.stdout('Recovery Gate demo: three emulated IdPs, the gate on embedded PostgreSQL (PGlite).\n');
    io.stdout(
      `Demo policy: the baseline, with T3/T4 holds shortened to ${DEMO_HOLD} so the demo finishes.\n`,
    );
    for (const idp of ['okta', 'entra', 'keycloak'] as const) {
      io.stdout(`\n${idp}: starting the emulated tenant, then plan + apply guardrails\n`);
      const tenant = await startTenant(idp);
      tenants.push(tenant);
      await applyGuardrails(tenant, io.stdout);
    }
    const providers = new Map<IdpKind, RecoveryProvider>(tenants.map((t) => [t.idp, t.adapter]));
    const pages = await demoPagesSection(tenants);
    gate = createGate({
      config: await demoConfig(
        join(dir, 'data'),
        options.port ?? 0,
        pages,
        await breakGlassAuthorizers(tenants),
      ),
      providers,
      logger: silentLogger,
      notifier: { send: async () => undefined },
      intake: { pollIntervalMs: 300, workerIntervalMs: 100 },
    });
    await gate.start();
    if (pages !== null) await registerPagesClients(gate, tenants);
    io.stdout(`\nThe gate is running at ${gate.url} (data in ${dir})\n`);
    const results: ScenarioResult[] = [];
    for (const tenant of tenants) results.push(...(await tell(gate, tenant, io)));
    const failed = results.filter((r) => !r.ok);
    io.stdout(`\n${results.length - failed.length}/${results.length} scenarios behaved as expected.\n`);
    if (!once) {
      // The stories changed the cast (alice's and erin's authenticators were reset): explore on fresh tenants.
      await gate.stop();
      gate = undefined;
      for (const t of tenants.splice(0)) await t.close();
      exploration = await startExploration(io, exploreDataDir(dir), options.port ?? 0);
      if (exploration === null) io.stdout('\n(this build serves no pages; the demo drove the case API)\n');
      else await openExploreCases(exploration, io);
      if (exploration !== null) {
        const port = options.port ? options.port + 1 : 0;
        resetUnlock = await startResetUnlockExploration(io, join(dir, 'reset-unlock'), port);
        if (resetUnlock !== null) await openResetUnlockCases(resetUnlock, io);
      }
      if (exploration !== null) {
        const preflight = await writeDoctorConfig(dir, exploration.tenants);
        io.stdout(
          `\nPreflight these tenants as on day one in a real one (read-only):\n  ${preflight.command}\n`,
        );
      }
      await io.untilStopped();
    }
    return failed.length === 0 ? EXIT.ok : EXIT.failure;
  } finally {
    await exploration?.close();
    await resetUnlock?.close();
    await gate?.stop().catch(() => undefined);
    for (const t of tenants) await t.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
