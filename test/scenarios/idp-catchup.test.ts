/**
 * Issue 16 item 3, catch-up: a `recovery-gate serve` process restarts after a downtime in which console
 * resets (bypasses) piled up in the IdP's log, and the IdP's log API answers 503 for two minutes. The poller
 * retries with back-off up to its bound, raises one `poll.failing` alert per stream, and keeps polling at its interval;
 * once the IdP answers, the backlog is read from the stored cursor and each reset opens exactly one incident.
 * The store and the emulator are the oracle; the audit chain verifies.
 */

import { randomUUID } from 'node:crypto';
import { openStore, type Store, verifyAudit } from '@recovery-gate/gate';
import { afterEach, describe, expect, it } from 'vitest';
import { type GateProcess, removeDir, startGateProcess, until, writeGateConfig } from './process.js';
import { type ProcessTenant, startTenant } from './tenants.js';
import { IDPS } from './world.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Console resets made while the gate is down. */
const RESETS = 6;
/** How long the IdP's log API fails. */
const OUTAGE_MS = 120_000;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
}, 120_000);

async function count(store: Store, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await store.query<{ n: number }>(sql, params);
  return row?.n ?? 0;
}

describe.each(IDPS)('catch-up through a two-minute IdP outage on %s', (idp) => {
  it('retries with back-off, alerts once at the bound, then reads the backlog once when the IdP is back', {
    timeout: 600_000,
  }, async () => {
    const tenant: ProcessTenant = await startTenant(idp, { syntheticUsers: RESETS });
    closers.push(() => tenant.close());
    const schema = `h16_catchup_${idp}_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
    const store = await openStore({ databaseUrl: DATABASE_URL, schema });
    closers.push(async () => {
      await store.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await store.close();
    });
    const { file, dir } = await writeGateConfig(
      tenant,
      { databaseUrl: DATABASE_URL, schema },
      { interval: '1s', tick: '1s' },
    );
    closers.push(() => removeDir(dir));
    const start = async (): Promise<GateProcess> => {
      const gate = await startGateProcess(file, tenant, DATABASE_URL, 180_000);
      closers.push(() => gate.kill('SIGKILL'));
      return gate;
    };

    // The gate runs until its pollers have a cursor, then goes down.
    const first = await start();
    await tenant.ready();
    await until(
      async () => (await count(store, 'SELECT count(*)::int AS n FROM gate_cursors')) > 0,
      180_000,
      'a stored cursor',
    );
    await first.kill('SIGTERM');

    // While it is down, an agent resets passwords in the console; then the IdP's log API fails.
    const users = Array.from({ length: RESETS }, (_, i) => tenant.id(`load:${i + 1}`));
    for (const user of users) await tenant.consoleReset(user);
    tenant.proxy.fail({ method: 'GET', path: tenant.pollPath, status: 503 });
    const outageStarted = Date.now();
    const gate = await start();

    // Bounded retries, then one alert; the backlog waits (nothing read, nothing lost).
    const failing = () =>
      count(store, `SELECT count(*)::int AS n FROM security_alerts WHERE kind = 'poll.failing'`);
    await until(async () => (await failing()) > 0, OUTAGE_MS, 'the poll.failing alert');
    expect(
      await count(store, 'SELECT count(*)::int AS n FROM cases WHERE subject_id = ANY($1::text[])', [users]),
    ).toBe(0);
    // The outage lasts its two minutes; the gate keeps polling at its interval and alerts no more (checked
    // below: one alert per stream).
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - outageStarted))));
    const failedReads = tenant.proxy.requests.filter((r) => r.failed && tenant.isPollRead(r)).length;
    expect(failedReads).toBeGreaterThan(5);
    expect(gate.child.exitCode).toBeNull();
    tenant.proxy.heal();

    // Once the IdP answers, each reset is read once and opens exactly one incident.
    await until(
      async () => {
        const incidents = await count(
          store,
          `SELECT count(DISTINCT subject_id)::int AS n FROM cases WHERE kind = 'incident' AND subject_id = ANY($1::text[])`,
          [users],
        );
        const open = await count(
          store,
          `SELECT count(*)::int AS n FROM gate_inbox WHERE status IN ('pending', 'processing')`,
        );
        return incidents === users.length && open === 0;
      },
      240_000,
      'an incident for every console reset',
    );
    const perSubject = await store.query<{ subject_id: string; n: number }>(
      `SELECT subject_id, count(*)::int AS n FROM cases WHERE kind = 'incident' AND subject_id = ANY($1::text[])
        GROUP BY subject_id`,
      [users],
    );
    expect(perSubject.filter((c) => c.n !== 1)).toEqual([]);
    expect(await count(store, `SELECT count(*)::int AS n FROM gate_inbox WHERE status = 'failed'`)).toBe(0);
    // One alert per failing stream for the outage (Entra polls two), and each incident's alert stored once.
    const perStream = await store.query<{ stream: string; n: number }>(
      `SELECT data->>'stream' AS stream, count(*)::int AS n FROM security_alerts WHERE kind = 'poll.failing'
        GROUP BY data->>'stream'`,
    );
    expect(perStream.filter((a) => a.n !== 1)).toEqual([]);
    expect(perStream.length).toBeLessThanOrEqual(tenant.pollLocks.length);
    const bypassAlerts = await store.query<{ k: string }>(
      `SELECT idempotency_key AS k FROM notification_outbox WHERE idempotency_key LIKE '%:bypass'`,
    );
    expect(new Set(bypassAlerts.map((a) => a.k)).size).toBe(bypassAlerts.length);
    expect(bypassAlerts.length).toBeGreaterThanOrEqual(users.length);
    expect((await verifyAudit(store)).ok).toBe(true);
  });
});
