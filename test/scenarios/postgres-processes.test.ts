/**
 * Issue 6 on PostgreSQL: two gate processes (the built CLI) share one database; and a gate process killed
 * with SIGKILL in the middle of a case's revoke step resumes on restart without repeating side effects.
 * The case is driven to execution from this process through the case engine on the same database (the
 * embedded store admits one process only, so this scenario uses PostgreSQL). Okta's emulator state is
 * the oracle.
 */

import { randomUUID } from 'node:crypto';
import { GateError, type RecoveryProvider } from '@recovery-gate/core';
import { openStore, verifyAudit } from '@recovery-gate/gate';
import type { OktaTestEnvironment } from '@recovery-gate/okta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliver,
  engineOn,
  type GateProcess,
  liveTacs,
  refreshTokenWorks,
  removeDir,
  requestHookBody,
  startGateProcess,
  startOkta,
  until,
  writeGateConfig,
} from './process.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SUBJECTS = ['alice', 'bob', 'carol', 'dave', 'erin', 'gina', 'sam', 'sara', 'ivan'];
const processes: GateProcess[] = [];
const dirs: string[] = [];
const schemas: string[] = [];
let okta: OktaTestEnvironment;

beforeAll(async () => {
  okta = await startOkta();
}, 60_000);
afterAll(async () => {
  for (const p of processes) await p.kill('SIGKILL');
  for (const d of dirs) await removeDir(d);
  for (const schema of schemas) {
    const store = await openStore({ databaseUrl: DATABASE_URL });
    await store.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => store.close());
  }
  await okta?.close();
}, 60_000);

