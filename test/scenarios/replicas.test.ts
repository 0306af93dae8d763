/**
 * Issue 16 item 1: three `recovery-gate serve` processes on one PostgreSQL database, on each emulated IdP,
 * under request load and console actions (native bypasses read by the pollers), and one replica at a time
 * killed with SIGKILL: the one polling, the one executing a case, the one holding the audit-chain head.
 * The load is Okta's event hooks (posted to the replicas, 10% twice), Entra's change notifications (through
 * a load balancer, then the group delta read) and Keycloak's admin events (polled). The replicas reach the
 * IdP through a fault proxy that slows chosen calls, so a poll or a step is in flight when the kill lands.
 * Who holds what is read from PostgreSQL (`pg_locks`, `pg_stat_activity`; each replica names its sessions
 * `recovery-gate:<pid>`). The emulator's state and the store are the oracle: nothing acknowledged is lost,
 * every event has its effect once, the case completes with one live credential and its revocation done,
 * every incident completes once, each stream is read by one replica at a time and taken over, and the audit
 * chain verifies. Take-over times are logged here; the bench (`bench/replicas.mjs`) publishes them.
 */

import { randomUUID } from 'node:crypto';
import { GateError, type IdpKind, type RecoveryProvider } from '@recovery-gate/core';
import { openStore, type Store, verifyAudit } from '@recovery-gate/gate';
import { afterEach, describe, expect, it } from 'vitest';
import { type Balancer, startBalancer } from './balancer.js';
import {
  engineOn,
  type GateProcess,
  removeDir,
  startGateProcess,
  until,
  writeGateConfig,
} from './process.js';
import { startRequestLoad } from './replica-load.js';
import { type ProcessTenant, startTenant } from './tenants.js';
import { IDPS } from './world.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Subjects of the console actions (native password resets by an admin: bypass incidents). */
const CONSOLE = ['gina', 'sam', 'sara', 'ivan'];

interface Run {
  tenant?: ProcessTenant;
  balancer?: Balancer;
  store?: Store;
  schema: string;
  processes: GateProcess[];
  dirs: string[];
}
let run: Run = { schema: '', processes: [], dirs: [] };

afterEach(async () => {
  for (const p of run.processes) await p.kill('SIGKILL');
  for (const d of run.dirs) await removeDir(d);
  await run.store?.query(`DROP SCHEMA IF EXISTS "${run.schema}" CASCADE`).catch(() => undefined);
  await run.store?.close();
  await run.tenant?.close();
  await run.balancer?.close();
  run = { schema: '', processes: [], dirs: [] };
}, 120_000);

const alive = (p: GateProcess) => p.child.exitCode === null && p.child.signalCode === null;
const appOf = (app: string | undefined) => Number(app?.replace('recovery-gate:', '') ?? Number.NaN);

/** The replica whose session holds the advisory lock `name` (the store prefixes it with the schema). */
async function holderOf(name: string): Promise<GateProcess | null> {
  const { store, schema, processes } = run as Required<Run>;
  const rows = await store.query<{ app: string }>(
    `SELECT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)`,
    [`${schema}:${name}`],
  );
  const pid = appOf(rows[0]?.app);
  return processes.find((p) => p.child.pid === pid && alive(p)) ?? null;
}

/**
 * Finds the replica holding the audit chain's head (the row lock every append takes) as the session a probe
 * waiting for that lock is blocked by, and sends it SIGKILL at once, while the probe still waits (so the
 * replica dies holding the head). Null when the head was free this time.
 */
async function killHeadHolder(): Promise<{ victim: GateProcess; probeWaiting: boolean } | null> {
  const { store, processes } = run as Required<Run>;
  let probePid: number | null = null;
  const probe = store.transaction(async (tx) => {
    const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    probePid = me?.pid ?? null;
    await tx.query("SET LOCAL lock_timeout = '500ms'");
    await tx.query('SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE');
  });
  let found: GateProcess | null = null;
  let done = false;
  const settled = probe.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done && found === null) {
    if (probePid === null) {
      await new Promise((r) => setTimeout(r, 2));
      continue;
    }
    const rows = await store.query<{ app: string }>(
      'SELECT a.application_name AS app FROM pg_stat_activity a WHERE a.pid = ANY(pg_blocking_pids($1::int))',
      [probePid],
    );
    const pid = appOf(rows[0]?.app);
    found = processes.find((p) => p.child.pid === pid && alive(p)) ?? null;
  }
  const probeWaiting = !done;
  found?.child.kill('SIGKILL');
  await settled;
  return found === null ? null : { victim: found, probeWaiting };
}

