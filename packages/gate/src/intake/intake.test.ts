import { GateError, type HookRequest, type IdpKind, type RecoveryProvider } from '@recovery-gate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { GATE_MIGRATIONS } from '../store/index.js';
import { createMemoryAudit, createRecordingOrchestrator } from '../testing/doubles.js';
import { createTestProvider, type TestProvider, testEvent } from '../testing/provider.js';
import { BACKENDS, prepareEmbeddedTemplate, type TestLocation, testLocation } from '../testing/stores.js';
import type { Metrics, Store } from '../types.js';
import {
  createInboxWorker,
  createIntake,
  createPoller,
  type Intake,
  pruneSettled,
  readCursor,
  releaseClaims,
} from './index.js';

const SECRET = 'hook-secret-value-1234';

function post(body: unknown, authorization: string | null = SECRET): HookRequest {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
    query: {},
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

beforeAll(() => prepareEmbeddedTemplate(), 180_000);

describe.each(BACKENDS)('intake on %s', (backend) => {
  let location: TestLocation;
  let store: Store;
  let clock: Date;
  let provider: TestProvider;
  let orchestrator: ReturnType<typeof createRecordingOrchestrator>;
  let audit: ReturnType<typeof createMemoryAudit>;
  let metrics: Metrics;
  let logs: string[];
  let intake: Intake;

  const build = (s: Store = store): Intake =>
    createIntake({
      store: s,
      providers: new Map<IdpKind, RecoveryProvider>([['okta', provider]]),
      orchestrator,
      audit,
      metrics,
      logger: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
      now: () => clock,
      options: { worker: { backoffMs: 1000, maxAttempts: 3 } },
    });

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
    await store.query('TRUNCATE gate_inbox, gate_cursors, security_alerts');
    clock = new Date('2026-03-01T10:00:00Z');
    provider = createTestProvider('okta', SECRET);
    orchestrator = createRecordingOrchestrator();
    audit = createMemoryAudit();
    metrics = createMetrics();
    logs = [];
    intake = build();
  });

  const inboxCount = async () =>
    (await store.query<{ n: number }>('SELECT count(*)::int AS n FROM gate_inbox'))[0]?.n;

  it('stores a delivery before acknowledging it and processes each key once', async () => {
    const event = testEvent('e1');
    expect((await intake.hook('okta', post({ events: [event] }))).status).toBe(200);
    expect((await intake.hook('okta', post({ events: [event, event] }))).status).toBe(200);
    expect(await inboxCount()).toBe(1);
    expect(orchestrator.events).toEqual([]); // asynchronous: nothing processed before the worker runs
    expect(await intake.worker.runOnce()).toBe(1);
    expect(await intake.worker.runOnce()).toBe(0);
    expect(orchestrator.events).toEqual([event]);
    // The same event arriving later by polling is still a no-op.
    provider.log.set('system_log', [event]);
    await intake.pollers[0]?.pollOnce();
    expect(await intake.worker.runOnce()).toBe(0);
    expect(orchestrator.events).toHaveLength(1);
    expect(metrics.render()).toContain('recovery_hook_ack_seconds_count{idp="okta"} 2');
  });

  it('answers a verification handshake directly and stores nothing', async () => {
    const response = await intake.hook('okta', {
      method: 'GET',
      headers: { 'x-verification-challenge': 'abc' },
      query: {},
      body: '',
    });
    expect(response).toMatchObject({ status: 200, body: '{"verification":"abc"}' });
    expect(await inboxCount()).toBe(0);
  });

  it('refuses malformed, oversized and unknown-IdP deliveries with a 4xx and stores nothing', async () => {
    expect((await intake.hook('okta', post('{not json'))).status).toBe(400);
    expect((await intake.hook('okta', post({ nope: 1 }))).status).toBe(400);
    const big = post({ events: [], pad: 'x'.repeat(300 * 1024) });
    const tooLarge = await intake.hook('okta', big);
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body)).toEqual({
      error: { code: 'ERR_HOOK_TOO_LARGE', message: 'The hook body is larger than allowed.' },
    });
    expect((await intake.hook('entra', post({ events: [testEvent('x')] }))).status).toBe(404);
    expect(await inboxCount()).toBe(0);
  });

  it('refuses a forged hook with 401, raises an alert, audits and counts it, never keeping the secret', async () => {
    const forgedSecret = 'attacker-guess-987654';
    const response = await intake.hook('okta', post({ events: [testEvent('f1')] }, forgedSecret), {
      remoteAddress: '127.0.0.9',
    });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).error.code).toBe('ERR_HOOK_UNAUTHENTICATED');
    expect(await inboxCount()).toBe(0);
    const alerts = await store.query<{ kind: string; idp: string; data: Record<string, unknown> }>(
      'SELECT kind, idp, data FROM security_alerts',
    );
    expect(alerts).toMatchObject([
      { kind: 'hook.forged', idp: 'okta', data: { remoteAddress: '127.0.0.9', method: 'POST' } },
    ]);
    expect(audit.entries).toMatchObject([{ type: 'hook.forged', caseId: null, actor: 'idp:okta' }]);
    expect(metrics.render()).toContain('recovery_hooks_forged_total{idp="okta"} 1');
    const everything = JSON.stringify(alerts) + JSON.stringify(audit.entries) + logs.join('');
    expect(everything).not.toContain(forgedSecret);
    expect(everything).not.toContain(SECRET);
    // No secret at all is also forged.
    expect((await intake.hook('okta', post({ events: [] }, null))).status).toBe(401);
  });

  it('answers 5xx, never 2xx, when the durable insert fails', async () => {
    // The disk refuses every write: the inbox insert (one statement on its own, or in a transaction).
    const failing: Store = {
      ...store,
      query: (sql, params, options) =>
        sql.trimStart().startsWith('INSERT')
          ? Promise.reject(new Error('disk full'))
          : store.query(sql, params, options),
      transaction: () => Promise.reject(new Error('disk full')),
    };
    const response = await build(failing).hook('okta', post({ events: [testEvent('e9')] }));
    expect(response.status).toBe(503);
    expect(response.body).not.toContain('disk full');
    expect(await inboxCount()).toBe(0);
  });

  it('retries a failed event with backoff and processes it once it succeeds', async () => {
    orchestrator.failFor.set('r1', 1);
    await intake.hook('okta', post({ events: [testEvent('r1')] }));
    expect(await intake.worker.runOnce()).toBe(1);
    expect(orchestrator.events).toEqual([]);
    expect(await intake.worker.runOnce()).toBe(0); // backoff not over
    clock = new Date(clock.getTime() + 1000);
    expect(await intake.worker.runOnce()).toBe(1);
    expect(orchestrator.events.map((e) => e.id)).toEqual(['r1']);
    const [row] = await store.query("SELECT status, attempts FROM gate_inbox WHERE event_id = 'r1'");
    expect(row).toEqual({ status: 'done', attempts: 2 });
  });

  it('marks an event failed after maxAttempts and raises an alert', async () => {
    orchestrator.failFor.set('p1', 99);
    await intake.hook('okta', post({ events: [testEvent('p1')] }));
    for (let i = 0; i < 3; i += 1) {
      await intake.worker.runOnce();
      clock = new Date(clock.getTime() + 3_600_000);
    }
    const [row] = await store.query(
      "SELECT status, attempts, last_error FROM gate_inbox WHERE event_id = 'p1'",
    );
    expect(row).toEqual({ status: 'failed', attempts: 3, last_error: 'scripted failure for p1' });
    expect(audit.entries.map((e) => e.type)).toEqual(['event.failed']);
  });

  it('processes events of one subject in occurrence order, whatever the delivery order', async () => {
    const later = testEvent('b', { occurredAt: '2026-03-01T09:05:00Z', kind: 'native_password_reset' });
    const earlier = testEvent('a', { occurredAt: '2026-03-01T09:01:00Z' });
    const other = testEvent('c', {
      occurredAt: '2026-03-01T09:03:00Z',
      subject: { userId: 'user-2', login: null },
    });
    await intake.hook('okta', post({ events: [later] }));
    await intake.hook('okta', post({ events: [other, earlier] }));
    orchestrator.failFor.set('a', 1);
    await intake.worker.runOnce();
    // `a` failed and waits for its retry; `b` (same subject, later) must wait too; `c` is independent.
    expect(orchestrator.events.map((e) => e.id)).toEqual(['c']);
    clock = new Date(clock.getTime() + 1000);
    await intake.worker.runOnce();
    expect(orchestrator.events.map((e) => e.id)).toEqual(['c', 'a', 'b']);
  });

  it('releases claims left by a crashed run so their events are processed again', async () => {
    await intake.hook('okta', post({ events: [testEvent('k1')] }));
    // A run that claimed the event and died before finishing it.
    await store.query("UPDATE gate_inbox SET status = 'processing', locked_until = $1", [
      '2026-03-01T12:00:00Z',
    ]);
    expect(await intake.worker.runOnce()).toBe(0);
    expect(await releaseClaims(store)).toBe(1);
    expect(await intake.worker.runOnce()).toBe(1);
    expect(orchestrator.events.map((e) => e.id)).toEqual(['k1']);
  });

  it('takes over an expired claim after its lease (another replica died)', async () => {
    await intake.hook('okta', post({ events: [testEvent('l1')] }));
    await store.query("UPDATE gate_inbox SET status = 'processing', locked_until = $1", [
      '2026-03-01T10:01:00Z',
    ]);
    expect(await intake.worker.runOnce()).toBe(0);
    clock = new Date('2026-03-01T10:01:01Z');
    expect(await intake.worker.runOnce()).toBe(1);
    expect(orchestrator.events.map((e) => e.id)).toEqual(['l1']);
  });

  it('prunes settled events older than the retention, keeping pending ones', async () => {
    await intake.hook(
      'okta',
      post({
        events: [testEvent('old-done'), testEvent('old-pending', { subject: { userId: 'u9', login: null } })],
      }),
    );
    await store.query("UPDATE gate_inbox SET status = 'done' WHERE event_id = 'old-done'");
    expect(await pruneSettled(store, new Date('2026-03-01T09:59:59Z'))).toBe(0);
    expect(await pruneSettled(store, new Date('2026-03-01T10:00:01Z'))).toBe(1);
    const left = await store.query<{ event_id: string }>('SELECT event_id FROM gate_inbox');
    expect(left.map((r) => r.event_id)).toEqual(['old-pending']);
  });

  it('handles different subjects concurrently, one event per subject at a time', async () => {
    const events = ['w1', 'w2', 'w3', 'w4'].map((id, i) =>
      testEvent(id, {
        subject: { userId: `cw${i % 2}`, login: null },
        occurredAt: `2026-03-01T09:0${i}:00Z`,
      }),
    );
    await intake.hook('okta', post({ events }));
    let active = 0;
    let peak = 0;
    const seen: string[] = [];
    const worker = createInboxWorker({
      store,
      now: () => clock,
      logger: createLogger({ write: () => {} }),
      metrics,
      concurrency: 4,
      orchestrator: {
        async handleEvent(event) {
          active += 1;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 20));
          seen.push(event.id);
          active -= 1;
        },
      },
    });
    expect(await worker.runOnce()).toBe(4);
    expect(peak).toBe(2); // two subjects: never two events of one subject at once
    expect(seen.indexOf('w1')).toBeLessThan(seen.indexOf('w3'));
    expect(seen.indexOf('w2')).toBeLessThan(seen.indexOf('w4'));
  });

  it('paces claims under a stream of events: those stored during the pause are claimed and settled together', async () => {
    const batches: string[][] = [];
    const pauses: number[] = [];
    let hold = false;
    let announce = (): void => undefined;
    const paused = new Promise<void>((r) => {
      announce = r;
    });
    let resume = (): void => undefined;
    const worker = createInboxWorker({
      store,
      now: () => clock,
      logger: createLogger({ write: () => {} }),
      metrics,
      pauseMs: 60_000,
      sleep: (ms) => {
        pauses.push(ms);
        if (!hold) return Promise.resolve();
        announce();
        return new Promise<void>((r) => {
          resume = r;
        });
      },
      orchestrator: {
        async handleEvent(event) {
          batches.push([event.id]);
        },
        async handleEventBatch(events) {
          batches.push([`after ${pauses.length} pauses:`, ...events.map((e) => e.id)]);
          return [];
        },
      },
    });
    const deliver = (id: string) =>
      intake.hook('okta', post({ events: [testEvent(id, { subject: { userId: `u-${id}`, login: null } })] }));
    await deliver('p1');
    // The first claim after a quiet spell does not wait; the next (empty) one waits out the pause.
    expect(await worker.runOnce()).toBe(1);
    expect(batches).toEqual([['after 0 pauses:', 'p1']]);
    expect(pauses).toHaveLength(1);
    // A run right after waits out the pause too; what arrives meanwhile is claimed and handled together.
    hold = true;
    const second = worker.runOnce();
    await paused;
    hold = false;
    await deliver('p2');
    await deliver('p3');
    resume();
    expect(await second).toBe(2);
    expect(batches).toEqual([
      ['after 0 pauses:', 'p1'],
      ['after 2 pauses:', 'p2', 'p3'],
    ]);
    for (const ms of pauses) expect(ms).toBeGreaterThan(0);
    for (const ms of pauses) expect(ms).toBeLessThanOrEqual(60_000);
    const [row] = await store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM gate_inbox WHERE status = 'done'`,
    );
    expect(row?.n).toBe(3);
  });

  it('retries a failing poll with back-off up to its bound, then alerts once; the stream resumes from its cursor', async () => {
    provider.log.set('admin_events', [testEvent('o1'), testEvent('o2'), testEvent('o3')]);
    // The IdP is down: every read fails past the adapter's own retries.
    let down = true;
    const read = provider.readEvents.bind(provider);
    provider.readEvents = async (stream, cursor, options) => {
      if (down) {
        provider.reads.push({ stream, cursor });
        throw new GateError('ERR_IDP_UNAVAILABLE', 'Okta answered HTTP 503 past the retry bound.');
      }
      return read(stream, cursor, options);
    };
    const failing = createIntake({
      store,
      providers: new Map<IdpKind, RecoveryProvider>([['okta', provider]]),
      orchestrator,
      audit,
      metrics,
      logger: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
      now: () => clock,
      options: {
        pollIntervalMs: 3_600_000,
        pollRetry: { baseMs: 10, maxFailures: 3 },
        streams: { okta: ['admin_events'] },
      },
    });
    const alerts = () =>
      store.query<{ kind: string; idp: string; data: Record<string, unknown> }>(
        `SELECT kind, idp, data FROM security_alerts WHERE kind = 'poll.failing'`,
      );
    failing.start();
    try {
      // Three runs, the second and third after a back-off (the interval is an hour), then one alert.
      await vi.waitFor(async () => expect(await alerts()).toHaveLength(1), { timeout: 20_000 });
      expect(provider.reads).toHaveLength(3);
      expect((await alerts())[0]).toMatchObject({
        idp: 'okta',
        data: { stream: 'admin_events', failures: 3, error: expect.stringContaining('ERR_IDP_UNAVAILABLE') },
      });
      expect(failing.pollers[0]?.failures).toBe(3);
      expect(metrics.render()).toContain('recovery_poller_errors_total{idp="okta",stream="admin_events"} 3');
      expect(await readCursor(store, 'okta', 'admin_events')).toBeNull();
      // The IdP is back: the next poll reads the whole backlog from where it was, and nothing more is raised.
      down = false;
      failing.pollNow('okta', 'admin_events');
      await vi.waitFor(
        () => expect(orchestrator.events.map((e) => e.id).sort()).toEqual(['o1', 'o2', 'o3']),
        { timeout: 20_000 },
      );
      expect(await readCursor(store, 'okta', 'admin_events')).toBe('3');
      expect(failing.pollers[0]?.failures).toBe(0);
      expect(await alerts()).toHaveLength(1);
    } finally {
      await failing.stop();
    }
  });

  it('triggers an immediate poll of the stream a delivery hints at', async () => {
    provider.log.set('admin_events', [testEvent('h1')]);
    intake.start();
    try {
      await intake.hook('okta', post({ events: [], resync: ['admin_events'] }));
      await vi.waitFor(async () => expect(await readCursor(store, 'okta', 'admin_events')).toBe('1'), {
        timeout: 20_000,
      });
      await vi.waitFor(() => expect(orchestrator.events.map((e) => e.id)).toEqual(['h1']), {
        timeout: 20_000,
      });
    } finally {
      await intake.stop();
    }
  });
});

describe.each(BACKENDS)('poller on %s', (backend) => {
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

  it('saves the cursor with the inserts, atomically, and resumes from it after a restart', async () => {
    const provider = createTestProvider('okta', SECRET, 2);
    const events = ['1', '2', '3', '4', '5'].map((n) =>
      testEvent(`ev${n}`, {
        occurredAt: `2026-03-01T09:0${n}:00Z`,
        subject: { userId: `u${n}`, login: null },
      }),
    );
    provider.log.set('system_log', events);
    const metrics = createMetrics();
    // The second page's transaction fails: its events and its cursor must both be absent.
    let transactions = 0;
    const flaky: Store = {
      ...store,
      transaction: (fn) => {
        transactions += 1;
        return transactions === 2 ? Promise.reject(new Error('crash')) : store.transaction(fn);
      },
    };
    const options = { provider, stream: 'system_log', logger: createLogger({ write: () => {} }), metrics };
    const clock = () => new Date('2026-03-01T09:10:00Z');
    await expect(createPoller({ ...options, store: flaky, now: clock }).pollOnce()).rejects.toThrow('crash');
    expect(await readCursor(store, 'okta', 'system_log')).toBe('2');
    const ids = async () =>
      (await store.query<{ event_id: string }>('SELECT event_id FROM gate_inbox ORDER BY event_id')).map(
        (r) => r.event_id,
      );
    expect(await ids()).toEqual(['ev1', 'ev2']);
    // "Restart": a fresh poller on the real store resumes from cursor 2.
    const result = await createPoller({ ...options, store, now: clock }).pollOnce();
    expect(result).toEqual({ ran: true, pages: 2, stored: 3, more: false });
    expect(provider.reads.slice(-2).map((r) => r.cursor)).toEqual(['2', '4']);
    expect(await ids()).toEqual(['ev1', 'ev2', 'ev3', 'ev4', 'ev5']);
    expect(await readCursor(store, 'okta', 'system_log')).toBe('5');
    expect(metrics.render()).toContain('recovery_poller_lag_seconds{idp="okta",stream="system_log"} 300');
  });

  it('counts a failed poll and leaves the cursor where it was', async () => {
    const provider = createTestProvider('okta', SECRET);
    provider.log.set('admin_events', [testEvent('z1')]);
    provider.failNextRead = new GateError('ERR_IDP_UNAVAILABLE');
    const metrics = createMetrics();
    const poller = createPoller({
      store,
      provider,
      stream: 'admin_events',
      logger: createLogger({ write: () => {} }),
      metrics,
      now: () => new Date(),
    });
    const before = await readCursor(store, 'okta', 'admin_events');
    await expect(poller.pollOnce()).rejects.toThrow();
    expect(metrics.render()).toContain('recovery_poller_errors_total{idp="okta",stream="admin_events"} 1');
    expect(await readCursor(store, 'okta', 'admin_events')).toBe(before);
    expect(await poller.pollOnce()).toMatchObject({ ran: true, stored: 1 });
  });

  it('stops at maxPages and says more is ready', async () => {
    const provider = createTestProvider('keycloak', SECRET, 2);
    provider.log.set(
      'admin_events',
      ['m1', 'm2', 'm3'].map((id) => testEvent(id, { idp: 'keycloak' })),
    );
    const poller = createPoller({
      store,
      provider,
      stream: 'admin_events',
      maxPages: 1,
      logger: createLogger({ write: () => {} }),
      metrics: createMetrics(),
      now: () => new Date(),
    });
    expect(await poller.pollOnce()).toEqual({ ran: true, pages: 1, stored: 2, more: true });
    expect(await poller.pollOnce()).toEqual({ ran: true, pages: 1, stored: 1, more: false });
  });

  it('does not run while another holder polls the same stream', async () => {
    const provider = createTestProvider('okta', SECRET);
    const options = {
      store,
      provider,
      stream: 'admin_events',
      logger: createLogger({ write: () => {} }),
      metrics: createMetrics(),
      now: () => new Date(),
    };
    const result = await store.withLock('poll:okta:admin_events', () => createPoller(options).pollOnce());
    expect(result).toEqual({ ran: true, value: { ran: false, pages: 0, stored: 0, more: false } });
    expect(provider.reads).toEqual([]);
  });
});
