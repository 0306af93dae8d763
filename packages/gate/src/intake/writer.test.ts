import type { NormalizedEvent } from '@recovery-gate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GATE_MIGRATIONS } from '../store/index.js';
import { testEvent } from '../testing/provider.js';
import { BACKENDS, prepareEmbeddedTemplate, type TestLocation, testLocation } from '../testing/stores.js';
import type { QueryOptions, Store, TransactionOptions } from '../types.js';
import { INBOX_INSERT_CHUNK } from './inbox.js';
import { createInboxWriter } from './writer.js';

beforeAll(() => prepareEmbeddedTemplate(), 180_000);

const at = new Date('2026-03-01T10:00:00Z');

/**
 * The real store, with its inbox writes recorded (what each committed, and how: one statement on its own or a
 * transaction) and controllable: `hold` keeps the next write from starting until released; `refuseCommit`
 * makes the next one to be asked for fail after its inserts (rolled back).
 */
function controlled(store: Store) {
  const committed: string[][] = [];
  const priorities: Array<TransactionOptions['priority']> = [];
  const shapes: Array<'statement' | 'transaction'> = [];
  let held: Promise<void> | null = null;
  let refuse = false;
  const gate = async <T>(run: (failThis: boolean) => Promise<T>): Promise<T> => {
    const failThis = refuse;
    refuse = false;
    const wait = held;
    held = null;
    await wait;
    return run(failThis);
  };
  const keys = (rows: readonly Record<string, unknown>[]): string[] =>
    rows.map((r) => String(r.idempotency_key));
  const wrapped: Store = {
    ...store,
    async query<Row extends Record<string, unknown>>(
      sql: string,
      params?: readonly unknown[],
      options?: QueryOptions,
    ): Promise<Row[]> {
      if (!sql.trimStart().startsWith('INSERT INTO gate_inbox'))
        return store.query<Row>(sql, params, options);
      priorities.push(options?.priority);
      shapes.push('statement');
      return gate(async (failThis) => {
        // A commit that fails after the insert ran: emulated by a transaction that is rolled back.
        const rows = await store.transaction(async (tx) => {
          const inserted = await tx.query<Row>(sql, params);
          if (failThis) throw new Error('commit refused');
          return inserted;
        });
        committed.push(keys(rows));
        return rows;
      });
    },
    async transaction<T>(fn: Parameters<Store['transaction']>[0], options?: TransactionOptions): Promise<T> {
      priorities.push(options?.priority);
      shapes.push('transaction');
      return gate(async (failThis) => {
        const value = await store.transaction(async (tx) => {
          const result = await fn(tx);
          if (failThis) throw new Error('commit refused');
          return result;
        }, options);
        committed.push(value as string[]);
        return value as T;
      });
    },
  };
  return {
    store: wrapped,
    committed,
    priorities,
    shapes,
    hold(): () => void {
      let release!: () => void;
      held = new Promise<void>((resolve) => {
        release = resolve;
      });
      return release;
    },
    refuseCommit() {
      refuse = true;
    },
  };
}

