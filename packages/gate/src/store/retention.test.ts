import { PassThrough } from 'node:stream';
import { GENESIS_HASH } from '@recovery-gate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog, exportAudit, verifyAudit } from '../audit/index.js';
import { orchestratorMigrations } from '../orchestrator/schema.js';
import { BACKENDS, prepareEmbeddedTemplate, type TestLocation, testLocation } from '../testing/stores.js';
import type { Store } from '../types.js';
import { GATE_MIGRATIONS } from './index.js';
import { applyRetention } from './retention.js';

beforeAll(() => prepareEmbeddedTemplate(), 180_000);

const NOW = new Date('2026-12-04T00:00:00.000Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const PERIODS = { caseDetails: '90d', cases: '400d', auditData: '400d' };

describe.each(BACKENDS)('retention on %s', (backend) => {
  let location: TestLocation;
  let store: Store;
  beforeAll(async () => {
    location = await testLocation(backend);
    store = await location.open();
    await store.migrate([...GATE_MIGRATIONS, ...orchestratorMigrations]);
  });
  afterAll(async () => {
    await store.close();
    await location.cleanup();
  });
  beforeEach(async () => {
    for (const t of ['case_evidence', 'case_approvals', 'case_journal', 'links', 'challenges', 'case_events'])
      await store.query(`DELETE FROM ${t}`);
    await store.query('DELETE FROM cases');
    await store.query('TRUNCATE audit_records');
    await store.query(`UPDATE audit_head SET seq = 0, hash = '${GENESIS_HASH}'`);
  });

  const addCase = async (id: string, state: string, ageDays: number) => {
    const at = daysAgo(ageDays).toISOString();
    await store.query(
      `INSERT INTO cases (id, idp, subject_id, subject_login, action, requester_id, state, facts, created_at, updated_at)
       VALUES ($1, 'okta', 'u-' || $1, 'alice@example.com', 'mfa_reset', 'frank', $2, $3::jsonb, $4, $4)`,
      [id, state, JSON.stringify({ login: 'alice@example.com', phone: '+15550100101' }), at],
    );
    await store.query(
      `INSERT INTO case_evidence (case_id, kind, person_id, outcome, at, data) VALUES ($1, 'phone_otp', 'u-' || $1, 'passed', $2, $3::jsonb)`,
      [id, at, JSON.stringify({ to: '+****0101' })],
    );
    await store.query(
      `INSERT INTO case_approvals (case_id, person_id, role, decision, reason, at) VALUES ($1, 'erin', 'manager', 'approve', 'called her on Teams', $2)`,
      [id, at],
    );
    await store.query(
      `INSERT INTO links (token_hash, case_id, purpose, expires_at, created_at) VALUES ('h-' || $1, $1, 'verify', $2, $2)`,
      [id, at],
    );
    await createAuditLog(store, () => daysAgo(ageDays)).append({
      type: 'case.opened',
      caseId: id,
      actor: 'frank',
      data: { login: 'alice@example.com' },
    });
  };

  it('clears details, then deletes closed cases, never an open one, and prunes audit data keeping a chain that verifies', async () => {
    await addCase('old-closed', 'completed', 500);
    await addCase('old-open', 'verifying', 500);
    await addCase('mid-closed', 'denied', 120);
    await addCase('new-closed', 'completed', 10);

    expect(await applyRetention(store, PERIODS, NOW)).toEqual({
      detailsCleared: 2,
      casesDeleted: 1,
      auditRecordsPruned: 1,
    });

    const cases = await store.query<{ id: string; facts: unknown }>(
      'SELECT id, facts FROM cases ORDER BY id',
    );
    expect(cases.map((c) => c.id)).toEqual(['mid-closed', 'new-closed', 'old-open']);
    const facts = Object.fromEntries(cases.map((c) => [c.id, c.facts]));
    expect(facts['mid-closed']).toBeNull();
    expect(facts['new-closed']).not.toBeNull();
    expect(facts['old-open']).not.toBeNull();
    const evidence = await store.query<{ case_id: string; data: unknown }>(
      'SELECT case_id, data FROM case_evidence',
    );
    expect(Object.fromEntries(evidence.map((e) => [e.case_id, e.data]))).toEqual({
      'mid-closed': {},
      'new-closed': { to: '+****0101' },
      'old-open': { to: '+****0101' },
    });
    const reasons = await store.query<{ case_id: string; reason: string | null }>(
      'SELECT case_id, reason FROM case_approvals ORDER BY case_id',
    );
    expect(reasons.map((r) => r.reason)).toEqual([null, 'called her on Teams', 'called her on Teams']);
    expect(await store.query("SELECT 1 FROM links WHERE case_id = 'old-closed'")).toHaveLength(0);

    // The old closed case's audit record lost its data and actor; the open case's did not.
    const audit = await store.query<{
      case_id: string;
      data: string;
      actor: string | null;
      pruned_at: string | null;
    }>('SELECT case_id, data, actor, pruned_at FROM audit_records ORDER BY seq');
    expect(audit.find((r) => r.case_id === 'old-closed')).toMatchObject({ data: '{}', actor: null });
    expect(audit.find((r) => r.case_id === 'old-closed')?.pruned_at).toBeTruthy();
    expect(audit.find((r) => r.case_id === 'old-open')).toMatchObject({ actor: 'frank', pruned_at: null });
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: 4 });
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (c: Buffer) => lines.push(...c.toString('utf8').trimEnd().split('\n')));
    await exportAudit(store, out);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ seq: 1, data: {}, prunedAt: expect.any(String) });

    // Running again changes nothing.
    expect(await applyRetention(store, PERIODS, NOW)).toEqual({
      detailsCleared: 0,
      casesDeleted: 0,
      auditRecordsPruned: 0,
    });

    // A pruned record's hash is still bound by the next record's link.
    await store.query(`UPDATE audit_records SET hash = '${'f'.repeat(64)}' WHERE seq = 1`);
    expect(await verifyAudit(store)).toMatchObject({ ok: false, firstBadSeq: 2, reason: 'tampered' });
  });
});
