import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket, type Server as TlsServer } from 'node:tls';
import { createSecret, GENESIS_HASH } from '@recovery-gate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GATE_MIGRATIONS } from '../store/index.js';
import { BACKENDS, prepareEmbeddedTemplate, type TestLocation, testLocation } from '../testing/stores.js';
import type { Store } from '../types.js';
import {
  createAuditLog,
  createSplunkHecSink,
  createSyslogSink,
  streamAudit,
  streamCursors,
} from './index.js';

beforeAll(() => prepareEmbeddedTemplate(), 180_000);

/** A self-signed certificate for 127.0.0.1, made with the machine's openssl. */
async function selfSigned(): Promise<{ key: string; cert: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rg-syslog-'));
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1'],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    ],
    { stdio: 'ignore' },
  );
  return {
    key: await readFile(join(dir, 'key.pem'), 'utf8'),
    cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A syslog-over-TLS receiver that parses RFC 5425 octet-counted frames; can drop a connection after n frames. */
function syslogReceiver(tls: { key: string; cert: string }) {
  const frames: string[] = [];
  let dropAfter = Number.POSITIVE_INFINITY;
  const server: TlsServer = createTlsServer(tls, (socket: TLSSocket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const space = buffer.indexOf(0x20);
        if (space < 0) return;
        const length = Number(buffer.subarray(0, space).toString('ascii'));
        if (buffer.length < space + 1 + length) return;
        if (frames.length >= dropAfter) {
          socket.destroy();
          return;
        }
        frames.push(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
        buffer = buffer.subarray(space + 1 + length);
      }
    });
    socket.on('error', () => undefined);
  });
  return {
    frames,
    dropAfter: (n: number) => {
      dropAfter = n;
    },
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`tls://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Splunk's HTTP Event Collector as documented: `Authorization: Splunk <token>`, newline-separated JSON events
 * on /services/collector/event, `{"text":"Success","code":0}`; 401 code 2 without a token, 403 code 4 for a
 * wrong one, 400 code 5 without data, 503 code 9 while busy.
 */
function hecEmulator(token: string) {
  const events: Array<Record<string, unknown>> = [];
  let busy = 0;
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, code: number, text: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ text, code }));
      };
      if (req.method !== 'POST' || req.url !== '/services/collector/event')
        return answer(404, 404, 'Not found');
      const auth = req.headers.authorization;
      if (auth === undefined) return answer(401, 2, 'Token is required');
      if (auth !== `Splunk ${token}`) return answer(403, 4, 'Invalid token');
      if (busy > 0) {
        busy -= 1;
        return answer(503, 9, 'Server is busy');
      }
      const lines = Buffer.concat(chunks)
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      if (lines.length === 0) return answer(400, 5, 'No data');
      for (const line of lines) events.push(JSON.parse(line) as Record<string, unknown>);
      return answer(200, 0, 'Success');
    });
  });
  return {
    events,
    busyFor: (n: number) => {
      busy = n;
    },
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(BACKENDS)('audit streaming to a SIEM on %s', (backend) => {
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
    await store.query('TRUNCATE audit_stream_cursors');
    await store.query(`UPDATE audit_head SET seq = 0, hash = '${GENESIS_HASH}'`);
  });
  const fill = async (n: number, from = 1) => {
    const audit = createAuditLog(store, now);
    for (let i = from; i < from + n; i += 1)
      await audit.append({ type: 'case.transition', caseId: `case "${i}"]`, actor: 'gate', data: { n: i } });
  };

  it('sends every record to syslog over TLS in order, RFC 5424 in RFC 5425 frames, and resends from the cursor after a broken connection', async () => {
    const tls = await selfSigned();
    const receiver = syslogReceiver(tls);
    const url = await receiver.listen();
    try {
      await fill(5);
      // The receiver's certificate is verified: without its CA the stream refuses and nothing moves.
      await expect(streamAudit(store, createSyslogSink({ url }))).rejects.toThrow();
      expect(receiver.frames).toHaveLength(0);

      const sink = createSyslogSink({ url, ca: tls.cert });
      expect(await streamAudit(store, sink)).toBe(5);
      expect((await streamCursors(store)).get(sink.name)).toBe(5);
      const first = receiver.frames[0] as string;
      expect(first).toMatch(
        /^<166>1 2026-03-01T10:\d\d:\d\d\.000Z \S+ recovery-gate - case\.transition \[audit@32473 seq="1" hash="[0-9a-f]{64}" type="case\.transition" case="case \\"1\\"\\]"\] \{/,
      );
      const bodies = receiver.frames.map((f) => JSON.parse(f.slice(f.indexOf('] {') + 2)) as { seq: number });
      expect(bodies.map((b) => b.seq)).toEqual([1, 2, 3, 4, 5]);

      // The receiver drops the connection; the next run reconnects and resends from the cursor.
      receiver.dropAfter(5);
      await fill(2, 6);
      await sink.close();
      receiver.dropAfter(Number.POSITIVE_INFINITY);
      const again = createSyslogSink({ url, ca: tls.cert });
      expect(await streamAudit(store, again)).toBe(2);
      const seqs = receiver.frames.map(
        (f) => (JSON.parse(f.slice(f.indexOf('] {') + 2)) as { seq: number }).seq,
      );
      expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
      await again.close();
    } finally {
      await receiver.close();
      await tls.cleanup();
    }
  });

  it("sends to Splunk's HEC in order, keeps the cursor on a refusal and resumes, and never puts the token in an error", async () => {
    const token = 'hec-token-5f0c8a';
    const hec = hecEmulator(token);
    const url = await hec.listen();
    try {
      await fill(3);
      const wrong = createSplunkHecSink({ url, token: createSecret('not-the-token') });
      const refused = await streamAudit(store, wrong).catch((e: Error) => e);
      expect(String(refused)).toMatch(/HTTP 403, code 4 \(Invalid token\)/);
      expect(String(refused)).not.toContain('not-the-token');
      expect((await streamCursors(store)).get(wrong.name)).toBe(0);

      const sink = createSplunkHecSink({ url, token: createSecret(token), index: 'security' });
      hec.busyFor(1);
      await expect(streamAudit(store, sink)).rejects.toThrow(/HTTP 503, code 9/);
      expect(hec.events).toHaveLength(0);
      expect(await streamAudit(store, sink)).toBe(3);
      await fill(2, 4);
      expect(await streamAudit(store, sink)).toBe(2);
      expect(hec.events.map((e) => (e.event as { seq: number }).seq)).toEqual([1, 2, 3, 4, 5]);
      const first = hec.events[0] as { event: { at: string } };
      expect(first).toMatchObject({
        time: Date.parse(first.event.at) / 1000,
        source: 'recovery-gate',
        sourcetype: 'recovery-gate:audit',
        index: 'security',
      });
      // Nothing new: nothing sent.
      expect(await streamAudit(store, sink)).toBe(0);
    } finally {
      await hec.close();
    }
  });
});
