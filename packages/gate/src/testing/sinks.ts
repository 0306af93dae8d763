/**
 * Real local sinks for notification tests: an HTTP server and an SMTP server on 127.0.0.1, ephemeral ports.
 * @module
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** An HTTP sink that records request bodies and answers with the scripted statuses (then 200). */
export interface HttpSink {
  readonly url: string;
  readonly received: { path: string; body: string }[];
  /** Statuses to answer next, in order. */
  readonly script: number[];
  close(): Promise<void>;
}

/** Starts an HTTP sink. */
export async function startHttpSink(): Promise<HttpSink> {
  const received: { path: string; body: string }[] = [];
  const script: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = script.shift() ?? 200;
      if (status < 300) received.push({ path: req.url ?? '/', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A received mail. */
export interface Mail {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: string;
}

/** An SMTP sink that keeps every message it accepts. */
export interface SmtpSink {
  readonly url: string;
  readonly mails: Mail[];
  close(): Promise<void>;
}

/** Starts a plain SMTP sink (no TLS, no auth) on 127.0.0.1. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        mails.push({
          from,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
