/**
 * Issue 16 item 2, intake: a `recovery-gate serve` process killed with SIGKILL while it takes native requests
 * in, on Entra and Keycloak (Okta's is crash.test.ts): the agent's console action, read by the poller
 * (Entra's group delta after a change notification, Keycloak's admin events). The kill lands while events are claimed and being handled (every IdP call is
 * slowed, so handling takes a while); requests keep coming while the gate is down. After a restart, the
 * store and the emulator are the oracle: every request the IdP accepted is read once and opens exactly one
 * case, nothing is processed twice, and the audit chain verifies.
 */

import { randomUUID } from 'node:crypto';
import { openStore, type Store, verifyAudit } from '@recovery-gate/gate';
import { afterEach, describe, expect, it } from 'vitest';
import { type Balancer, startBalancer } from './balancer.js';
import { type GateProcess, removeDir, startGateProcess, until, writeGateConfig } from './process.js';
import { type ProcessTenant, startTenant } from './tenants.js';
import { IDPS } from './world.js';

/**
 * Okta's intake kill is crash.test.ts (hooks); here its help desk may not add the synthetic load users to the
 * request group (their resource set is the recovery-eligible group), so Okta is not driven through the console.
 */
const INTAKE_IDPS = IDPS.filter((idp) => idp !== 'okta');
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Console requests before, during and after the kill. */
const REQUESTS = 24;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
}, 120_000);

const alive = (p: GateProcess) => p.child.exitCode === null && p.child.signalCode === null;

async function inboxStates(store: Store): Promise<Record<string, number>> {
  const rows = await store.query<{ status: string; n: number }>(
    "SELECT status, count(*)::int AS n FROM gate_inbox WHERE kind = 'recovery_requested' GROUP BY status",
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe.each(INTAKE_IDPS)('a gate process killed with SIGKILL during intake on %s', (idp) => {
  it('reads every accepted request once after a restart and opens one case for each', {
    timeout: 600_000,
  }, async () => {
    const gates: GateProcess[] = [];
    const balancer: Balancer = await startBalancer(() => gates.filter(alive).map((g) => g.url));
    closers.push(() => balancer.close());
    const tenant: ProcessTenant = await startTenant(idp, {
      notifyTo: balancer.url,
      syntheticUsers: REQUESTS,
    });
    closers.push(() => tenant.close());
    const schema = `h16_intake_${idp}_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
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
    const start = async () => {
      const gate = await startGateProcess(file, tenant, DATABASE_URL, 180_000);
      gates.push(gate);
      closers.push(() => gate.kill('SIGKILL'));
      return gate;
    };
    const first = await start();
    await tenant.ready();
    const native = tenant.probes.nativeRequest;
    if (native === undefined) throw new Error(`${idp} has no console request probe`);

    // Every call the gate makes to the IdP but the stream reads is slowed, so handling an event (reading
    // the subject's facts) takes a while and events stay claimed.
    tenant.proxy.fail({ method: '*', path: new RegExp(`^(?!.*(${tenant.pollPath.source}))`), delayMs: 700 });
    const accepted: string[] = [];
    const ask = async (i: number) => {
      const user = tenant.id(`load:${i}`);
      await native(user);
      accepted.push(user);
    };
    for (let i = 1; i <= REQUESTS / 3; i += 1) await ask(i);
    await until(
      async () => {
        const states = await inboxStates(store);
        return (states.processing ?? 0) > 0 && (states.done ?? 0) > 0;
      },
      180_000,
      'events to be claimed while others are done',
    );
    await first.kill('SIGKILL');
    const atKill = await inboxStates(store);
    expect(atKill.processing ?? 0).toBeGreaterThan(0);
    // The IdP takes more requests while the gate is down (Entra's notifications to it fail).
    for (let i = REQUESTS / 3 + 1; i <= (2 * REQUESTS) / 3; i += 1) await ask(i);
    tenant.proxy.heal();
    await start();
    for (let i = (2 * REQUESTS) / 3 + 1; i <= REQUESTS; i += 1) await ask(i);

    await until(
      async () => {
        const opened = await store.query<{ subject_id: string }>(
          "SELECT DISTINCT subject_id FROM cases WHERE kind = 'recovery' AND subject_id = ANY($1::text[])",
          [accepted],
        );
        const states = await inboxStates(store);
        return opened.length === accepted.length && (states.pending ?? 0) + (states.processing ?? 0) === 0;
      },
      240_000,
      'every accepted request to open its case',
    );
    // One request event per console action, done, with its effect audited once.
    const events = await store.query<{ subject: string; key: string; status: string; n: number }>(
      `SELECT i.payload->'subject'->>'userId' AS subject, i.idempotency_key AS key, i.status,
              (SELECT count(*)::int FROM audit_records a
                WHERE a.type IN ('case.opened', 'case.joined') AND a.data::jsonb->>'event' = i.idempotency_key) AS n
         FROM gate_inbox i WHERE i.kind = 'recovery_requested'`,
    );
    expect(events.map((e) => e.subject).sort()).toEqual([...accepted].sort());
    expect(events.filter((e) => e.status !== 'done' || e.n !== 1)).toEqual([]);
    const cases = await store.query<{ subject_id: string; n: number }>(
      "SELECT subject_id, count(*)::int AS n FROM cases WHERE kind = 'recovery' GROUP BY subject_id",
    );
    expect(cases.filter((c) => c.n !== 1)).toEqual([]);
    expect(cases).toHaveLength(accepted.length);
    expect((await verifyAudit(store)).ok).toBe(true);
  });
});
