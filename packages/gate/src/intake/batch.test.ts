/**
 * Catch-up in batches: the inbox worker hands a claim's bypass events to the case engine, which writes them
 * (incidents, journals, audit records, alerts) and marks them done in one transaction. A failure in the
 * middle, or a crash, leaves nothing half-done; each alert is stored and sent once; the chain verifies.
 */

import {
  baselinePolicy,
  createSecret,
  type IdpKind,
  type NormalizedEvent,
  type RecoveryProvider,
} from '@recovery-gate/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog, verifyAudit } from '../audit/index.js';
import { silentLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { createOutboxNotifier, createWebhookTransport } from '../notify/index.js';
import { createFakeIdp } from '../orchestrator/fake-idp.test-helper.js';
import { createOrchestrator } from '../orchestrator/index.js';
import { GATE_MIGRATIONS } from '../store/index.js';
import { type HttpSink, startHttpSink } from '../testing/sinks.js';
import { BACKENDS, prepareEmbeddedTemplate, type TestLocation, testLocation } from '../testing/stores.js';
import type { AuditEntry, AuditLog, Queryable, Store } from '../types.js';
import { insertEvents } from './inbox.js';
import { createInboxWorker, releaseClaims } from './worker.js';

beforeAll(() => prepareEmbeddedTemplate(), 180_000);

/** A bypass: a console reset of `user`'s authenticators by an administrator. */
function bypass(user: string, occurredAt: string): NormalizedEvent {
  return {
    id: `reset-${user}`,
    idp: 'entra',
    kind: 'native_authenticator_reset',
    sourceType: 'Admin deleted security info',
    occurredAt,
    actor: { id: 'u-frank', type: 'user', displayName: 'Frank' },
    subject: { userId: user, login: `${user}@example.com` },
    action: null,
    authenticatorKind: null,
  };
}

/** The alert texts the webhook received, alone or in digests. */
function received(sink: HttpSink): string[] {
  return sink.received.flatMap((r) => {
    const body = JSON.parse(r.body) as { text: string; notifications?: { text: string }[] };
    return body.notifications?.map((n) => n.text) ?? [body.text];
  });
}

describe.each(BACKENDS)('catch-up batches on %s', (backend) => {
  let location: TestLocation;
  let store: Store;
  let sink: HttpSink;
  let clock: Date;
  /** Events whose audit record the chain refuses (a failure in the middle of the batch's transaction). */
  let poisoned: Set<string>;

  beforeAll(async () => {
    location = await testLocation(backend);
    store = await location.open();
    sink = await startHttpSink();
  }, 120_000);
  afterAll(async () => {
    await store.close();
    await location.cleanup();
    await sink.close();
  });
  beforeEach(() => {
    clock = new Date('2026-03-01T10:00:00Z');
    poisoned = new Set();
    sink.received.length = 0;
  });
  afterEach(async () => {
    await store.query(
      `TRUNCATE gate_inbox, case_events, case_journal, cases, notification_outbox, audit_records CASCADE`,
    );
    await store.query('UPDATE audit_head SET seq = 0, hash = $1 WHERE id = 1', ['0'.repeat(64)]);
  });

  /** The gate's intake side on `s`: a fresh engine, outbox and worker, as after a (re)start. */
  async function gate(s: Store) {
    const chain = createAuditLog(s, () => clock);
    const refuse = (entries: readonly AuditEntry[]) => {
      if (entries.some((e) => poisoned.has(String(e.data.event))))
        throw new Error('audit refused (test fault)');
    };
    const audit: AuditLog = {
      async append(entry, tx) {
        refuse([entry]);
        await chain.append(entry, tx);
      },
      async appendMany(entries, tx) {
        refuse(entries);
        await chain.appendMany(entries, tx);
      },
    };
    const metrics = createMetrics();
    const notifier = createOutboxNotifier({
      store: s,
      transports: { security: createWebhookTransport({ url: createSecret(`${sink.url}/security`) }) },
      logger: silentLogger,
      metrics,
      now: () => clock,
    });
    const idp = createFakeIdp('entra', () => clock);
    const engine = createOrchestrator({
      store: s,
      providers: new Map<IdpKind, RecoveryProvider>([['entra', idp.provider]]),
      policy: { ...baselinePolicy, bypass: { mode: 'detect', suspend: false, watch: '72h' } },
      audit,
      notifier,
      metrics,
      logger: silentLogger,
      now: () => clock,
      baseUrl: 'https://gate.test',
    });
    await s.migrate([...GATE_MIGRATIONS, ...engine.migrations]);
    const worker = createInboxWorker({
      store: s,
      orchestrator: engine,
      logger: silentLogger,
      metrics,
      now: () => clock,
      backoffMs: 1000,
    });
    return { worker, notifier };
  }

  /** `n` bypasses of `n` different accounts, stored in the inbox (one claim takes them all). */
  async function backlog(n: number): Promise<NormalizedEvent[]> {
    const events = Array.from({ length: n }, (_, i) =>
      bypass(`u-${i}`, new Date(clock.getTime() - (n - i) * 1000).toISOString()),
    );
    await insertEvents(store, events, 'poll:directoryAudits', clock);
    return events;
  }

  const count = async (sql: string): Promise<number> =>
    Number((await store.query<{ n: number }>(sql))[0]?.n ?? 0);

  async function expectAllDoneOnce(n: number): Promise<void> {
    expect(await count(`SELECT count(*)::int AS n FROM gate_inbox WHERE status = 'done'`)).toBe(n);
    expect(await count(`SELECT count(*)::int AS n FROM cases WHERE kind = 'incident'`)).toBe(n);
    expect(await count(`SELECT count(*)::int AS n FROM case_events`)).toBe(n);
    expect(await count(`SELECT count(*)::int AS n FROM audit_records WHERE type = 'bypass.detected'`)).toBe(
      n,
    );
    // Each alert stored once, sent once, received once.
    expect(await count(`SELECT count(*)::int AS n FROM notification_outbox WHERE status = 'sent'`)).toBe(n);
    const texts = received(sink);
    expect(texts).toHaveLength(n);
    expect(new Set(texts.map((t) => /Incident ([\w-]+)/.exec(t)?.[1])).size).toBe(n);
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: n });
  }

  it('handles a backlog in one batch: one chain append, every alert once, in digests', async () => {
    const { worker } = await gate(store);
    await backlog(120);
    expect(await worker.runOnce()).toBe(120);
    await expectAllDoneOnce(120);
    // 120 alerts in digests of at most 50, not 120 webhook calls.
    expect(sink.received).toHaveLength(3);
    // Run again: nothing is due, nothing is sent again.
    expect(await worker.runOnce()).toBe(0);
    expect(received(sink)).toHaveLength(120);
  });

  it('a failure in the middle of a batch writes nothing of it; the others go one at a time, the bad one is retried', async () => {
    const { worker } = await gate(store);
    const events = await backlog(30);
    const bad = events[14] as NormalizedEvent;
    poisoned.add(bad.id);
    expect(await worker.runOnce()).toBe(30);
    // The 29 others were processed (after the batch rolled back, each in its own transaction), the bad one
    // is pending for a retry with nothing of it written.
    expect(await count(`SELECT count(*)::int AS n FROM gate_inbox WHERE status = 'done'`)).toBe(29);
    const [row] = await store.query<{ status: string; attempts: number; last_error: string }>(
      'SELECT status, attempts, last_error FROM gate_inbox WHERE event_id = $1',
      [bad.id],
    );
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row?.last_error).toContain('audit refused');
    expect(
      await count(`SELECT count(*)::int AS n FROM case_events WHERE event_key = 'entra:${bad.id}'`),
    ).toBe(0);
    expect(received(sink)).toHaveLength(29);
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: 29 });
    // The fault clears; after the back-off the event is processed, once.
    poisoned.clear();
    clock = new Date(clock.getTime() + 60_000);
    expect(await worker.runOnce()).toBe(1);
    await expectAllDoneOnce(30);
  });

  it('a crash mid-batch leaves the batch undone (claimed, nothing written); the restart processes it once', async () => {
    // A store that "dies" at the batch's last statement (marking its events done, before the commit):
    // from then on every statement fails, as in a process that is gone.
    let dead = false;
    const dies = (q: Queryable): Queryable => ({
      query(sql, params) {
        if (!dead && /^\s*UPDATE gate_inbox SET status = 'done'/.test(sql)) dead = true;
        if (dead) return Promise.reject(new Error('process killed (test fault)'));
        return q.query(sql, params);
      },
    });
    const dying: Store = {
      ...store,
      kind: store.kind,
      query: (sql, params, options) =>
        dead ? Promise.reject(new Error('process killed (test fault)')) : store.query(sql, params, options),
      transaction: (fn, options) => store.transaction((tx) => fn(dies(tx)), options),
      withLock: (name, fn) => store.withLock(name, fn),
      migrate: (m) => store.migrate(m),
      close: async () => undefined,
    };
    const first = await gate(dying);
    await backlog(40);
    await expect(first.worker.runOnce()).rejects.toThrow('process killed');
    // State after the crash: every event claimed, none done, nothing of the batch written or sent.
    expect(await count(`SELECT count(*)::int AS n FROM gate_inbox WHERE status = 'processing'`)).toBe(40);
    expect(await count('SELECT count(*)::int AS n FROM cases')).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM audit_records')).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM notification_outbox')).toBe(0);
    expect(sink.received).toHaveLength(0);
    // The restart: the embedded store's one process gives its claims back (PostgreSQL: the leases lapse).
    if (backend === 'pglite') await releaseClaims(store);
    else clock = new Date(clock.getTime() + 11_000);
    const second = await gate(store);
    expect(await second.worker.runOnce()).toBe(40);
    await expectAllDoneOnce(40);
    await second.notifier.drain();
    expect(received(sink)).toHaveLength(40);
  });
});
