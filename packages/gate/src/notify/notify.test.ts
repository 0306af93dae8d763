import { createSecret } from '@recovery-gate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { GATE_MIGRATIONS } from '../store/index.js';
import { type HttpSink, type SmtpSink, startHttpSink, startSmtpSink } from '../testing/sinks.js';
import { type TestLocation, testLocation } from '../testing/stores.js';
import type { Notification, Store } from '../types.js';
import {
  createOutboxNotifier,
  createSmsWebhookTransport,
  createSmtpTransport,
  createWebhookTransport,
} from './index.js';

let location: TestLocation;
let store: Store;
let http: HttpSink;
let smtp: SmtpSink;
let clock = new Date('2026-03-01T10:00:00Z');
const logLines: string[] = [];

beforeAll(async () => {
  location = await testLocation('postgres');
  store = await location.open();
  await store.migrate(GATE_MIGRATIONS);
  http = await startHttpSink();
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await store.close();
  await location.cleanup();
  await http.close();
  await smtp.close();
});

/** The notifications' texts a webhook call carried: a digest's each, or the one of a single post. */
function delivered(body: string): string[] {
  const parsed = JSON.parse(body) as { text: string; notifications?: { text: string }[] };
  return parsed.notifications?.map((x) => x.text) ?? [parsed.text];
}

function notifier() {
  return createOutboxNotifier({
    store,
    now: () => clock,
    logger: createLogger({ write: (l) => logLines.push(l), level: 'debug' }),
    metrics: createMetrics(),
    backoffMs: 1000,
    maxAttempts: 3,
    transports: {
      email: createSmtpTransport({ url: createSecret(smtp.url), from: 'recovery@acme.example' }),
      security: createWebhookTransport({ url: createSecret(`${http.url}/security`) }),
      phone: createSmsWebhookTransport({ url: createSecret(`${http.url}/sms`) }),
    },
  });
}

const mail: Notification = {
  to: { kind: 'email', address: 'jane.doe@acme.example' },
  subject: 'Your recovery request',
  text: 'Someone asked to reset your password.',
  links: [{ label: 'This was not me', url: 'https://gate.acme.example/c/abc' }],
  idempotencyKey: 'case-1:notice:email',
};

