/**
 * The running gate's upkeep covers Okta too: the gate's event hook, deactivated in the console, is
 * reactivated and verified by the next run, counted as `restored`; a run over a healthy hook counts nothing.
 */
import { startTestEnvironment } from '@recovery-gate/okta/testing';
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

describe('IdP upkeep by the running gate: Okta', () => {
  it('reactivates the deactivated event hook, once, and counts it', async () => {
    const env = await startTestEnvironment({ emulator: { guardrailsApplied: true } });
    open.push(env);
    await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    const metrics = createMetrics();
    const logs: string[] = [];
    const deps = {
      providers: new Map([['okta' as const, env.adapter]]),
      metrics,
      logger: createLogger({ write: (l) => logs.push(l) }),
      now: () => new Date(env.emulator.control.now()),
    };
    const hook = () => [...env.emulator.control.state.hooks.values()][0];
    await runUpkeep(deps);
    expect(metric(metrics.render(), 'recovery_idp_upkeep_total', 'idp="okta"')).toBeNull();
    const id = hook()?.id ?? '';
    const off = await fetch(`${env.emulator.url}/api/v1/eventHooks/${id}/lifecycle/deactivate`, {
      method: 'POST',
      headers: { authorization: `SSWS ${env.emulator.apiToken}`, accept: 'application/json' },
    });
    await off.arrayBuffer();
    expect(hook()?.status).toBe('INACTIVE');
    await runUpkeep(deps);
    expect(hook()).toMatchObject({ status: 'ACTIVE', verificationStatus: 'VERIFIED' });
    const labels = 'idp="okta",kind="event_hook",op="restored"';
    expect(metric(metrics.render(), 'recovery_idp_upkeep_total', labels)).toBe(1);
    expect(logs.some((l) => l.includes('idp upkeep') && l.includes('restored'))).toBe(true);
    await runUpkeep(deps);
    expect(metric(metrics.render(), 'recovery_idp_upkeep_total', labels)).toBe(1);
    expect(metric(metrics.render(), 'recovery_idp_upkeep_failures_total', 'idp="okta"')).toBeNull();
  });
});
