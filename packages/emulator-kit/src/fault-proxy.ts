/**
 * A loopback reverse proxy for tests: forwards every request to an emulator, except the ones a test chose
 * to fail, which it answers itself without forwarding. The emulators' own fault queue answers "the next N
 * requests"; this one fails requests by method and path, so a test can fail one call out of several sent
 * in parallel (a partial failure) and then heal it.
 * @module
 */

import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A rule of {@link FaultProxy.fail}: requests it matches are answered `status`, never forwarded. */
export interface ProxyFault {
  readonly method: string;
  /** Matches the request path (without the query). */
  readonly path: RegExp;
  /** @default 503 */
  readonly status?: number;
  /** The JSON body of the answer. @default `{ error: 'injected' }` */
  readonly body?: unknown;
  /** Never answer (the client's timeout decides); `status` and `body` are then unused. @default false */
  readonly hang?: boolean;
}

/** One request the proxy saw. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  /** True when a fault answered it (the emulator never saw it). */
  readonly failed: boolean;
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

function forward(target: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', target);
  const headers = { ...req.headers, host: url.host };
  const upstream = request(url, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
}

/** Starts a proxy in front of `target` (an origin) on an ephemeral loopback port. */
export async function startFaultProxy(target = 'http://127.0.0.1'): Promise<FaultProxy> {
  const faults: ProxyFault[] = [];
  const requests: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const fault = faults.find((f) => f.method === method && f.path.test(path));
    requests.push({ method, path, failed: fault !== undefined });
    if (fault === undefined) {
      forward(proxy.target, req, res);
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