describe('outbox notifier', () => {
  it('delivers mail to a real SMTP sink once per idempotency key, and masks the address in logs', async () => {
    const n = notifier();
    await n.send(mail);
    await n.send(mail);
    expect(await n.drain()).toBe(0);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]?.to).toEqual(['jane.doe@acme.example']);
    expect(smtp.mails[0]?.raw).toContain('Subject: Your recovery request');
    expect(smtp.mails[0]?.raw).toContain('https://gate.acme.example/c/abc');
    // The stored copy keeps no single-use link once sent.
    const [stored] = await store.query<{ payload: Record<string, unknown> }>(
      "SELECT payload FROM notification_outbox WHERE idempotency_key = 'case-1:notice:email'",
    );
    expect(stored?.payload.links).toBeUndefined();
    expect(stored?.payload.subject).toBe('Your recovery request');
    const joined = logLines.join('');
    expect(joined).toContain('j***@a***.example');
    expect(joined).not.toContain('jane.doe@acme.example');
    await n.close();
  });

  it('posts Slack-compatible JSON to the security webhook and SMS JSON to the gateway', async () => {
    const n = notifier();
    await n.send({
      to: { kind: 'security' },
      subject: 'Bypass',
      text: 'A native reset',
      idempotencyKey: 'sec-1',
    });
    await n.send({
      to: { kind: 'phone', address: '+15550101234' },
      subject: 'Code',
      text: 'hi',
      idempotencyKey: 'sms-1',
    });
    const security = http.received.find((r) => r.path === '/security');
    expect(JSON.parse(security?.body ?? '{}')).toMatchObject({
      text: '*Bypass*\nA native reset',
      subject: 'Bypass',
    });
    const sms = http.received.find((r) => r.path === '/sms');
    expect(JSON.parse(sms?.body ?? '{}')).toEqual({ to: '+15550101234', text: 'Code: hi' });
    await n.close();
  });

  it('retries a failed delivery after the backoff, then gives up after maxAttempts', async () => {
    const n = notifier();
    const before = http.received.length;
    http.script.push(500);
    await n.send({ to: { kind: 'security' }, subject: 'S', text: 'retry me', idempotencyKey: 'sec-retry' });
    expect(http.received.length).toBe(before);
    expect(await n.drain()).toBe(0); // not due yet
    clock = new Date(clock.getTime() + 1000);
    expect(await n.drain()).toBe(1);
    expect(http.received.length).toBe(before + 1);
    const [row] = await store.query(
      "SELECT status, attempts FROM notification_outbox WHERE idempotency_key = 'sec-retry'",
    );
    expect(row).toEqual({ status: 'sent', attempts: 2 });

    http.script.push(500, 500, 500);
    await n.send({ to: { kind: 'security' }, subject: 'S', text: 'fail', idempotencyKey: 'sec-fail' });
    for (let i = 0; i < 3; i += 1) {
      clock = new Date(clock.getTime() + 60_000);
      await n.drain();
    }
    const [failed] = await store.query(
      "SELECT status, attempts, last_error FROM notification_outbox WHERE idempotency_key = 'sec-fail'",
    );
    expect(failed).toEqual({ status: 'failed', attempts: 3, last_error: 'The webhook answered HTTP 500.' });
    expect(logLines.join('')).not.toContain(http.url);
    await n.close();
  });
  it('stages a notification in the caller transaction: gone with a rollback, delivered once after a commit', async () => {
    const n = notifier();
    const alert: Notification = {
      to: { kind: 'security' },
      subject: 'S',
      text: 'staged',
      idempotencyKey: 'sec-stage',
    };
    const sent = () => http.received.filter((r) => r.body.includes('staged')).length;
    await expect(
      store.transaction(async (tx) => {
        await n.stage(alert, tx);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(
      await store.query("SELECT 1 FROM notification_outbox WHERE idempotency_key = 'sec-stage'"),
    ).toEqual([]);
    const staged = await store.transaction((tx) => n.stage(alert, tx));
    // Committed and claimed for its first attempt: the retry loop leaves it alone while the claim lasts.
    expect(await n.drain()).toBe(0);
    await staged.deliver();
    expect(sent()).toBe(1);
    const [row] = await store.query(
      "SELECT status, attempts FROM notification_outbox WHERE idempotency_key = 'sec-stage'",
    );
    expect(row).toEqual({ status: 'sent', attempts: 1 });
    await n.send(alert); // the same key again: stored once, sent once
    expect(sent()).toBe(1);
    await n.close();
  });

  it('stages many notifications in one statement: each stored once, sent once, settled sent together', async () => {
    const n = notifier();
    const alerts: Notification[] = Array.from({ length: 20 }, (_, i) => ({
      to: { kind: 'security' },
      subject: 'S',
      text: `many-${i}.`,
      idempotencyKey: `sec-many-${i}`,
    }));
    // Notifications received, whether alone or in a digest; and the webhook calls that carried them.
    const sent = () =>
      http.received.flatMap((r) => delivered(r.body)).filter((t) => t.includes('many-')).length;
    const calls = () => http.received.filter((r) => r.body.includes('many-')).length;
    await expect(
      store.transaction(async (tx) => {
        await n.stageMany(alerts, tx);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(
      await store.query("SELECT 1 FROM notification_outbox WHERE idempotency_key LIKE 'sec-many-%'"),
    ).toEqual([]);
    const staged = await store.transaction((tx) => n.stageMany([...alerts, alerts[0] as Notification], tx));
    expect(await n.drain()).toBe(0);
    await staged.deliver();
    expect(sent()).toBe(20);
    expect(calls()).toBe(1); // one digest, not twenty webhook calls
    const rows = await store.query<{ status: string; attempts: number }>(
      "SELECT status, attempts FROM notification_outbox WHERE idempotency_key LIKE 'sec-many-%'",
    );
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    // Staged again (a retried batch): already stored, nothing new to deliver.
    await (await store.transaction((tx) => n.stageMany(alerts, tx))).deliver();
    expect(sent()).toBe(20);
    await n.close();
  });

  it('a digest the webhook refuses is retried as a whole: each notification sent once, after the back-off', async () => {
    const n = notifier();
    const alerts: Notification[] = Array.from({ length: 3 }, (_, i) => ({
      to: { kind: 'security' },
      subject: 'S',
      text: `digest-${i}.`,
      idempotencyKey: `sec-digest-${i}`,
    }));
    const sent = () =>
      http.received.flatMap((r) => delivered(r.body)).filter((t) => t.includes('digest-')).length;
    http.script.push(503);
    await (await store.transaction((tx) => n.stageMany(alerts, tx))).deliver();
    expect(sent()).toBe(0);
    const pending = await store.query<{ status: string; attempts: number }>(
      "SELECT status, attempts FROM notification_outbox WHERE idempotency_key LIKE 'sec-digest-%'",
    );
    expect(pending.map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
    clock = new Date(clock.getTime() + 5_000);
    await n.drain();
    expect(sent()).toBe(3);
    const settled = await store.query<{ status: string; attempts: number }>(
      "SELECT status, attempts FROM notification_outbox WHERE idempotency_key LIKE 'sec-digest-%'",
    );
    expect(settled).toEqual(Array.from({ length: 3 }, () => ({ status: 'sent', attempts: 2 })));
    await n.drain();
    expect(sent()).toBe(3);
    await n.close();
  });

  it('a staged notification whose first attempt never came is sent by the retry loop once its claim lapses', async () => {
    const n = notifier();
    const alert: Notification = {
      to: { kind: 'security' },
      subject: 'S',
      text: 'crashed',
      idempotencyKey: 'sec-crash',
    };
    await store.transaction((tx) => n.stage(alert, tx)); // the process "dies" before deliver()
    clock = new Date(clock.getTime() + 61_000);
    expect(await n.drain()).toBe(1);
    expect(http.received.filter((r) => r.body.includes('crashed'))).toHaveLength(1);
    await n.close();
  });
});
