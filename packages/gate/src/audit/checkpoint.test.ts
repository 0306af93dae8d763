import { generateKeyPairSync } from 'node:crypto';
import { type AuditRecord, appendRecord, createSecret, GENESIS_HASH } from '@recovery-gate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GATE_MIGRATIONS } from '../store/index.js';
import { BACKENDS, prepareEmbeddedTemplate, type TestLocation, testLocation } from '../testing/stores.js';
import type { Store } from '../types.js';
import {
  anchorChain,
  createAuditLog,
  createAuditVerifier,
  createCheckpointSigner,
  verifyAudit,
  verifyCheckpoints,
  verifyKeysFrom,
} from './index.js';

beforeAll(() => prepareEmbeddedTemplate(), 180_000);

function ed25519Pem(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

describe.each(BACKENDS)('signed audit checkpoints on %s', (backend) => {
  let location: TestLocation;
  let store: Store;
  let tick = 0;
  const now = () => new Date(Date.UTC(2026, 2, 1, 10, 0, tick++));
  const gateKey = ed25519Pem();
  const signer = createCheckpointSigner(createSecret(gateKey.privatePem));
  // What `audit verify` holds: only the public half.
  const keys = verifyKeysFrom([gateKey.publicPem]);

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
    await store.query('TRUNCATE audit_checkpoints');
    await store.query(`UPDATE audit_head SET seq = 0, hash = '${GENESIS_HASH}'`);
  });

  const fill = async (n: number, from = 1) => {
    const audit = createAuditLog(store, now);
    for (let i = from; i < from + n; i += 1) {
      await audit.append({ type: 'case.transition', caseId: 'c1', actor: 'gate', data: { n: i } });
    }
  };

  /** What an attacker with write access to the database can do: rewrite every record and the head. */
  const rewriteChain = async (editSeq: number, actor: string) => {
    const rows = await store.query<{ seq: number; at: string; type: string; case_id: string; data: string }>(
      'SELECT seq, at, type, case_id, data FROM audit_records ORDER BY seq',
    );
    let prev: AuditRecord | null = null;
    for (const row of rows) {
      const record: AuditRecord = appendRecord(
        prev,
        {
          type: row.type,
          caseId: row.case_id,
          actor: Number(row.seq) === editSeq ? actor : 'gate',
          data: JSON.parse(row.data),
        },
        row.at,
      );
      await store.query('UPDATE audit_records SET actor = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [
        record.seq,
        record.actor,
        record.prevHash,
        record.hash,
      ]);
      prev = record;
    }
    await store.query('UPDATE audit_head SET hash = $1 WHERE id = 1', [prev?.hash]);
  };

  it('signs the head once, and a chain rewritten end to end still verifies as a chain but not against its checkpoint', async () => {
    await fill(6);
    const first = await anchorChain(store, signer, keys, now());
    expect(first).toMatchObject({ ok: true, checkpoint: { seq: 6, keyId: signer.keyId } });
    // Nothing new: nothing signed again.
    expect(await anchorChain(store, signer, keys, now())).toEqual({ ok: true, checkpoint: null });
    expect(await verifyCheckpoints(store, keys)).toMatchObject({ ok: true, count: 1, latest: { seq: 6 } });

    await rewriteChain(3, 'mallory');
    // The unkeyed chain alone cannot tell: every hash and link was recomputed.
    expect(await verifyAudit(store)).toMatchObject({ ok: true, count: 6 });
    expect(await verifyCheckpoints(store, keys)).toEqual({
      ok: false,
      count: 1,
      seq: 6,
      fault: 'record_mismatch',
    });
  });

  it('refuses checkpoints signed with another key or altered, and never signs a chain that does not verify', async () => {
    await fill(3);
    await anchorChain(store, signer, keys, now());
    const mallory = createCheckpointSigner(createSecret(ed25519Pem().privatePem));
    await fill(2, 4);
    // A checkpoint forged with the attacker's own key names a key `audit verify` does not trust.
    await anchorChain(store, mallory, verifyKeysFrom([gateKey.publicPem], mallory), now());
    expect(await verifyCheckpoints(store, keys)).toMatchObject({ ok: false, seq: 5, fault: 'unknown_key' });
    await store.query('DELETE FROM audit_checkpoints WHERE seq = 5');

    // A signature moved to another head is not valid for it.
    await store.query(`UPDATE audit_checkpoints SET at = '2027-01-01T00:00:00.000Z' WHERE seq = 3`);
    expect(await verifyCheckpoints(store, keys)).toMatchObject({ ok: false, seq: 3, fault: 'bad_signature' });
    expect(await anchorChain(store, signer, keys, now())).toMatchObject({ ok: false, firstBadSeq: 3 });
    await store.query('DELETE FROM audit_checkpoints');
    await anchorChain(store, signer, keys, now());

    // An edit after the newest checkpoint is caught before signing, and nothing is signed.
    await fill(1, 6);
    await store.query(`UPDATE audit_records SET actor = 'mallory' WHERE seq = 6`);
    expect(await anchorChain(store, signer, keys, now())).toEqual({
      ok: false,
      firstBadSeq: 6,
      reason: 'tampered',
    });
    const [rows] = await store.query<{ n: number }>('SELECT max(seq) AS n FROM audit_checkpoints');
    expect(Number(rows?.n)).toBe(5);
  });

  it('the views verify only what was appended, catch an edit of the point verified last, and stay failed', async () => {
    const verify = createAuditVerifier(store);
    await fill(4);
    expect(await verify()).toMatchObject({ ok: true, count: 4, head: { seq: 4 } });
    await fill(2, 5);
    expect(await verify()).toMatchObject({ ok: true, count: 6 });
    await store.query(`UPDATE audit_records SET actor = 'mallory' WHERE seq = 6`);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 6, reason: 'tampered' });
    await store.query(`UPDATE audit_records SET actor = 'gate' WHERE seq = 6`);
    // A chain once seen broken never reads as intact again in this process.
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 6 });
  });

  it('refuses a key that is not an Ed25519 key, without quoting it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => createCheckpointSigner(createSecret(rsa))).toThrow(/must be an Ed25519 key/);
    expect(() => createCheckpointSigner(createSecret('not a key'))).toThrow(/is not a PEM private key\.$/);
    expect(() => verifyKeysFrom(['garbage'])).toThrow(/audit\.verifyKeys\[0\] is not a PEM public key/);
  });
});
