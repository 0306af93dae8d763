import { createHash } from 'node:crypto';
import { createSecret } from '@recovery-gate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { createOutboxNotifier, createSmsWebhookTransport } from '../notify/index.js';
import { GATE_MIGRATIONS } from '../store/index.js';
import { type HttpSink, startHttpSink } from '../testing/sinks.js';
import type { Store } from '../types.js';
import { csrfIn, get, openCase, post, sessionCookie, usePagesFixture } from './pages.test-helper.js';

let sms: HttpSink;
beforeAll(async () => {
  sms = await startHttpSink();
});
afterAll(() => sms.close());

const fx = usePagesFixture({
  notifier: (f) =>
    createOutboxNotifier({
      store: f.env.store,
      transports: { phone: createSmsWebhookTransport({ url: createSecret(`${sms.url}/sms`) }) },
      logger: silentLogger,
      metrics: createMetrics(),
      now: () => f.clock.now,
    }),
});
beforeEach(async () => {
  await fx.env.store.migrate(GATE_MIGRATIONS);
  sms.received.length = 0;
});

/** Every row of every table in the store's schema, as text. */
async function allRows(store: Store): Promise<string[]> {
  const tables = await store.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  expect(tables.map((t) => t.table_name)).toContain('notification_outbox');
  const rows: string[] = [];
  for (const { table_name } of tables) {
    const found = await store.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
    rows.push(...found.map((r) => r.row));
  }
  return rows;
}

describe('a phone code at rest', () => {
  it('is delivered, yet no row of any table holds the code or a hash it could be guessed back from', async () => {
    const caseId = await openCase(fx);
    const alice = fx.idp.id('alice');
    const cookie = await sessionCookie(fx, { sub: alice, name: 'alice', caseId, purpose: 'verify' });
    const csrf = csrfIn(await (await get(fx, `/verify/case/${caseId}`, cookie)).text());
    const sent = await post(fx, `/verify/case/${caseId}/otp/send`, { csrf, channel: 'phone:mobile' }, cookie);
    expect(sent.status).toBe(303);
    expect(sms.received).toHaveLength(1);
    const code = /\b(\d{6})\b/.exec(sms.received[0]?.body ?? '')?.[1] as string;
    expect(code).toMatch(/^\d{6}$/);

    const rows = await allRows(fx.env.store);
    const outbox = await fx.env.store.query<{ status: string; payload: { text: string } }>(
      'SELECT status, payload FROM notification_outbox',
    );
    expect(outbox).toEqual([
      expect.objectContaining({
        status: 'sent',
        payload: expect.objectContaining({ text: expect.any(String) }),
      }),
    ]);
    const unkeyed = createHash('sha256').update(`${caseId}:${code}`).digest('hex');
    for (const row of rows) {
      expect(row).not.toContain(code);
      expect(row).not.toContain('code is');
      expect(row).not.toContain(unkeyed.slice(0, 16));
    }

    // The code still works: the session keeps a keyed hash of it.
    await post(fx, `/verify/case/${caseId}/otp/check`, { csrf, code }, cookie);
    const evidence = (await fx.env.engine.getCase(caseId))?.evidence ?? [];
    expect(evidence.map((e) => e.kind)).toEqual(['phone_otp']);
  });

  it('is not retried after a failed delivery, and a drain never sends the redacted copy', async () => {
    const caseId = await openCase(fx);
    const alice = fx.idp.id('alice');
    const cookie = await sessionCookie(fx, { sub: alice, name: 'alice', caseId, purpose: 'verify' });
    const csrf = csrfIn(await (await get(fx, `/verify/case/${caseId}`, cookie)).text());
    sms.script.push(500);
    await post(fx, `/verify/case/${caseId}/otp/send`, { csrf, channel: 'phone:mobile' }, cookie);
    const delivered = sms.received.length;
    const [row] = await fx.env.store.query<{ status: string; last_error: string }>(
      'SELECT status, last_error FROM notification_outbox',
    );
    expect(row?.status).toBe('failed');
    expect(row?.last_error).not.toMatch(/\d{6}/);
    // A crash between record and send leaves a row unsettled: the next drain fails it, sends nothing.
    await fx.env.store.query(
      "UPDATE notification_outbox SET status = 'pending', next_attempt_at = created_at",
    );
    fx.clock.now = new Date(fx.clock.now.getTime() + 5 * 60_000);
    const outbox = createOutboxNotifier({
      store: fx.env.store,
      transports: { phone: createSmsWebhookTransport({ url: createSecret(`${sms.url}/sms`) }) },
      logger: silentLogger,
      metrics: createMetrics(),
      now: () => fx.clock.now,
    });
    expect(await outbox.drain()).toBe(0);
    expect(sms.received).toHaveLength(delivered);
    const [after] = await fx.env.store.query<{ status: string }>('SELECT status FROM notification_outbox');
    expect(after?.status).toBe('failed');
  });
});
