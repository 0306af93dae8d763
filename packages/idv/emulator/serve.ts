/**
 * A small HTTP front for the IDV emulators: fault modes (down: 503 everywhere; hang: never answers, so
 * callers time out) and a request cap. Node's http server only; no framework.
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Fault modes an emulator can be put in. */
export type IdvFault = 'none' | 'down' | 'hang';

/** A running emulator server. */
export interface IdvServer {
  readonly url: string;
  fault: IdvFault;
  close(): Promise<void>;
}

/** Starts a server on a loopback port; `handler` sees only requests when no fault is set. */
export async function serveIdv(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void,
  port = 0,
): Promise<IdvServer> {
  const hanging = new Set<ServerResponse>();
  const state: { fault: IdvFault } = { fault: 'none' };
  const server = createServer((req, res) => {
    if (state.fault === 'down') {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' });
      res.end(JSON.stringify({ error: 'temporarily_unavailable' }));
      return;
    }
    if (state.fault === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    Promise.resolve(handler(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'server_error' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get fault() {
      return state.fault;
    },
    set fault(value: IdvFault) {
      state.fault = value;
      if (value !== 'hang') for (const res of hanging) res.destroy();
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads a request body up to `limit` bytes (null when larger). */
export async function readLimited(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
