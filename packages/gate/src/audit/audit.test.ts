import { PassThrough } from 'node:stream';
import { createSecret, isGateError } from '@recovery-gate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GATE_MIGRATIONS } from '../store/index.js';
import { BACKENDS, prepareEmbeddedTemplate, type TestLocation, testLocation } from '../testing/stores.js';
import type { Store } from '../types.js';
import { createAuditLog, exportAudit, listAudit, verifyAudit } from './index.js';

beforeAll(() => prepareEmbeddedTemplate(), 180_000);

describe.each(BACKENDS)('audit chain on %s', (backend) => {
  let location: TestLocation;
  let store: Store;
  let tick = 0;
  const now = () => new Date(Date.UTC(2026, 2, 1, 10, 0, tick++));
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
    await store.query('TRUNCATE audit_records');
    await store.query(`UPDATE audit_head SET seq = 0, hash = '${'0'.repeat(64)}'`);
  });

  const fill = async (n: number) => {
    const audit = createAuditLog(store, now);
    for (let i = 1; i <= n; i += 1) {
      await audit.append({
        type: 'case.transition',
        caseId: `c${i % 2}`,
        actor: 'gate',
        data: { to: 'verifying', n: i, ok: true },
      });
    }
  };

  it('verifies a chain a running gate appends to while it reads: what lands past the head is left for later', async () => {
    await fill(3);
    const audit = createAuditLog(store, now);
    let appended = false;
    // A record committed between the verifier's last page and its end (the gate is live).
    const live = {
      query: async <T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> => {
        const rows = await store.query<T>(sql, params);
        if (!appended && sql.includes('FROM audit_records WHERE seq >') && rows.length === 0) {
          appended = true;
          await audit.append({ type: 'case.transition', caseId: 'c9', actor: 'gate', data: { n: 4 } });
        }
        return rows;
      },
    };
    expect(await verifyAudit(live)).toMatchObject({ ok: true, count: 3 });
    expect(appended).toBe(true);
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: 4 });
  });

  it('appends a verifiable chain and exports it as JSONL', async () => {
    await fill(5);
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: 5 });
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
    expect(await exportAudit(store, out)).toBe(5);
    const lines = chunks
      .join('')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(lines[0]).toMatchObject({
      type: 'case.transition',
      caseId: 'c1',
      actor: 'gate',
      data: { to: 'verifying', n: 1, ok: true },
    });
    expect(lines[1]?.prevHash).toBe(lines[0]?.hash);
    expect((await listAudit(store, { caseId: 'c0' })).map((r) => r.seq)).toEqual([2, 4]);
  });

  it('names the first edited record', async () => {
    await fill(4);
    await store.query(`UPDATE audit_records SET data = '{"n":2,"ok":true,"to":"completed"}' WHERE seq = 2`);
    expect(await verifyAudit(store)).toEqual({ ok: false, count: 1, firstBadSeq: 2, reason: 'tampered' });
  });

  it('names a deleted record, and a truncated tail against the head', async () => {
    await fill(4);
    await store.query('DELETE FROM audit_records WHERE seq = 4');
    expect(await verifyAudit(store)).toEqual({ ok: false, count: 3, firstBadSeq: 4, reason: 'missing' });
    await store.query('DELETE FROM audit_records WHERE seq = 2');
    expect(await verifyAudit(store)).toMatchObject({ ok: false, firstBadSeq: 2, reason: 'missing' });
  });

  it('refuses to chain onto a head record that is missing or altered, and writes nothing', async () => {
    await fill(3);
    const audit = createAuditLog(store, now);
    const entry = { type: 't', caseId: null, actor: 'gate', data: {} };
    await store.query(`UPDATE audit_records SET hash = '${'f'.repeat(64)}' WHERE seq = 3`);
    await expect(audit.append(entry)).rejects.toThrow('The audit record 3 named by the chain head');
    await store.query('DELETE FROM audit_records WHERE seq = 3');
    await expect(audit.append(entry)).rejects.toThrow('The audit record 3 named by the chain head');
    const [head] = await store.query<{ seq: number }>('SELECT seq FROM audit_head');
    expect(head?.seq).toBe(3);
    expect(await store.query('SELECT seq FROM audit_records WHERE seq > 3')).toEqual([]);
  });

  it('refuses a secret and writes nothing', async () => {
    const audit = createAuditLog(store, now);
    const error = await audit
      .append({ type: 'x', caseId: null, actor: 'gate', data: { credential: createSecret('tap-123') } })
      .catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_AUDIT_SECRET')).toBe(true);
    const error2 = await audit
      .append({ type: 'x', caseId: null, actor: 'gate', data: { password: 'hunter2' } })
      .catch((e: unknown) => e);
    expect(isGateError(error2, 'ERR_AUDIT_SECRET')).toBe(true);
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: 0 });
  });

  it('joins the caller transaction: rolled back with it', async () => {
    const audit = createAuditLog(store, now);
    await expect(
      store.transaction(async (tx) => {
        await audit.append({ type: 'case.opened', caseId: 'c9', actor: 'gate', data: {} }, tx);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: 0 });
    await store.transaction((tx) =>
      audit.append({ type: 'case.opened', caseId: 'c9', actor: 'gate', data: {} }, tx),
    );
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: 1 });
  });

  it('appends a batch as one chain extension, in order, between single appends; all or nothing', async () => {
    const audit = createAuditLog(store, now);
    const batch = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        type: 'b',
        caseId: `c${from + i}`,
        actor: 'gate',
        data: { i: from + i },
      }));
    await fill(2);
    await Promise.all([
      audit.appendMany(batch(0, 40)),
      audit.append({ type: 't', caseId: null, actor: 'gate', data: { single: true } }),
      audit.appendMany(batch(40, 25)),
    ]);
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: 68 });
    const listed = await listAudit(store, {});
    const batched = listed.filter((r) => r.type === 'b').map((r) => (r.data as { i: number }).i);
    // Each batch's records are consecutive and in the order given.
    const first = batched.indexOf(0);
    expect(batched.slice(first, first + 40)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // One refused entry (a secret) refuses the batch: nothing of it is written.
    const refused = [
      ...batch(100, 3),
      { type: 'x', caseId: null, actor: 'gate', data: { password: 'hunter2' } },
    ];
    await expect(audit.appendMany(refused)).rejects.toThrow();
    // A head that names an altered record refuses the batch too.
    await store.query(`UPDATE audit_records SET hash = '${'e'.repeat(64)}' WHERE seq = 68`);
    await expect(audit.appendMany(batch(200, 3))).rejects.toThrow(
      'The audit record 68 named by the chain head',
    );
    expect(await store.query('SELECT seq FROM audit_records WHERE seq > 68')).toEqual([]);
  });

  it('appends one record in one statement, with the hash verifiers compute, whatever its data holds', async () => {
    const audit = createAuditLog(store, now);
    await fill(1);
    const statements: string[] = [];
    // Data that holds the text around the previous hash and seq (a nested record), escapes and non-ASCII.
    const data = {
      prevHash: '',
      seq: 0,
      nested: { prevHash: '', seq: 0, type: '","seq":7' },
      '"prevHash":"","seq":0': 'key',
      text: 'é 🙂 \u0000 "quoted" \\ \n',
    };
    const record = await store.transaction((tx) =>
      audit.appendRecord(
        { type: 't "q" é', caseId: null, actor: null, data },
        {
          query: (sql, params) => {
            statements.push(sql);
            return tx.query(sql, params);
          },
        },
      ),
    );
    expect(statements).toHaveLength(1);
    expect(record).toMatchObject({ seq: 2, type: 't "q" é', data });
    const [row] = await store.query<{ hash: string; prev_hash: string }>(
      'SELECT hash, prev_hash FROM audit_records WHERE seq = 2',
    );
    expect(row?.hash).toBe(record.hash);
    expect(row?.prev_hash).toBe((await listAudit(store, {}))[0]?.hash);
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: 2 });
  });

  it('serialises concurrent appends into one chain', async () => {
    const audit = createAuditLog(store, now);
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        audit.append({ type: 't', caseId: null, actor: 'gate', data: { i } }),
      ),
    );
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: 12 });
  });
});