/** The first of `locks` a live replica holds, and that replica. */
async function anyHolder(locks: readonly string[]): Promise<{ lock: string; by: GateProcess } | null> {
  for (const lock of locks) {
    const by = await holderOf(lock);
    if (by !== null) return { lock, by };
  }
  return null;
}

/** The subject's own proof, as the verification page records it (see helpers.proveSubject). */
async function proofOf(adapter: RecoveryProvider, userId: string) {
  const facts = await adapter.readSubjectFacts(userId);
  const phone = (facts.channels ?? []).find((c) => c.kind === 'phone' && c.verified && !c.isAccountMailbox);
  const password = (facts.authenticators ?? []).find((a) => a.kind === 'password' && a.status === 'active');
  return phone
    ? ({ kind: 'phone_otp', by: userId, channelId: phone.id } as const)
    : ({ kind: 'oidc_step_up', by: userId, authenticatorId: password?.id ?? null } as const);
}

const journalOf = async (caseId: string) =>
  new Map(
    (
      await (run.store as Store).query<{ step: string; state: string }>(
        'SELECT step, state FROM case_journal WHERE case_id = $1',
        [caseId],
      )
    ).map((r) => [r.step, r.state]),
  );

/** Reads of each stream, as [arrived, answered] pairs, that overlap one another (one stream at a time). */
function overlappingReads(tenant: ProcessTenant, after: number, killedAt: number): string[] {
  const byPath = new Map<string, { at: number; end: number }[]>();
  for (const r of tenant.proxy.requests) {
    if (!tenant.isPollRead(r) || r.at <= after || r.finishedAt === undefined) continue;
    const list = byPath.get(r.path) ?? [];
    list.push({ at: r.at, end: r.finishedAt });
    byPath.set(r.path, list);
  }
  const overlaps: string[] = [];
  for (const [path, reads] of byPath) {
    reads.sort((x, y) => x.at - y.at);
    for (let i = 1; i < reads.length; i += 1) {
      const [a, b] = [reads[i - 1], reads[i]] as [{ at: number; end: number }, { at: number; end: number }];
      // The dead replica's last read may still be answered (to nobody) while its successor reads.
      if (a.at < killedAt && b.at >= killedAt) continue;
      if (b.at < a.end) overlaps.push(`${path}: ${a.at}-${a.end} and ${b.at}-${b.end}`);
    }
  }
  return overlaps;
}