const events = (...ids: string[]): NormalizedEvent[] => ids.map((id) => testEvent(id));
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe.each(BACKENDS)('inbox writer on %s', (backend) => {
  let location: TestLocation;
  let store: Store;

  beforeAll(async () => {
    location = await testLocation(backend);
    store = await location.open();
    await store.migrate(GATE_MIGRATIONS);
  });
  afterAll(async () => {
    await store.close();
    await location.cleanup();
  });
  beforeEach(async () => {
    await store.query('DELETE FROM gate_inbox');
  });

  const stored = async (): Promise<string[]> =>
    (await store.query<{ k: string }>('SELECT idempotency_key AS k FROM gate_inbox ORDER BY 1')).map(
      (r) => r.k,
    );

  it('stores deliveries that arrive during a commit together, in one high-priority statement', async () => {
    const c = controlled(store);
    const writer = createInboxWriter({ store: c.store, now: () => at, maxInFlight: 1 });
    const release = c.hold();
    const first = writer.write(events('a1'));
    await flush();
    // While the first batch waits, three more deliveries arrive; c2 repeats b1 (an IdP retry).
    const later = [
      writer.write(events('b1', 'b2')),
      writer.write(events('c1', 'b1')),
      writer.write(events('d1')),
    ];
    release();
    expect(await first).toBe(1);
    // b1 counts once, for the first delivery that carried it.
    expect(await Promise.all(later)).toEqual([2, 1, 1]);
    expect(c.committed).toEqual([['okta:a1'], ['okta:b1', 'okta:b2', 'okta:c1', 'okta:d1']]);
    expect(c.priorities).toEqual(['high', 'high']);
    // Each batch is one statement committed on its own: no BEGIN and COMMIT around it.
    expect(c.shapes).toEqual(['statement', 'statement']);
    expect(await stored()).toEqual(['okta:a1', 'okta:b1', 'okta:b2', 'okta:c1', 'okta:d1']);
  });

  it('stores a batch larger than one statement in one transaction, all or nothing', async () => {
    const c = controlled(store);
    const writer = createInboxWriter({ store: c.store, now: () => at, maxBatchEvents: 5000 });
    const big = events(...Array.from({ length: INBOX_INSERT_CHUNK + 1 }, (_, i) => `big${i}`));
    c.refuseCommit();
    await expect(writer.write(big)).rejects.toThrow('commit refused');
    expect(c.shapes).toEqual(['transaction']);
    // The first statement's rows went with the failed commit.
    expect(await stored()).toEqual([]);
    expect(await writer.write(big)).toBe(INBOX_INSERT_CHUNK + 1);
    expect(c.priorities).toEqual(['high', 'high']);
    expect((await stored()).length).toBe(INBOX_INSERT_CHUNK + 1);
  });

  it('acknowledges a delivery only once its row is committed', async () => {
    const writer = createInboxWriter({ store, now: () => at });
    const keys = ['e1', 'e2', 'e3', 'e4'];
    // Each write, as it resolves, checks that its own row is already visible to the store.
    const seen = await Promise.all(
      keys.map((id) =>
        writer
          .write(events(id))
          .then(async () => (await store.query('SELECT 1 FROM gate_inbox WHERE event_id = $1', [id])).length),
      ),
    );
    expect(seen).toEqual([1, 1, 1, 1]);
  });

  it('fails every delivery of a batch whose commit fails, and stores none of them', async () => {
    const c = controlled(store);
    const writer = createInboxWriter({ store: c.store, now: () => at, maxInFlight: 1 });
    const release = c.hold();
    const first = writer.write(events('ok1'));
    await flush();
    c.refuseCommit();
    // refuseCommit applies to the next transaction to start: the second batch.
    const failing = [writer.write(events('x1')), writer.write(events('x2', 'x3'))];
    const outcomes = Promise.allSettled(failing);
    release();
    expect(await first).toBe(1);
    const settled = await outcomes;
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(await stored()).toEqual(['okta:ok1']);
    // The writer goes on after a failed batch.
    expect(await writer.write(events('x1'))).toBe(1);
  });

  it('rejects the waiters of a batch whose inserts throw; other batches are unaffected', async () => {
    const writer = createInboxWriter({ store, now: () => at, maxInFlight: 1 });
    const bad = { ...testEvent('bad'), occurredAt: 'not a date' } as NormalizedEvent;
    const [a, b] = await Promise.allSettled([writer.write([bad]), writer.write(events('fine'))]);
    expect(a.status).toBe('rejected');
    expect(b).toEqual({ status: 'fulfilled', value: 1 });
    expect(await stored()).toEqual(['okta:fine']);
  });

  it('never puts more than maxBatchEvents in one batch, and never splits a delivery', async () => {
    const c = controlled(store);
    const writer = createInboxWriter({ store: c.store, now: () => at, maxInFlight: 1, maxBatchEvents: 3 });
    const release = c.hold();
    const first = writer.write(events('m0'));
    await flush();
    const rest = [
      writer.write(events('m1', 'm2')),
      writer.write(events('m3', 'm4')),
      writer.write(events('m5', 'm6', 'm7', 'm8')),
    ];
    release();
    await Promise.all([first, ...rest]);
    expect(c.committed.map((keys) => keys.length)).toEqual([1, 2, 2, 4]);
  });

  it('answers an empty delivery without touching the store', async () => {
    const c = controlled(store);
    const writer = createInboxWriter({ store: c.store, now: () => at });
    expect(await writer.write([])).toBe(0);
    expect(c.priorities).toEqual([]);
  });
});
