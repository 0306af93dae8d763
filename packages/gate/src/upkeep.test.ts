/**
 * D12: Entra change-notification subscriptions expire (at most 41,760 minutes) and Graph deletes them; the
 * running gate renews them before they expire, or recreates them, without an `apply`.
 */
import { startTestEnvironment } from '@recovery-gate/entra/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './log.js';
import { createMetrics } from './metrics.js';
import { runUpkeep } from './upkeep.js';

const DAY = 86_400_000;
type Env = Awaited<ReturnType<typeof startTestEnvironment>>;
const open: Env[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function setup() {
  const env = await startTestEnvironment();
  open.push(env);
  await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
  const metrics = createMetrics();
  const logs: string[] = [];
  const now = () => new Date(env.emulator.control.now());
  const deps = {
    providers: new Map([['entra' as const, env.adapter]]),
    metrics,
    logger: createLogger({ write: (l) => logs.push(l) }),
    now,
  };
  const subs = () => [...env.emulator.control.tenant.subscriptions.values()];
  return { env, deps, metrics, logs, subs, now };
}

/** The value of one metric line, e.g. `recovery_idp_upkeep_total{idp="entra",kind="subscription",op="renewed"}`. */
function metric(text: string, name: string, labels: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? null : Number(line.split(' ').at(-1));
}

describe('IdP upkeep by the running gate', () => {
  it('renews Entra subscriptions with less than 7 days left, counts them and reports the next expiry', async () => {
    const { env, deps, metrics, subs, now } = await setup();
    expect(subs()).toHaveLength(6);
    await runUpkeep(deps);
    expect(metric(metrics.render(), 'recovery_idp_upkeep_total', 'op="renewed"')).toBeNull();
    env.emulator.control.advanceClock(23 * DAY);
    await runUpkeep(deps);
    expect(subs()).toHaveLength(6);
    for (const s of subs())
      expect(Date.parse(s.expirationDateTime) - now().getTime()).toBeGreaterThan(28 * DAY);
    const text = metrics.render();
    expect(metric(text, 'recovery_idp_upkeep_total', 'op="renewed"')).toBe(6);
    expect(metric(text, 'recovery_idp_upkeep_expiry_seconds', 'idp="entra"')).toBeGreaterThan(28 * 86_400);
  });

  it('recreates subscriptions Graph deleted when they expired, once', async () => {
    const { env, deps, metrics, subs } = await setup();
    env.emulator.control.advanceClock(30 * DAY);
    expect(
      [...(await env.adapter.planGuardrails()).changes].filter((c) => c.resource === 'subscription'),
    ).toEqual(expect.arrayContaining([expect.objectContaining({ op: 'create' })]));
    await runUpkeep(deps);
    expect(subs()).toHaveLength(6);
    expect(metric(metrics.render(), 'recovery_idp_upkeep_total', 'op="created"')).toBe(6);
    await runUpkeep(deps);
    expect(metric(metrics.render(), 'recovery_idp_upkeep_total', 'op="created"')).toBe(6);
  });

  it('a failing upkeep is counted and logged, and never throws', async () => {
    const { env, deps, metrics, logs } = await setup();
    await env.close();
    open.splice(0);
    await runUpkeep(deps);
    expect(metric(metrics.render(), 'recovery_idp_upkeep_failures_total', 'idp="entra"')).toBe(1);
    expect(logs.some((l) => l.includes('idp upkeep failed'))).toBe(true);
  });
});
