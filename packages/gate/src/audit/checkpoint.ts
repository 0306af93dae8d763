/**
 * Signed checkpoints of the audit chain. The chain itself is an unkeyed hash chain whose head lives in the
 * same database, so anyone who can write the database could rewrite it end to end. A checkpoint signs the
 * head (seq and hash) with an Ed25519 key the database never holds; `audit verify` checks every checkpoint
 * against the public key and the record it names, so a rewrite of anything before the newest checkpoint is
 * caught, and records left unanchored for longer than the checkpoint interval are reported.
 * @module
 */

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as signBytes,
  verify as verifyBytes,
} from 'node:crypto';
import { canonicalJson, GateError, type Secret } from '@recovery-gate/core';
import type { Queryable, Store } from '../types.js';
import { verifyAudit } from './export.js';

/** The signing side: the private key (from the secret store) and the id of its public half. */
export interface CheckpointSigner {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  sign(payload: Buffer): Buffer;
}

/** A stored checkpoint. */
export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
  readonly keyId: string;
  /** Base64 Ed25519 signature over {@link checkpointPayload}. */
  readonly signature: string;
}

/** The id of a public key: the first 16 hex digits of the SHA-256 of its SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new GateError('ERR_CONFIG_INVALID', `audit.${what} must be an Ed25519 key (PEM).`);
  return key;
}

/**
 * The signer for a PKCS#8 PEM Ed25519 private key held outside the database.
 * @throws GateError `ERR_CONFIG_INVALID` when the key is not an Ed25519 private key (the key is never quoted).
 */
export function createCheckpointSigner(privateKeyPem: Secret): CheckpointSigner {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem.reveal());
  } catch {
    throw new GateError('ERR_CONFIG_INVALID', 'audit.signingPrivateKey is not a PEM private key.');
  }
  ed25519(key, 'signingPrivateKey');
  const publicKey = createPublicKey(key);
  return {
    keyId: keyIdOf(publicKey),
    publicKey,
    sign: (payload) => signBytes(null, payload, key),
  };
}

/**
 * Public keys that checkpoints may be signed with, by key id (PEM public keys; a rotated-out key stays
 * listed so older checkpoints still verify).
 * @throws GateError `ERR_CONFIG_INVALID` naming the index of a key that is not an Ed25519 public key.
 */
export function verifyKeysFrom(pems: readonly string[], signer?: CheckpointSigner): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  pems.forEach((pem, i) => {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      throw new GateError('ERR_CONFIG_INVALID', `audit.verifyKeys[${i}] is not a PEM public key.`);
    }
    ed25519(key, `verifyKeys[${i}]`);
    keys.set(keyIdOf(key), key);
  });
  if (signer !== undefined) keys.set(signer.keyId, signer.publicKey);
  return keys;
}

/** The exact bytes a checkpoint signs. */
export function checkpointPayload(c: Omit<Checkpoint, 'signature'>): Buffer {
  return Buffer.from(canonicalJson({ v: 1, seq: c.seq, hash: c.hash, at: c.at, keyId: c.keyId }));
}

interface CheckpointRow extends Record<string, unknown> {
  seq: number;
  hash: string;
  at: string;
  key_id: string;
  signature: string;
}

const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  seq: Number(r.seq),
  hash: r.hash,
  at: r.at,
  keyId: r.key_id,
  signature: r.signature,
});

/** The result of {@link anchorChain}. */
export type AnchorResult =
  | { readonly ok: true; readonly checkpoint: Checkpoint | null }
  | { readonly ok: false; readonly firstBadSeq: number; readonly reason: string };

/**
 * Signs the current chain head, once across replicas, after verifying what was appended since the newest
 * checkpoint (whose own signature is checked first): a tampered chain is never signed. Holds the append lock
 * throughout, so the head it verified is the head it signs. Nothing is signed when the head is already signed.
 */
export async function anchorChain(
  store: Store,
  signer: CheckpointSigner,
  keys: ReadonlyMap<string, KeyObject>,
  now: Date,
): Promise<AnchorResult> {
  return store.transaction(async (q) => {
    const [head] = await q.query<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE',
    );
    if (head === undefined || Number(head.seq) === 0) return { ok: true, checkpoint: null };
    const last = await latestCheckpoint(q);
    if (last !== null && !checkpointValid(last, keys))
      return { ok: false, firstBadSeq: last.seq, reason: 'checkpoint signature invalid' };
    if (last !== null && last.seq >= Number(head.seq)) return { ok: true, checkpoint: null };
    const verified = await verifyAudit(q, last === null ? undefined : { seq: last.seq, hash: last.hash });
    if (!verified.ok) return { ok: false, firstBadSeq: verified.firstBadSeq, reason: verified.reason };
    const body = {
      seq: verified.head.seq,
      hash: verified.head.hash,
      at: now.toISOString(),
      keyId: signer.keyId,
    };
    const signature = signer.sign(checkpointPayload(body)).toString('base64');
    await q.query(
      'INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5)',
      [body.seq, body.hash, body.at, body.keyId, signature],
    );
    return { ok: true, checkpoint: { ...body, signature } };
  });
}

function checkpointValid(c: Checkpoint, keys: ReadonlyMap<string, KeyObject>): boolean {
  const key = keys.get(c.keyId);
  if (key === undefined) return false;
  try {
    return verifyBytes(null, checkpointPayload(c), key, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The newest checkpoint, or null. */
export async function latestCheckpoint(store: Queryable): Promise<Checkpoint | null> {
  const [row] = await store.query<CheckpointRow>(
    'SELECT seq, hash, at, key_id, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1',
  );
  return row === undefined ? null : toCheckpoint(row);
}

/** Why a checkpoint failed. */
export type CheckpointFault = 'unknown_key' | 'bad_signature' | 'record_mismatch';

/** The result of {@link verifyCheckpoints}. */
export type CheckpointVerification =
  | { readonly ok: true; readonly count: number; readonly latest: Checkpoint | null }
  | { readonly ok: false; readonly count: number; readonly seq: number; readonly fault: CheckpointFault };

/**
 * Checks every checkpoint: a known key, a valid signature, and the record it names stored with the hash it
 * signed. (The records between checkpoints are checked by the chain verification.)
 */
export async function verifyCheckpoints(
  store: Queryable,
  keys: ReadonlyMap<string, KeyObject>,
): Promise<CheckpointVerification> {
  const rows = await store.query<CheckpointRow & { record_hash: string | null }>(
    `SELECT c.seq, c.hash, c.at, c.key_id, c.signature, r.hash AS record_hash
       FROM audit_checkpoints c LEFT JOIN audit_records r ON r.seq = c.seq ORDER BY c.seq`,
  );
  let latest: Checkpoint | null = null;
  for (const row of rows) {
    const c = toCheckpoint(row);
    if (!keys.has(c.keyId)) return { ok: false, count: rows.length, seq: c.seq, fault: 'unknown_key' };
    if (!checkpointValid(c, keys))
      return { ok: false, count: rows.length, seq: c.seq, fault: 'bad_signature' };
    if (row.record_hash !== c.hash)
      return { ok: false, count: rows.length, seq: c.seq, fault: 'record_mismatch' };
    latest = c;
  }
  return { ok: true, count: rows.length, latest };
}
