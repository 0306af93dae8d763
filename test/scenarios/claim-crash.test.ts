/**
 * Issue 16: a replica killed after the credential claim issued the temporary credential and before the page
 * answered. The claim runs in its own process (claim-process.mjs, the page's `confirm: 'caller'` claim on the
 * shared PostgreSQL store) and is killed with SIGKILL once the credential is issued and journaled, before
 * its delivery is confirmed. The subject collects again: the orphan is revoked and a fresh credential issued,
 * never a second live one. The Okta emulator is the oracle: one live code before, one after, and the one
 * shown signs in once (so the orphan no longer does).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { GATE_MIGRATIONS, openStore, type Store, verifyAudit } from '@recovery-gate/gate';
import type { OktaTestEnvironment } from '@recovery-gate/okta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineOn, liveTacs, refreshTokenWorks, startOkta, until } from './process.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CLAIMER = resolve(import.meta.dirname, 'claim-process.mjs');
let okta: OktaTestEnvironment;
let store: Store;
let schema = '';
let child: ChildProcess | undefined;

beforeAll(async () => {
  okta = await startOkta();
  schema = `h16_claim_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  store = await openStore({ databaseUrl: DATABASE_URL, schema });
}, 60_000);
afterAll(async () => {
  child?.kill('SIGKILL');
  await store?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await store?.close();
  await okta?.close();
}, 60_000);

const journal = async (caseId: string) =>
  new Map(
    (
      await store.query<{ step: string; state: string; result: Record<string, unknown> }>(
        'SELECT step, state, result FROM case_journal WHERE case_id = $1',
        [caseId],
      )
    ).map((r) => [r.step, r]),
  );

/** Runs the claim in its own process; resolves once it has claimed (the page would answer next). */
function claimInProcess(caseId: string, subjectId: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [CLAIMER], {
    cwd: resolve(import.meta.dirname, '..', '..'),
    env: {
      PATH: process.env.PATH ?? '',
      GATE_DATABASE_URL: DATABASE_URL,
      GATE_SCHEMA: schema,
      OKTA_URL: okta.emulator.url,
      OKTA_TOKEN: okta.emulator.apiToken,
      CASE_ID: caseId,
      SUBJECT_ID: subjectId,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr?.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  return new Promise((ok, fail) => {
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('claimed ')) ok(proc);
    });
    proc.once('exit', (code) =>
      fail(new Error(`the claim process exited (${code}) before claiming:\n${err}`)),
    );
  });
}

describe('a replica killed after the claim issued the credential, before the page answered', () => {
  it('leaves an orphan that collecting again revokes and replaces: exactly one live credential', async () => {
    const engine = engineOn(store, okta.adapter);
    await store.migrate([...GATE_MIGRATIONS, ...engine.migrations]);
    const alice = okta.emulator.control.userId('alice@example.com');
    const session = await okta.emulator.control.mintSession('alice@example.com');
    await engine.handleEvent({
      id: `claim-crash-${randomUUID()}`,
      idp: 'okta',
      kind: 'recovery_requested',
      sourceType: 'request-group membership added',
      occurredAt: new Date().toISOString(),
      actor: { id: okta.emulator.control.userId('frank@example.com'), type: 'user', displayName: 'Frank' },
      subject: { userId: alice, login: null },
      action: 'mfa_reset',
      authenticatorKind: null,
    });
    const [opened] = await engine.listCases({ subjectId: alice, kind: 'recovery' });
    const caseId = opened?.id ?? '';
    const facts = await okta.adapter.readSubjectFacts(alice);
    const password = (facts.authenticators ?? []).find((a) => a.kind === 'password');
    await engine.recordEvidence(caseId, {
      kind: 'oidc_step_up',
      by: alice,
      authenticatorId: password?.id ?? null,
    });
    await engine.recordApproval(caseId, {
      approverId: okta.emulator.control.userId('erin@example.com'),
      role: 'manager',
      decision: 'approve',
      reason: 'confirmed on a video call',
    });
    await until(
      async () => (await journal(caseId)).get('reset')?.state === 'done',
      60_000,
      'revoke and reset',
    );
    expect(liveTacs(okta, alice)).toBe(0);

    // The replica claims, and dies where its page would answer.
    child = await claimInProcess(caseId, alice);
    const atKill = await journal(caseId);
    child.kill('SIGKILL');
    await new Promise((done) => child?.once('exit', done));
    expect(atKill.get('issue')?.state).toBe('done');
    expect(atKill.get('deliver')?.state).not.toBe('done');
    const orphan = atKill.get('issue')?.result.credentialId;
    expect(typeof orphan).toBe('string');
    expect(liveTacs(okta, alice)).toBe(1);
    // Nothing was delivered, so nothing runs on: the case waits for the subject.
    await engine.tick();
    expect((await engine.getCase(caseId))?.state).toBe('executing');

    // The subject collects again (here, on another replica): the orphan is revoked, a fresh one shown.
    const fresh = await engine.claimCredential(caseId, alice);
    const after = await journal(caseId);
    expect(after.get('issue')?.result.credentialId).not.toBe(orphan);
    expect(after.get('issue')?.result.replacedOrphan).toBe(orphan);
    expect(after.get('deliver')?.state).toBe('done');
    expect(liveTacs(okta, alice)).toBe(1);
    // The one shown is the one live: it signs in once, and then none is left.
    expect(await okta.emulator.control.signInWithTac(alice, fresh.secret.reveal())).toBe(true);
    expect(liveTacs(okta, alice)).toBe(0);
    expect(await okta.emulator.control.signInWithTac(alice, fresh.secret.reveal())).toBe(false);
    await until(
      async () => (await engine.getCase(caseId))?.state === 'completed',
      60_000,
      'the case to complete',
    );
    expect(await refreshTokenWorks(okta, session.refreshToken)).toBe(false);
    expect((await verifyAudit(store)).ok).toBe(true);
  }, 240_000);
});
