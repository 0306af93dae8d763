/**
 * Streams the audit chain to a SIEM as it is written: at least once and in order, per sink. Each sink keeps a
 * cursor (the last record it accepted) in the store; a batch is read after the cursor, sent, and the cursor
 * moves only after the sink accepted it, so a crash or an outage resends from the cursor, never skips.
 * Sinks: syslog (RFC 5424 messages over TLS with RFC 5425 octet-counting framing) and Splunk's HTTP Event
 * Collector. A record carries no secret (the chain refuses them), so what leaves is what the chain holds.
 * @module
 */

import { hostname } from 'node:os';
import { connect, type TLSSocket } from 'node:tls';
import type { AuditRecord, Secret } from '@recovery-gate/core';
import type { Queryable, Store } from '../types.js';
import { type AuditRow, rowToRecord } from './log.js';

/** Sends a batch of records in order; resolves once the far end accepted all of them, throws otherwise. */
export interface AuditSink {
  readonly name: string;
  send(records: readonly AuditRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** Records per batch. */
const BATCH = 200;

/**
 * Sends every record after the sink's cursor, batch by batch, moving the cursor after each accepted batch.
 * Returns how many records were sent; a failure leaves the cursor at the last accepted batch and rethrows.
 */
export async function streamAudit(store: Store, sink: AuditSink): Promise<number> {
  await store.query(
    'INSERT INTO audit_stream_cursors (sink, seq) VALUES ($1, 0) ON CONFLICT (sink) DO NOTHING',
    [sink.name],
  );
  let sent = 0;
  for (;;) {
    const [cursor] = await store.query<{ seq: number }>(
      'SELECT seq FROM audit_stream_cursors WHERE sink = $1',
      [sink.name],
    );
    const after = Number(cursor?.seq ?? 0);
    const rows = await store.query<AuditRow>(
      'SELECT * FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2',
      [after, BATCH],
    );
    if (rows.length === 0) return sent;
    const records = rows.map(rowToRecord);
    await sink.send(records);
    await moveCursor(store, sink.name, after, (records.at(-1) as AuditRecord).seq);
    sent += records.length;
  }
}

async function moveCursor(q: Queryable, sink: string, from: number, to: number): Promise<void> {
  // Only forward, and only from where this run read: a cursor moved meanwhile by another replica stays.
  await q.query('UPDATE audit_stream_cursors SET seq = $3 WHERE sink = $1 AND seq = $2', [sink, from, to]);
}

/** Where each sink's cursor stands, for metrics and `audit verify`. */
export async function streamCursors(store: Queryable): Promise<Map<string, number>> {
  const rows = await store.query<{ sink: string; seq: number }>('SELECT sink, seq FROM audit_stream_cursors');
  return new Map(rows.map((r) => [r.sink, Number(r.seq)]));
}

const APP = 'recovery-gate';
/** local4 (20) * 8 + informational (6): security-relevant, routine. */
const PRI = 20 * 8 + 6;

function sdValue(value: string): string {
  // RFC 5424 6.3.3: '"', '\' and ']' are escaped inside a PARAM-VALUE.
  return value.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

/** One RFC 5424 message for a record: structured data names the record, the message is the record as JSON. */
export function syslogMessage(record: AuditRecord, host = hostname()): string {
  const sd = `[audit@32473 seq="${record.seq}" hash="${record.hash}" type="${sdValue(record.type)}"${
    record.caseId === null ? '' : ` case="${sdValue(record.caseId)}"`
  }]`;
  const msgId = record.type.replace(/[^\x21-\x7e]/g, '_').slice(0, 32) || '-';
  const hostField = host.replace(/[^\x21-\x7e]/g, '_').slice(0, 255) || '-';
  return `<${PRI}>1 ${record.at} ${hostField} ${APP} - ${msgId} ${sd} ${JSON.stringify(record)}`;
}

/** RFC 5425 framing: the message's length in octets, a space, the message. */
export function octetFrame(message: string): string {
  return `${Buffer.byteLength(message, 'utf8')} ${message}`;
}

/** Options of {@link createSyslogSink}. */
export interface SyslogSinkOptions {
  /** `tls://host:port` (6514 is the registered port). */
  readonly url: string;
  /** Extra CA certificates (PEM) to trust, e.g. a private CA. The system's are trusted too. */
  readonly ca?: string;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/**
 * A syslog sink over TLS (RFC 5425), certificate and host name verified. Syslog has no acknowledgement, so a
 * batch counts as accepted once TLS has flushed it to the socket; at-least-once holds for what the receiver's
 * TCP stack took, and a broken connection resends from the cursor.
 */
export function createSyslogSink(options: SyslogSinkOptions): AuditSink {
  const url = new URL(options.url);
  if (url.protocol !== 'tls:') throw new Error('A syslog sink URL must be tls://host:port (RFC 5425).');
  let socket: TLSSocket | undefined;
  const open = (): Promise<TLSSocket> =>
    new Promise((resolve, reject) => {
      const s = connect({
        host: url.hostname,
        port: Number(url.port || 6514),
        servername: url.hostname,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        timeout: options.timeoutMs ?? 10_000,
      });
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
      s.once('timeout', () => s.destroy(new Error('The syslog receiver timed out.')));
    });
  return {
    name: `syslog:${url.host}`,
    async send(records) {
      if (socket === undefined || socket.destroyed) {
        socket = await open();
        // A long-lived connection must not keep a stopping gate alive.
        socket.unref();
        socket.on('error', () => socket?.destroy());
      }
      const s = socket;
      const text = records.map((r) => octetFrame(syslogMessage(r))).join('');
      await new Promise<void>((resolve, reject) => {
        s.write(text, 'utf8', (error) => (error ? reject(error) : resolve()));
      }).catch((error: unknown) => {
        s.destroy();
        throw error;
      });
    },
    async close() {
      if (socket !== undefined && !socket.destroyed)
        await new Promise<void>((resolve) => socket?.end(resolve));
    },
  };
}

/** Options of {@link createSplunkHecSink}. */
export interface SplunkHecSinkOptions {
  /** The collector's base URL, e.g. `https://splunk.example.com:8088`. */
  readonly url: string;
  /** The HEC token. */
  readonly token: Secret;
  /** @default 'recovery-gate:audit' */
  readonly sourcetype?: string;
  readonly index?: string;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/**
 * A Splunk HTTP Event Collector sink: one POST of the batch to `/services/collector/event`, events in order,
 * `time` in epoch seconds; accepted only on HTTP 200 with `code: 0`.
 * @see https://docs.splunk.com/Documentation/Splunk/latest/Data/HECRESTendpoints
 */
export function createSplunkHecSink(options: SplunkHecSinkOptions): AuditSink {
  const base = new URL(options.url);
  const endpoint = new URL('/services/collector/event', base);
  return {
    name: `splunk-hec:${base.host}`,
    async send(records) {
      const body = records
        .map((record) =>
          JSON.stringify({
            time: Date.parse(record.at) / 1000,
            host: hostname(),
            source: 'recovery-gate',
            sourcetype: options.sourcetype ?? 'recovery-gate:audit',
            ...(options.index === undefined ? {} : { index: options.index }),
            event: record,
          }),
        )
        .join('\n');
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Splunk ${options.token.reveal()}`, 'content-type': 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      const answer = (await response.json().catch(() => null)) as { code?: number; text?: string } | null;
      // The token is a secret: the error names the status and HEC's own code and text only.
      if (response.status !== 200 || answer?.code !== 0)
        throw new Error(
          `The Splunk HEC refused the batch: HTTP ${response.status}, code ${answer?.code ?? '?'} (${String(answer?.text ?? '').slice(0, 80)}).`,
        );
    },
    async close() {},
  };
}
