import type { NormalizedEvent } from '@recovery-gate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { GATE_MIGRATIONS } from '../store/index.js';
import { testEvent } from '../testing/provider.js';
import { type TestLocation, testLocation } from '../testing/stores.js';
import type { Store } from '../types.js';
import { createInboxWorker, insertEvents } from './index.js';

describe('two gate replicas sharing one PostgreSQL inbox', () => {
  let location: TestLocation;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    location = await testLocation('postgres');
    a = await location.open();
    b = await location.open();
    await Promise.all([a.migrate(GATE_MIGRATIONS), b.migrate(GATE_MIGRATIONS)]);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await location.cleanup();
  });

  it('processes every event exactly once, in occurrence order per subject', async () => {
    const events: NormalizedEvent[] = [];
    for (let s = 0; s < 8; s += 1) {
      for (let n = 0; n < 5; n += 1) {
        const minute = String(10 + ((n * 7 + s) % 5) * 5 + n).padStart(2, '0');
        events.push(
          testEvent(`s${s}-e${n}`, {
            occurredAt: `2026-03-01T09:${minute}:00.000Z`,
            subject: { userId: `user-${s}`, login: null },
          }),
        );
      }
    }
    // Delivered shuffled: out of order within each subject.
    const shuffled = [...events].sort((x, y) =>
      x.id.split('').reverse().join('') < y.id.split('').reverse().join('') ? -1 : 1,
    );
    await a.transaction((tx) => insertEvents(tx, shuffled, 'hook', new Date('2026-03-01T10:00:00Z')));

    const processed: { replica: string; event: NormalizedEvent }[] = [];
    const worker = (store: Store, replica: string) =>
      createInboxWorker({
        store,
        now: () => new Date('2026-03-01T10:00:01Z'),
        logger: createLogger({ write: () => {} }),
        metrics: createMetrics(),
        batchSize: 3,
        orchestrator: {
          async handleEvent(event) {
            processed.push({ replica, event });
            await new Promise((r) => setTimeout(r, 2));
          },
        },
      });
    const [na, nb] = await Promise.all([worker(a, 'a').runOnce(), worker(b, 'b').runOnce()]);
    expect(na + nb).toBe(40);
    expect(na).toBeGreaterThan(0);
    expect(nb).toBeGreaterThan(0);
    const ids = processed.map((p) => p.event.id);
    expect(new Set(ids).size).toBe(40);
    for (let s = 0; s < 8; s += 1) {
      const times = processed
        .filter((p) => p.event.subject.userId === `user-${s}`)
        .map((p) => p.event.occurredAt);
      expect(times).toEqual([...times].sort());
    }
    const [left] = await a.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM gate_inbox WHERE status <> 'done'",
    );
    expect(left?.n).toBe(0);
  });
});
