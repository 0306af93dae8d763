/**
 * The running gate's upkeep covers Keycloak too: the realm's login and admin events, turned off in the
 * console, are turned back on by the next run, counted as `restored`; a run over a healthy realm counts nothing.
 */

import { startTestEnvironment } from '@recovery-gate/keycloak/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './log.js';
import { createMetrics } from './metrics.js';
import { runUpkeep } from './upkeep.js';

type Env = Awaited<ReturnType<typeof startTestEnvironment>>;
const open: Env[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

function metric(text: string, name: string, labels: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? null : Number(line.split(' ').at(-1));
}

describe('IdP upkeep by the running gate: Keycloak', () => {
  it('turns the realm events back on, once, and counts it', async () => {
    const env = await startTestEnvironment({ guardrailsApplied: true });
    open.push(env);
    const metrics = createMetrics();
    const logs: string[] = [];
    const deps = {
      providers: new Map([['keycloak' as const, env.adapter]]),
      metrics,
      logger: createLogger({ write: (l) => logs.push(l) }),
      now: () => new Date(env.emu.control.now()),
    };
    await runUpkeep(deps);
    expect(metric(metrics.render(), 'recovery_idp_upkeep_total', 'idp="keycloak"')).toBeNull();
    const settings = env.emu.control.realm.settings;
    settings.eventsEnabled = false;
    settings.adminEventsEnabled = false;
    await runUpkeep(deps);
    expect(settings).toMatchObject({ eventsEnabled: true, adminEventsEnabled: true });
    const labels = 'idp="keycloak",kind="realm_events_config",op="restored"';
    expect(metric(metrics.render(), 'recovery_idp_upkeep_total', labels)).toBe(1);
    expect(logs.some((l) => l.includes('idp upkeep') && l.includes('restored'))).toBe(true);
    await runUpkeep(deps);
    expect(metric(metrics.render(), 'recovery_idp_upkeep_total', labels)).toBe(1);
    expect(metric(metrics.render(), 'recovery_idp_upkeep_failures_total', 'idp="keycloak"')).toBeNull();
  });
});
