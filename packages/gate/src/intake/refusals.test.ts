import type { HookRequest, IdpKind, RecoveryProvider } from '@recovery-gate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { GATE_MIGRATIONS } from '../store/index.js';
import { createMemoryAudit, createRecordingOrchestrator } from '../testing/doubles.js';
import { createTestProvider } from '../testing/provider.js';
import { type TestLocation, testLocation } from '../testing/stores.js';
import type { Notification, Store } from '../types.js';
import { createIntake, type Intake, REFUSAL_WINDOW_MS } from './index.js';

const SECRET = 'hook-secret-value-1234';

function post(body: string, authorization: string | null): HookRequest {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
    query: {},
    body,
  };
}

/** Issue 22, item 3 (and item 4's malformed/oversized alert): refused hooks alert, aggregated per source. */
describe('refused hooks', () => {
  let location: TestLocation;
  let store: Store;
  let clock: Date;
  let audit: ReturnType<typeof createMemoryAudit>;
  let sent: Notification[];
  let intake: Intake;

  beforeAll(async () => {
    location = await testLocation('pglite');
    store = await location.open();
    await store.migrate(GATE_MIGRATIONS);
  }, 180_000);
  afterAll(async () => {
    await store.close();
    await location.cleanup();
  });
  beforeEach(async () => {
    await store.query('TRUNCATE security_alerts');
    clock = new Date('2026-03-01T10:00:00Z');
    audit = createMemoryAudit();
    sent = [];
    intake = createIntake({
      store,
      providers: new Map<IdpKind, RecoveryProvider>([['okta', createTestProvider('okta', SECRET)]]),
      orchestrator: createRecordingOrchestrator(),
      audit,
      metrics: createMetrics(),
      logger: silentLogger,
      now: () => clock,
      notifier: { send: async (n) => void sent.push(n) },
    });
  });

  const alerts = () =>
    store.query<{ kind: string; data: { count: number; remoteAddress: string } }>(
      'SELECT kind, data FROM security_alerts ORDER BY id',
    );

  it('500 forged hooks in 10 s from one source add one record at once and one with the count later', async () => {
    for (let batch = 0; batch < 10; batch += 1) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          intake.hook('okta', post('{"events":[]}', `guess-${batch}-${i}`), { remoteAddress: '203.0.113.7' }),
        ),
      );
      expect(answers.every((a) => a.status === 401)).toBe(true);
      clock = new Date(clock.getTime() + 1000);
    }
    await intake.hook('okta', post('{"events":[]}', 'other'), { remoteAddress: '198.51.100.2' });
    expect(audit.entries).toHaveLength(2);
    expect(await intake.refusals.flush()).toBe(0); // the window is still open
    clock = new Date(clock.getTime() + REFUSAL_WINDOW_MS);
    expect(await intake.refusals.flush()).toBe(1);
    const rows = await alerts();
    expect(rows.map((r) => [r.kind, r.data.remoteAddress, r.data.count])).toEqual([
      ['hook.forged', '203.0.113.7', 1],
      ['hook.forged', '198.51.100.2', 1],
      ['hook.forged', '203.0.113.7', 499],
    ]);
    expect(audit.entries).toHaveLength(3);
    expect(sent.length).toBeLessThanOrEqual(1); // notifications stay throttled per kind
    expect(JSON.stringify(rows) + JSON.stringify(audit.entries)).not.toContain('guess-');
  });

  it('malformed and oversized deliveries raise the alert the security model promises', async () => {
    const malformed = await intake.hook('okta', post('{not json', SECRET), { remoteAddress: '10.0.0.5' });
    expect(malformed.status).toBe(400);
    const big = await intake.hook('okta', post(`{"pad":"${'x'.repeat(300 * 1024)}"}`, null), {
      remoteAddress: '10.0.0.6',
    });
    expect(big.status).toBe(413);
    expect((await alerts()).map((r) => [r.kind, r.data.remoteAddress])).toEqual([
      ['hook.malformed', '10.0.0.5'],
      ['hook.too_large', '10.0.0.6'],
    ]);
    expect(audit.entries.map((e) => e.type)).toEqual(['hook.malformed', 'hook.too_large']);
  });

  it('many sources stay bounded: past the tracked number they are summed under *', async () => {
    for (let i = 0; i < 150; i += 1) {
      await intake.hook('okta', post('{"events":[]}', 'x'), { remoteAddress: `192.0.2.${i}` });
    }
    expect(audit.entries).toHaveLength(101);
    clock = new Date(clock.getTime() + REFUSAL_WINDOW_MS);
    await intake.refusals.flush();
    const rows = await alerts();
    expect(rows.at(-1)?.data).toMatchObject({ remoteAddress: '*', count: 49 });
  });
});