describe('audit chain across two PostgreSQL stores', () => {
  it("chains an append that waited for another replica's onto the record that replica committed", async () => {
    const location = await testLocation('postgres');
    const a = await location.open();
    const b = await location.open();
    try {
      await a.migrate(GATE_MIGRATIONS);
      const [la, lb] = [createAuditLog(a), createAuditLog(b)];
      await la.append({ type: 't', caseId: null, actor: 'gate', data: { i: 0 } });
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      // Replica A holds the head (its append is not committed) while B's append waits for the lock. B starts
      // only once A's append ran: started together, B could take the head first (then nothing waits).
      let appended: () => void = () => undefined;
      const holding = new Promise<void>((resolve) => {
        appended = resolve;
      });
      const first = a.transaction(async (tx) => {
        await la.append({ type: 't', caseId: null, actor: 'gate', data: { i: 1 } }, tx);
        appended();
        await held;
      });
      await holding;
      const statements: string[] = [];
      const second = b.transaction((tx) =>
        lb.appendRecord(
          { type: 't', caseId: null, actor: 'gate', data: { i: 2 } },
          {
            query: (sql, params) => {
              statements.push(sql);
              return tx.query(sql, params);
            },
          },
        ),
      );
      for (let i = 0; i < 500; i += 1) {
        const [w] = await a.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%audit_head%'`,
        );
        if ((w?.n ?? 0) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      release();
      await first;
      expect(await second).toMatchObject({ seq: 3 });
      // The one-statement append inserted nothing (it could not see A's record); the same statement again,
      // with the head locked and a snapshot that holds A's record, appended.
      expect(statements).toHaveLength(2);
      expect(statements[1]).toBe(statements[0]);
      expect(await verifyAudit(a)).toMatchObject({ ok: true, count: 3 });
    } finally {
      await a.close();
      await b.close();
      await location.cleanup();
    }
  });

  it('keeps one chain when two replicas append at once', async () => {
    const location = await testLocation('postgres');
    const a = await location.open();
    const b = await location.open();
    try {
      await a.migrate(GATE_MIGRATIONS);
      const [la, lb] = [createAuditLog(a), createAuditLog(b)];
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? la : lb).append({ type: 't', caseId: null, actor: 'gate', data: { i } }),
        ),
      );
      expect(await verifyAudit(a)).toMatchObject({ ok: true, count: 20 });
    } finally {
      await a.close();
      await b.close();
      await location.cleanup();
    }
  });
});
