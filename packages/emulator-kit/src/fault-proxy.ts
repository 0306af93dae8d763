/**
 * A loopback reverse proxy for tests: forwards every request to an emulator, except the ones a test chose
 * to fail, which it answers itself without forwarding. The emulators' own fault queue answers "the next N
 * requests"; this one fails requests by method and path, so a test can fail one call out of several sent
 * in parallel (a partial failure) and then heal it.
 * @module
 */

import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A rule of {@link FaultProxy.fail}: requests it matches are answered `status`, never forwarded (or, with
 * `delayMs`, forwarded late).
 */
export interface ProxyFault {
  /** The HTTP method, or `*` for any. */
  readonly method: string;
  /** Matches the request path (without the query). */
  readonly path: RegExp;
  /** @default 503 */
  readonly status?: number;
  /** The JSON body of the answer. @default `{ error: 'injected' }` */
  readonly body?: unknown;
  /** Never answer (the client's timeout decides); `status` and `body` are then unused. @default false */
  readonly hang?: boolean;
  /**
   * Forward the request after this many ms instead of failing it (a slow IdP); `status`, `body` and `hang`
   * are then unused.
   */
  readonly delayMs?: number;
}

/** One request the proxy saw. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  /** The query string, with its `?` (empty when none). */
  readonly search: string;
  /** True when a fault answered it (the emulator never saw it); a delayed request is not failed. */
  readonly failed: boolean;
  /** When it arrived (epoch ms, the real clock). */
  readonly at: number;
  /** When its answer was complete or its connection closed (epoch ms); undefined while in flight. */
  finishedAt?: number;
  /** When the target's answer arrived (epoch ms); undefined when not forwarded or not answered yet. */
  answeredAt?: number;
  /** The target's status code, once answered. */
  status?: number;
}

/** A started proxy. */
export interface FaultProxy {
  /** The proxy's origin, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The origin requests are forwarded to (settable, for adapters whose config names the emulator). */
  target: string;
  /** Fails every request matching the rule until {@link FaultProxy.heal}. */
  fail(fault: ProxyFault): void;
  /** Removes every rule. */
  heal(): void;
  /** Requests seen, oldest first. */
  readonly requests: readonly ProxiedRequest[];
  close(): Promise<void>;
}

function forward(
  target: string,
  req: IncomingMessage,
  res: ServerResponse,
  onAnswer: (status: number) => void,
): void {
  const url = new URL(req.url ?? '/', target);
  const headers = { ...req.headers, host: url.host };
  const upstream = request(url, { method: req.method, headers }, (answer) => {
    onAnswer(answer.statusCode ?? 0);
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
}

/**
 * Forwards a request whose body was read already: it reaches the target even when the client is gone by
 * then (as a request the IdP got, whose answer nobody reads).
 */
function forwardLate(
  target: string,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  onAnswer: (status: number) => void,
): void {
  const url = new URL(req.url ?? '/', target);
  const headers = { ...req.headers, host: url.host };
  const upstream = request(url, { method: req.method, headers }, (answer) => {
    onAnswer(answer.statusCode ?? 0);
    if (res.destroyed) {
      answer.resume();
      return;
    }
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent && !res.destroyed) res.writeHead(502);
    res.end();
  });
  upstream.end(body);
}

/** Starts a proxy in front of `target` (an origin) on an ephemeral loopback port. */
export async function startFaultProxy(target = 'http://127.0.0.1'): Promise<FaultProxy> {
  const faults: ProxyFault[] = [];
  const requests: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const { pathname: path, search } = new URL(req.url ?? '/', 'http://proxy');
    const fault = faults.find((f) => (f.method === '*' || f.method === method) && f.path.test(path));
    const seen: ProxiedRequest = {
      method,
      path,
      search,
      failed: fault !== undefined && fault.delayMs === undefined,
      at: Date.now(),
    };
    requests.push(seen);
    res.once('close', () => {
      seen.finishedAt = Date.now();
    });
    const answered = (status: number) => {
      seen.answeredAt = Date.now();
      seen.status = status;
    };
    if (fault === undefined) {
      forward(proxy.target, req, res, answered);
      return;
    }
    if (fault.delayMs !== undefined) {
      const target = proxy.target;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        setTimeout(() => forwardLate(target, req, Buffer.concat(chunks), res, answered), fault.delayMs);
      });
      return;
    }
    req.resume();
    if (fault.hang) return;
    req.on('end', () => {
      res.writeHead(fault.status ?? 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(fault.body ?? { error: 'injected' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    target,
    fail: (fault) => void faults.push(fault),
    heal: () => void faults.splice(0),
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return proxy;
}