async function freshConfig(interval = '1h'): Promise<{ file: string; schema: string }> {
  const schema = `crash_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  schemas.push(schema);
  const { file, dir } = await writeGateConfig(
    okta,
    { databaseUrl: DATABASE_URL, schema },
    { interval, tick: '1s' },
  );
  dirs.push(dir);
  return { file, schema };
}

async function start(file: string): Promise<GateProcess> {
  const gate = await startGateProcess(file, okta, DATABASE_URL);
  processes.push(gate);
  return gate;
}

const userId = (subject: string) => okta.emulator.control.userId(`${subject}@example.com`);
const statusOf = (subject: string) =>
  okta.emulator.control.profileValue(`${subject}@example.com`, 'recoveryCaseStatus');

describe('two gate processes sharing one PostgreSQL database', () => {
  it('process every event once, whichever replica a hook reaches and whichever replica polls', async () => {
    const { file, schema } = await freshConfig('1s');
    const [a, b] = [await start(file), await start(file)];
    // Hooks for the first five; the last four are requested natively and reach the gate only through
    // the System Log, which both replicas poll every second.
    const hooked = SUBJECTS.slice(0, 5);
    const polled = SUBJECTS.slice(5);
    const frank = {
      id: userId('frank'),
      type: 'User',
      alternateId: 'frank@example.com',
      displayName: 'Frank',
    };
    for (const s of polled) {
      okta.emulator.control.appendEvent({
        eventType: 'group.user_membership.add',
        actor: frank,
        targets: [
          { id: userId(s), type: 'User', alternateId: `${s}@example.com`, displayName: s },
          {
            id: '00gRequestGroup00001',
            type: 'UserGroup',
            alternateId: 'unknown',
            displayName: 'recovery-request-mfa_reset',
          },
        ],
      });
    }
    const bodies = hooked.map((s) => requestHookBody(okta, randomUUID(), s));
    // Each event reaches both replicas at once, and one of them again (Okta retries at least once).
    const acks = await Promise.all(
      bodies.flatMap((body, i) => [
        deliver(a.url, body),
        deliver(b.url, body),
        deliver(i % 2 ? a.url : b.url, body),
      ]),
    );
    expect(acks.every(Boolean)).toBe(true);
    await until(() => SUBJECTS.every((s) => statusOf(s) !== null), 60_000, 'every case to open');
    // Both replicas were up the whole time, and both ran background work (ticks) on the shared store.
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    // The System Log poller runs once across replicas: with every IdP call slowed past the poll interval,
    // no two polls overlap (a replica takes the lock or skips its turn).
    const latency = 1500;
    const { faults } = okta.emulator.control;
    faults.resetLog();
    faults.inject({ kind: 'latency', ms: latency });
    await new Promise((r) => setTimeout(r, 8000));
    faults.clear();
    const polls = faults
      .requestLog()
      // The poller's reads, not the subject-fact reads of one user's profile updates (filtered by target.id),
      // which a case's facts make outside the poll lock.
      .filter(
        (e) =>
          e.method === 'GET' && e.path.endsWith('/logs') && !(e.query.filter ?? '').includes('target.id'),
      )
      .map((e) => e.at)
      .sort((x, y) => x - y);
    expect(polls.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < polls.length; i += 1) {
      expect((polls[i] as number) - (polls[i - 1] as number)).toBeGreaterThanOrEqual(latency - 100);
    }
    await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
    const store = await openStore({ databaseUrl: DATABASE_URL, schema });
    try {
      await until(
        async () =>
          (await store.query("SELECT 1 FROM gate_inbox WHERE status IN ('pending', 'processing')")).length ===
          0,
        30_000,
        'the inbox to settle',
      );
      const inbox = await store.query<{ event_id: string; status: string }>(
        'SELECT event_id, status FROM gate_inbox',
      );
      expect(new Set(inbox.map((r) => r.event_id)).size).toBe(inbox.length);
      expect(inbox.filter((r) => r.status === 'done').length).toBeGreaterThanOrEqual(SUBJECTS.length);
      const cases = await store.query<{ subject_id: string; n: number }>(
        'SELECT subject_id, count(*)::int AS n FROM cases GROUP BY subject_id',
      );
      expect(cases.map((c) => c.subject_id).sort()).toEqual(SUBJECTS.map(userId).sort());
      expect(cases.every((c) => c.n === 1)).toBe(true);
      const opened = await store.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_records WHERE type = 'case.opened'",
      );
      expect(opened[0]?.n).toBe(SUBJECTS.length);
      expect((await verifyAudit(store)).ok).toBe(true);
    } finally {
      await store.close();
    }
  }, 240_000);
});

interface JournalRow extends Record<string, unknown> {
  step: string;
  state: string;
}

describe('a gate process killed with SIGKILL in the middle of a case', () => {
  it('resumes on restart: the case completes, revoke and reset are not repeated, one credential lives', async () => {
    const { file, schema } = await freshConfig();
    const alice = userId('alice');
    const session = await okta.emulator.control.mintSession('alice@example.com');
    const first = await start(file);
    expect(await deliver(first.url, requestHookBody(okta, randomUUID(), 'alice'))).toBe(true);
    const store = await openStore({ databaseUrl: DATABASE_URL, schema });
    try {
      const journal = async (caseId: string) =>
        new Map(
          (
            await store.query<JournalRow>('SELECT step, state FROM case_journal WHERE case_id = $1', [caseId])
          ).map((r) => [r.step, r.state]),
        );
      let caseId = '';
      await until(
        async () => {
          const [row] = await store.query<{ id: string; state: string }>(
            'SELECT id, state FROM cases WHERE subject_id = $1',
            [alice],
          );
          caseId = row?.id ?? '';
          return row?.state === 'verifying';
        },
        30_000,
        'the case to wait for verification',
      );

      // This process records the proofs. Its own execution attempt meets an IdP outage, so the case is
      // left for the gate process to retry: that is the execution the kill lands in.
      const outage: RecoveryProvider = {
        ...okta.adapter,
        revokeSessions: async () => {
          throw new GateError('ERR_IDP_UNAVAILABLE', 'outage (test)');
        },
      };
      const driver = engineOn(store, outage);
      const facts = await okta.adapter.readSubjectFacts(alice);
      const password = (facts.authenticators ?? []).find((a) => a.kind === 'password');
      await driver.recordEvidence(caseId, {
        kind: 'oidc_step_up',
        by: alice,
        authenticatorId: password?.id ?? null,
      });
      okta.emulator.control.faults.resetLog();
      okta.emulator.control.faults.inject({ kind: 'latency', ms: 4000 });
      await driver.recordApproval(caseId, {
        approverId: userId('erin'),
        role: 'manager',
        decision: 'approve',
        reason: 'confirmed on a video call',
      });
      // Here the revoke is pending (this process met the outage) or not begun (the gate's own tick held
      // the case); either way the gate process is the one that runs it, slowed by the latency.
      expect((await journal(caseId)).get('revoke')).not.toBe('done');

      // The revoke's IdP call takes the injected 4 s: kill as soon as the journal says it started (a state,
      // not a sleep), so the kill lands inside that call. Before it, the gate reads the subject's facts
      // again (several IdP calls, 4 s each): the bound leaves room for that on a loaded machine.
      await until(
        async () => (await journal(caseId)).get('revoke') === 'started',
        120_000,
        'revoke to start',
      );
      await first.kill('SIGKILL');
      expect((await journal(caseId)).get('revoke')).toBe('started');
      okta.emulator.control.faults.clear();

      const second = await start(file);
      await until(
        async () => (await journal(caseId)).get('reset') === 'done',
        60_000,
        'the restarted gate to finish revoke and reset',
      );
      // The restarted gate may still hold the case (delivering, notifying): the page would say "busy, try
      // again in a moment", and the subject tries again.
      let claimed: Awaited<ReturnType<ReturnType<typeof engineOn>['claimCredential']>> | undefined;
      await until(
        async () => {
          try {
            claimed = await engineOn(store, okta.adapter).claimCredential(caseId, alice);
            return true;
          } catch (error) {
            if ((error as { code?: string }).code === 'ERR_IDP_CONFLICT') return false;
            throw error;
          }
        },
        30_000,
        'the case to be free to claim',
      );
      if (!claimed) throw new Error('unreachable: until returned without a claim');
      expect(claimed.secret.reveal().length).toBeGreaterThan(0);
      await expect(engineOn(store, okta.adapter).claimCredential(caseId, alice)).rejects.toMatchObject({
        code: 'ERR_LINK_INVALID',
      });
      await until(
        async () =>
          (await store.query<{ state: string }>('SELECT state FROM cases WHERE id = $1', [caseId]))[0]
            ?.state === 'completed',
        60_000,
        'the case to complete',
      );
      await second.kill('SIGTERM');

      // Emulator state is the oracle: sessions revoked, exactly one live credential, and the revoke and
      // reset calls made at most twice each (the killed attempt, then the idempotent resume).
      expect(await refreshTokenWorks(okta, session.refreshToken)).toBe(false);
      expect(liveTacs(okta, alice)).toBe(1);
      expect(await okta.emulator.control.signInWithTac('alice@example.com', claimed.secret.reveal())).toBe(
        true,
      );
      const calls = okta.emulator.control.faults
        .requestLog()
        .filter((e) => e.path.includes(`/users/${alice}/`) && e.method !== 'GET');
      const revokes = calls.filter((e) => e.method === 'DELETE' && e.path.endsWith('/sessions'));
      expect(revokes.length).toBeGreaterThanOrEqual(1);
      expect(revokes.length).toBeLessThanOrEqual(2);
      const steps = await store.query<{ type: string; n: number }>(
        "SELECT type, count(*)::int AS n FROM audit_records WHERE case_id = $1 AND type LIKE 'step.%' GROUP BY type",
        [caseId],
      );
      expect(steps.every((s) => s.n === 1)).toBe(true);
      expect(steps.map((s) => s.type)).toEqual(
        expect.arrayContaining(['step.revoke', 'step.reset', 'step.issue']),
      );
      expect((await verifyAudit(store)).ok).toBe(true);
    } finally {
      await store.close();
    }
  }, 240_000);
});
