/**
 * A round-robin load balancer for the replica scenarios: forwards each request to the next live backend,
 * as the load balancer in front of `server.publicUrl` does; 503 when none is live or the chosen one died
 * mid-request (the IdP then retries, as Graph does for change notifications).
 * @module
 */

import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A started balancer. */
export interface Balancer {
  readonly url: string;
  /** Answers per backend origin, for the test's checks: how many requests each got. */
  readonly served: Map<string, number>;
  close(): Promise<void>;
}

/** Starts a balancer over the origins `backends()` returns at each request. */
export async function startBalancer(backends: () => readonly string[]): Promise<Balancer> {
  let next = 0;
  const served = new Map<string, number>();
  const server = createServer((req, res) => {
    const live = backends();
    const origin = live[next++ % Math.max(1, live.length)];
    if (origin === undefined) {
      req.resume();
      res.writeHead(503).end();
      return;
    }
    served.set(origin, (served.get(origin) ?? 0) + 1);
    const url = new URL(req.url ?? '/', origin);
    const upstream = request(
      url,
      { method: req.method, headers: { ...req.headers, host: url.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(503);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
