import { baselinePolicy, type NormalizedEvent, type Policy } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { IDPS, startWorld, type World } from './world.js';

async function nativeEvents(world: World, since: string, userId: string): Promise<NormalizedEvent[]> {
  const found: NormalizedEvent[] = [];
  for (const stream of world.adapter.streams) {
    let cursor: string | null = null;
    for (let page = 0; page < 20; page += 1) {
      const result = await world.adapter.readEvents(stream, cursor, { since });
      found.push(...result.events);
      cursor = result.cursor;
      if (!result.more) break;
    }
  }
  return found.filter((e) => e.kind.startsWith('native_') && e.subject.userId === userId);
}

describe.each(IDPS)('native-console bypass on %s', { timeout: 240_000 }, (idp) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  const policy = (mode: 'detect' | 'enforce'): Policy => ({
    ...baselinePolicy,
    bypass: { mode, suspend: false, watch: '72h' },
  });

  it('enforce: a native reset around the policy is remediated (sessions revoked) and alerted', async () => {
    world = await startWorld(idp, policy('enforce'), {}, false);
    const alice = await world.id('alice');
    const since = new Date(world.clock.now.getTime() - 60_000).toISOString();
    await world.probes.nativeReset?.(alice, 'authenticators');
    const session = await world.probes.mintSession(alice);
    const events = await nativeEvents(world, since, alice);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) await world.engine.handleEvent(e);
    for (const e of events) await world.engine.handleEvent(e);
    // One native action (Entra logs a deletion per method): one incident, one alert, one remediation.
    const incidents = await world.engine.listCases({ kind: 'incident', subjectId: alice });
    expect(incidents, events.map((e) => `${e.kind} ${e.sourceType}`).join('; ')).toHaveLength(1);
    expect(incidents.every((c) => c.state === 'completed')).toBe(true);
    await world.probes.awaitRevocation?.();
    expect(await world.probes.refreshTokenWorks(session.refreshToken)).toBe(false);
    const alerts = (text: string) =>
      world?.sent.filter((n) => n.to.kind === 'security' && n.subject.includes(text)) ?? [];
    expect(alerts('bypass detected')).toHaveLength(1);
    expect(alerts('remediated')).toHaveLength(1);
    const grouped = await world.store.query('SELECT count(*)::int AS n FROM case_events WHERE case_id = $1', [
      incidents[0]?.id,
    ]);
    expect(grouped[0]?.n).toBe(new Set(events.map((e) => e.id)).size);
    expect(world.metrics.render()).toMatch(/recovery_bypass_detections_total\{[^}]*mode="enforce"/);
  });

  it('detect: the same bypass is only alerted and recorded', async () => {
    world = await startWorld(idp, policy('detect'), {}, false);
    const alice = await world.id('alice');
    const since = new Date(world.clock.now.getTime() - 60_000).toISOString();
    await world.probes.nativeReset?.(alice, 'authenticators');
    const session = await world.probes.mintSession(alice);
    const events = await nativeEvents(world, since, alice);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) await world.engine.handleEvent(e);
    await world.probes.awaitRevocation?.();
    expect(await world.probes.refreshTokenWorks(session.refreshToken)).toBe(true);
    const incidents = await world.engine.listCases({ kind: 'incident', subjectId: alice });
    expect(incidents.length).toBeGreaterThan(0);
    const view = await world.engine.getCase(incidents[0]?.id ?? '');
    expect(view?.journal.some((j) => j.step === 'revoke')).toBe(false);
    expect(world.metrics.render()).toMatch(/recovery_bypass_detections_total\{[^}]*mode="detect"/);
  });
});
