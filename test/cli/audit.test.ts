import { generateKeyPairSync } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecret } from '@recovery-gate/core';
import {
  anchorChain,
  createAuditLog,
  createCheckpointSigner,
  GATE_MIGRATIONS,
  openStore,
  verifyKeysFrom,
} from '@recovery-gate/gate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './support.js';

const ENV = { OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: 'token-from-the-environment' };

describe('recovery-gate audit and cases (built binary, embedded store)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    tmp = await tempDir();
    expect((await runCli(['init'], tmp.dir)).code).toBe(0);
    // The starter keeps the embedded store in .recovery-gate/data next to the config: write a chain there.
    const store = await openStore({ dataDir: join(tmp.dir, '.recovery-gate', 'data') });
    await store.migrate(GATE_MIGRATIONS);
    const audit = createAuditLog(store);
    for (const step of ['case.opened', 'case.evidence', 'case.approved', 'case.completed']) {
      await audit.append({ type: step, caseId: 'case-1', actor: 'gate', data: { step } });
    }
    await store.close();
  });
  afterEach(() => tmp.remove());

  const edit = async (sql: string) => {
    const store = await openStore({ dataDir: join(tmp.dir, '.recovery-gate', 'data') });
    await store.query(sql);
    await store.close();
  };

  it('verify passes an intact chain and names the first edited record', async () => {
    const intact = await runCli(['audit', 'verify'], tmp.dir, ENV);
    expect(intact.stderr).toBe('');
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/4 record\(s\)/);

    await edit(`UPDATE audit_records SET actor = 'mallory' WHERE seq = 3`);
    const edited = await runCli(['audit', 'verify'], tmp.dir, ENV);
    expect(edited.code).toBe(1);
    const lines = edited.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error \[ERR_AUDIT_TAMPERED\]: audit record #3 is tampered/);
  });

  it('verify catches a deleted tail record', async () => {
    await edit('DELETE FROM audit_records WHERE seq = 4');
    const result = await runCli(['audit', 'verify'], tmp.dir, ENV);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/audit record #4 is missing/);
  });

  it('export writes one JSON line per record to --out, and to stdout without it', async () => {
    const out = await runCli(['audit', 'export', '--out', 'audit.jsonl'], tmp.dir, ENV);
    expect(out.code).toBe(0);
    const lines = (await readFile(join(tmp.dir, 'audit.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).type)).toEqual([
      'case.opened',
      'case.evidence',
      'case.approved',
      'case.completed',
    ]);
    const stdout = await runCli(['audit', 'export'], tmp.dir, ENV);
    expect(stdout.stdout.trimEnd().split('\n')).toEqual(lines);
  });

  it('cases list reads the store; cases show of an unknown id says so', async () => {
    const list = await runCli(['cases', 'list'], tmp.dir, ENV);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('No cases yet.');
    const show = await runCli(['cases', 'show', 'nope'], tmp.dir, ENV);
    expect(show.code).toBe(1);
    expect(show.stderr).toMatch(/^error \[ERR_CASE_NOT_FOUND\]: no case nope/);
  });

  it('verify checks signed checkpoints with only the public key, and catches a rewritten chain or deleted checkpoints', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const signer = createCheckpointSigner(
      createSecret(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    );
    const indented = publicPem.trimEnd().split('\n').join('\n      ');
    await appendFile(
      join(tmp.dir, 'recovery-gate.yaml'),
      `audit:\n  checkpointInterval: 10m\n  verifyKeys:\n    - |\n      ${indented}\n`,
    );
    const store = await openStore({ dataDir: join(tmp.dir, '.recovery-gate', 'data') });
    await store.migrate(GATE_MIGRATIONS);
    expect(await anchorChain(store, signer, verifyKeysFrom([publicPem]), new Date())).toMatchObject({
      ok: true,
    });
    await store.close();

    const signed = await runCli(['audit', 'verify'], tmp.dir, ENV);
    expect(signed.stderr).toBe('');
    expect(signed.stdout).toMatch(
      /1 signed checkpoint\(s\), the newest at record #4 .*; 0 record\(s\) after it/,
    );

    // A checkpoint whose signature no longer matches what it names.
    await edit(`UPDATE audit_checkpoints SET hash = (SELECT hash FROM audit_records WHERE seq = 3), seq = 3`);
    const forged = await runCli(['audit', 'verify'], tmp.dir, ENV);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(
      /^error \[ERR_AUDIT_TAMPERED\]: signed checkpoint at audit record #3 fails \(bad signature\)/,
    );

    // Checkpoints deleted, and records older than twice the interval that nothing signed covers.
    await edit('DELETE FROM audit_checkpoints');
    const late = await openStore({ dataDir: join(tmp.dir, '.recovery-gate', 'data') });
    await createAuditLog(late, () => new Date('2026-01-01T00:00:00.000Z')).append({
      type: 'case.opened',
      caseId: 'case-2',
      actor: 'gate',
      data: {},
    });
    await late.close();
    const deleted = await runCli(['audit', 'verify'], tmp.dir, ENV);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toMatch(
      /^error \[ERR_AUDIT_TAMPERED\]: audit records #1 and later \(5\) are older than twice audit\.checkpointInterval and no signed checkpoint covers them/,
    );
  });
});