describe.each(IDPS)(
  'three gate replicas on one PostgreSQL database (%s), one killed at a time',
  (idp: IdpKind) => {
    it('lose nothing acknowledged, repeat no side effect, take pollers and cases over, keep one audit chain', async () => {
      run.schema = `h16_replicas_${idp}_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
      const processes = run.processes;
      run.balancer = await startBalancer(() => processes.filter(alive).map((p) => p.url));
      const tenant = await startTenant(idp, { notifyTo: run.balancer.url, syntheticUsers: 600 });
      run.tenant = tenant;
      const store = await openStore({ databaseUrl: DATABASE_URL, schema: run.schema });
      run.store = store;
      const { file, dir } = await writeGateConfig(
        tenant,
        { databaseUrl: DATABASE_URL, schema: run.schema },
        { interval: '1s', tick: '1s' },
      );
      run.dirs.push(dir);
      // A busy machine may need three minutes to start a replica.
      const startReplica = async () => {
        const replica = await startGateProcess(file, tenant, DATABASE_URL, 180_000);
        processes.push(replica);
        return replica;
      };
      for (let i = 0; i < 3; i += 1) await startReplica();
      for (const p of processes) expect((await fetch(`${p.url}/readyz`)).status).toBe(200);
      await tenant.ready();
      const alice = tenant.id('alice');
      const session = await tenant.probes.mintSession(alice);
      const consoleReset = (subject: string) => tenant.consoleReset(tenant.id(subject));
      const load = startRequestLoad(tenant, () => processes.filter(alive));
      const { proxy } = tenant;
      const takeOver: Record<string, number> = {};
      try {
        // 1. The poller's holder. The stream reads slowed to 1.5 s, so a poll run holds its lock long enough to
        //    be seen; a console action gives the pollers work.
        await consoleReset('gina');
        proxy.fail({ method: 'GET', path: tenant.pollPath, delayMs: 1500 });
        const slowedAt = Date.now();
        let held: { lock: string; by: GateProcess } | null = null;
        await until(
          async () => {
            held = await anyHolder(tenant.pollLocks);
            return held !== null;
          },
          120_000,
          'a replica to poll',
        );
        const { lock, by: poller } = held as unknown as { lock: string; by: GateProcess };
        const pollerKilledAt = Date.now();
        await poller.kill('SIGKILL');
        let successor: GateProcess | null = null;
        await until(
          async () => {
            successor = await holderOf(lock);
            return successor !== null;
          },
          120_000,
          `a live replica to take ${lock} over`,
        );
        takeOver.poller = Date.now() - pollerKilledAt;
        expect(successor).not.toBe(poller);
        // A few more slowed reads, then: no two reads of one stream overlapped (one live poller at a time).
        await until(
          () =>
            proxy.requests.filter(
              (r) => tenant.isPollRead(r) && r.finishedAt !== undefined && r.at > pollerKilledAt,
            ).length >= 3,
          120_000,
          'the streams to be read again',
        );
        expect(overlappingReads(tenant, slowedAt + 100, pollerKilledAt)).toEqual([]);
        proxy.heal();
        await startReplica();
        await consoleReset('sam');

        // 2. The replica executing a case. This process records alice's proofs; its own execution attempt
        //    meets an IdP outage, so the replicas' case timer runs the execution, every IdP call slowed to 4 s.
        await load.request('alice');
        let caseId = '';
        await until(
          async () => {
            const [row] = await store.query<{ id: string; state: string }>(
              "SELECT id, state FROM cases WHERE subject_id = $1 AND kind = 'recovery'",
              [alice],
            );
            caseId = row?.id ?? '';
            return row?.state === 'verifying';
          },
          120_000,
          "alice's case to wait for verification",
        );
        const outage: RecoveryProvider = {
          ...tenant.adapter,
          revokeSessions: async () => {
            throw new GateError('ERR_IDP_UNAVAILABLE', 'outage (test)');
          },
        };
        const driver = engineOn(store, outage);
        await driver.recordEvidence(caseId, await proofOf(tenant.adapter, alice));
        proxy.fail({ method: '*', path: /./, delayMs: 4000 });
        await driver.recordApproval(caseId, {
          approverId: tenant.id('erin'),
          role: 'manager',
          decision: 'approve',
          reason: 'confirmed on a video call',
        });
        await until(
          async () => (await journalOf(caseId)).get('revoke') === 'started',
          180_000,
          'revoke to start',
        );
        const executor = await holderOf(`recovery-gate:case:${caseId}`);
        expect(executor).not.toBeNull();
        await (executor as GateProcess).kill('SIGKILL');
        const executorKilledAt = Date.now();
        proxy.heal();
        // Taken over: a survivor holds the case (seen in pg_locks) or has already moved it on. Measured from
        // the kill on the two survivors alone (a replacement replica starts only afterwards).
        await until(
          async () =>
            (await holderOf(`recovery-gate:case:${caseId}`)) !== null ||
            (await journalOf(caseId)).get('reset') !== undefined,
          120_000,
          'a survivor to take the case over',
        );
        takeOver.caseExecution = Date.now() - executorKilledAt;
        // Taken over by the two survivors on their own, before any replacement started.
        expect(processes.filter(alive)).toHaveLength(2);
        await startReplica();
        await until(
          async () => (await journalOf(caseId)).get('reset') === 'done',
          120_000,
          'the survivor to finish revoke and reset',
        );
        let secret = '';
        await until(
          async () => {
            try {
              secret = (await engineOn(store, tenant.adapter).claimCredential(caseId, alice)).secret.reveal();
              return true;
            } catch (error) {
              if ((error as { code?: string }).code === 'ERR_IDP_CONFLICT') return false;
              throw error;
            }
          },
          60_000,
          'the case to be free to claim',
        );

        // 3. The audit head's holder, under the load, while another console action is read. A kill that came a
        //    moment late (the head just released) is a replica killed anyway: replace it and try again.
        await consoleReset('sara');
        expect(processes.filter(alive)).toHaveLength(3);
        let caught = false;
        await until(
          async () => {
            const head = await killHeadHolder();
            if (head === null) return false;
            await head.victim.kill('SIGKILL');
            caught = head.probeWaiting;
            if (!caught) await startReplica();
            return caught;
          },
          180_000,
          'a replica to be killed while holding the audit head',
        );
        expect(caught).toBe(true);
        await consoleReset('ivan');
        const consoleIds = CONSOLE.map((s) => tenant.id(s));
        await until(
          async () =>
            (
              await store.query(
                "SELECT DISTINCT subject_id FROM cases WHERE kind = 'incident' AND state = 'completed' AND subject_id = ANY($1::text[])",
                [consoleIds],
              )
            ).length === CONSOLE.length,
          180_000,
          'every console action to end in a completed incident',
        );

        // alice's case: completed, sessions revoked, exactly one live credential (the one she collected).
        await until(
          async () =>
            (await store.query<{ state: string }>('SELECT state FROM cases WHERE id = $1', [caseId]))[0]
              ?.state === 'completed',
          120_000,
          "alice's case to complete",
        );
        // Entra applies revokeSignInSessions after a few minutes: let that pass on the emulator's clock first.
        await tenant.probes.awaitRevocation?.();
        expect(await tenant.probes.refreshTokenWorks(session.refreshToken)).toBe(false);
        expect(tenant.liveCredentials(alice)).toBe(1);
        expect(await tenant.probes.signInWithTemporaryCredential(alice, secret)).toBe(true);
        expect(await tenant.probes.signInWithTemporaryCredential(alice, secret)).toBe(false);
        const steps = await store.query<{ type: string; n: number }>(
          `SELECT type, count(*)::int AS n FROM audit_records WHERE case_id = $1 AND type LIKE 'step.%' GROUP BY type`,
          [caseId],
        );
        expect(steps.filter((s) => s.n !== 1)).toEqual([]);
        expect(steps.map((s) => s.type)).toEqual(
          expect.arrayContaining(['step.revoke', 'step.reset', 'step.issue']),
        );
        const aliceCases = await store.query(
          "SELECT 1 FROM cases WHERE kind = 'recovery' AND subject_id = $1",
          [alice],
        );
        expect(aliceCases).toHaveLength(1);
        // Each console action: one incident, completed, for its subject.
        const incidents = await store.query<{ subject_id: string; state: string }>(
          "SELECT subject_id, state FROM cases WHERE kind = 'incident' AND subject_id = ANY($1::text[])",
          [consoleIds],
        );
        expect(incidents.map((c) => c.subject_id).sort()).toEqual([...consoleIds].sort());
        expect(incidents.every((c) => c.state === 'completed')).toBe(true);
      } finally {
        await load.stop();
        proxy.heal();
      }
      console.info(`replica take-over on ${idp} (ms): ${JSON.stringify(takeOver)}`);
      await load.settled(store);
      await until(
        async () =>
          (await store.query("SELECT 1 FROM gate_inbox WHERE status IN ('pending', 'processing')")).length ===
          0,
        180_000,
        'the inbox to settle on the survivors',
      );
      // Nothing acknowledged is lost, and each request event had its effect once (one case event, one audit
      // record): every acknowledged request reached the inbox, and every request event there is done.
      await load.check(store);
      const effects = await store.query<{ key: string; status: string; n: number }>(
        `SELECT i.idempotency_key AS key, i.status,
              (SELECT count(*)::int FROM audit_records a
                WHERE a.type IN ('case.opened', 'case.joined') AND a.data::jsonb->>'event' = i.idempotency_key) AS n
         FROM gate_inbox i WHERE i.kind = 'recovery_requested'`,
      );
      expect(effects.filter((e) => e.status !== 'done' || e.n !== 1)).toEqual([]);
      // Every recovery case was opened by one event, once: never two open at once, by the index.
      const [opened] = await store.query<{ cases: number; audited: number }>(
        `SELECT (SELECT count(*)::int FROM cases WHERE kind = 'recovery') AS cases,
              (SELECT count(*)::int FROM audit_records WHERE type = 'case.opened') AS audited`,
      );
      expect(opened?.audited).toBe(opened?.cases);
      expect((await verifyAudit(store)).ok).toBe(true);
      expect(Object.keys(takeOver).sort()).toEqual(['caseExecution', 'poller']);
      for (const p of processes.filter(alive)) await p.kill('SIGTERM');
      expect(processes.every((p) => !alive(p))).toBe(true);
      // The request load really ran across the replicas.
      expect(load.acknowledged()).toBeGreaterThan(20);
      // Entra: the load came in as change notifications through the balancer, as well as the delta reads.
      if (tenant.notificationsAcknowledged) expect(tenant.notificationsAcknowledged()).toBeGreaterThan(10);
    }, 900_000);
  },
);
