/**
 * `recovery-gate cases list|show <id>` and `recovery-gate audit verify|export`: read the gate's store.
 * @module
 */

import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { GateError, parseDuration } from '@recovery-gate/core';
import {
  createAuditLog,
  createCheckpointSigner,
  exportAudit,
  listAudit,
  verifyAudit,
  verifyCheckpoints,
  verifyKeysFrom,
} from '../audit/index.js';
import type { GateConfig } from '../config/index.js';
import { silentLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { createOrchestrator } from '../orchestrator/index.js';
import type { Store } from '../types.js';
import { loadCliConfig, openCliStore } from './context.js';
import { type CliIo, EXIT, UsageError } from './io.js';
import { formatTimeline } from './timeline.js';

/** Options of the store-reading commands. */
export interface StoreOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly out?: string;
}

async function withStore<T>(
  options: StoreOptions,
  io: CliIo,
  run: (store: Store, config: GateConfig) => Promise<T>,
): Promise<T> {
  const loaded = await loadCliConfig(options.config, io);
  const store = await openCliStore(loaded, io);
  try {
    return await run(store, loaded.config);
  } finally {
    await store.close();
  }
}

function engineOn(store: Store, policy: GateConfig) {
  const now = () => new Date();
  return createOrchestrator({
    store,
    providers: new Map(),
    policy,
    audit: createAuditLog(store, now),
    notifier: { send: async () => undefined },
    metrics: createMetrics(),
    logger: silentLogger,
    now,
    baseUrl: 'http://127.0.0.1',
  });
}

function ioWritable(io: CliIo): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      io.stdout(String(chunk));
      callback();
    },
  });
}

/** `cases list` / `cases show <id>`. */
export async function cases(
  sub: string | undefined,
  id: string | undefined,
  options: StoreOptions,
  io: CliIo,
) {
  if (sub !== 'list' && sub !== 'show') throw new UsageError('expected `cases list` or `cases show <id>`');
  if (sub === 'show' && id === undefined) throw new UsageError('`cases show` needs a case id');
  return withStore(options, io, async (store, config) => {
    const rows = await store.query<Record<string, unknown>>(
      sub === 'list'
        ? 'SELECT id, kind, idp, state, tier, subject_id, created_at FROM cases ORDER BY created_at DESC LIMIT 200'
        : 'SELECT id FROM cases WHERE id = $1',
      sub === 'list' ? [] : [id],
    );
    if (sub === 'list') {
      if (options.json === true) io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) io.stdout('No cases yet.\n');
      else
        for (const r of rows) {
          const at = new Date(String(r.created_at)).toISOString();
          io.stdout(
            `${String(r.id)}  ${at}  ${String(r.kind)}  ${String(r.idp)}  ${String(r.tier ?? '-')}  ${String(r.state)}  subject ${String(r.subject_id)}\n`,
          );
        }
      return EXIT.ok;
    }
    if (rows.length === 0)
      throw new GateError('ERR_CASE_NOT_FOUND', `no case ${id}; run \`recovery-gate cases list\``);
    const view = await engineOn(store, config).getCase(id as string);
    const records = await listAudit(store, { caseId: id as string });
    if (options.json === true) io.stdout(`${JSON.stringify({ case: view, audit: records }, null, 2)}\n`);
    else io.stdout(formatTimeline(view, records, {}));
    return EXIT.ok;
  });
}

/** `audit verify` (names the first bad record, exit 1) / `audit export [--out file]` (JSONL). */
export async function audit(sub: string | undefined, options: StoreOptions, io: CliIo): Promise<number> {
  if (sub !== 'verify' && sub !== 'export') throw new UsageError('expected `audit verify` or `audit export`');
  return withStore(options, io, async (store, config) => {
    if (sub === 'verify') {
      const result = await verifyAudit(store);
      if (!result.ok)
        throw new GateError(
          'ERR_AUDIT_TAMPERED',
          `audit record #${result.firstBadSeq} is ${result.reason} (${result.count} record(s) before it verify); preserve the database and investigate`,
        );
      const anchored = await verifyAnchors(store, config, new Date());
      io.stdout(`audit chain verified: ${result.count} record(s), no gap, no edit; ${anchored}.\n`);
      return EXIT.ok;
    }
    if (options.out === undefined) {
      await exportAudit(store, ioWritable(io));
      return EXIT.ok;
    }
    const file = resolve(io.cwd, options.out);
    const out = createWriteStream(file, { mode: 0o600 });
    const count = await exportAudit(store, out);
    out.end();
    await finished(out);
    io.stderr(`exported ${count} audit record(s) to ${file}\n`);
    return EXIT.ok;
  });
}

/**
 * Checks the signed checkpoints against the configured keys and that no record stayed unanchored for longer
 * than twice the checkpoint interval (deleted checkpoints, or a rewrite after the newest one); returns the
 * summary line, or throws `ERR_AUDIT_TAMPERED`.
 */
async function verifyAnchors(store: Store, config: GateConfig, now: Date): Promise<string> {
  const signing = config.audit.signingPrivateKey;
  const keys = verifyKeysFrom(config.audit.verifyKeys, signing ? createCheckpointSigner(signing) : undefined);
  if (keys.size === 0) return 'unsigned (set audit.signingPrivateKey to anchor it with signed checkpoints)';
  const checked = await verifyCheckpoints(store, keys);
  if (!checked.ok)
    throw new GateError(
      'ERR_AUDIT_TAMPERED',
      `signed checkpoint at audit record #${checked.seq} fails (${checked.fault.replace('_', ' ')}); preserve the database and investigate`,
    );
  const after = checked.latest?.seq ?? 0;
  const [open] = await store.query<{ n: number; oldest: string | null }>(
    'SELECT count(*) AS n, min(at) AS oldest FROM audit_records WHERE seq > $1',
    [after],
  );
  const unanchored = Number(open?.n ?? 0);
  const limitMs = 2 * parseDuration(config.audit.checkpointInterval);
  if (open?.oldest && now.getTime() - Date.parse(open.oldest) > limitMs)
    throw new GateError(
      'ERR_AUDIT_TAMPERED',
      `audit records #${after + 1} and later (${unanchored}) are older than twice audit.checkpointInterval and no signed checkpoint covers them: checkpoints were deleted or the gate stopped signing; preserve the database and investigate`,
    );
  const newest = checked.latest
    ? `, the newest at record #${checked.latest.seq} (key ${checked.latest.keyId})`
    : '';
  return `${checked.count} signed checkpoint(s)${newest}; ${unanchored} record(s) after it not yet anchored`;
}
