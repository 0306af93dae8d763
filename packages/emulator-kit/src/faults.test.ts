import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultInjector, type FaultInjector } from './faults.js';
import { type HttpServerHandle, json, startHttpServer } from './http.js';
import { createRouter } from './router.js';
import { createWebhookDispatcher, deliverWebhook } from './webhook.js';

let server: HttpServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(faults: FaultInjector): Promise<string> {
  const router = createRouter()
    .route('POST', '/api/v1/users', (req, res) => json(res, 200, { ok: true, echo: req.body }))
    .route('GET', '/api/v1/users', (_req, res) => json(res, 200, []));
  server = await startHttpServer(async (req, res) => {
    if (await faults.applyFaults(req, res)) return;
    await router.handle(req, res);
  });
  return server.url;
}

function oktaLike(sleeps: number[] = []): FaultInjector {
  return createFaultInjector({
    rateLimitResponse: (retryAfter) => ({
      status: 429,
      headers: { 'x-rate-limit-reset': String(1_000 + retryAfter), 'x-rate-limit-remaining': '0' },
      body: { errorCode: 'E0000047' },
    }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => 42,
    appliesTo: (_method, path) => path.startsWith('/api/'),
  });
}

describe('createFaultInjector', () => {
  it('answers the next N requests with the IdP rate-limit shape, then recovers', async () => {
    const faults = oktaLike();
    const url = await start(faults);
    faults.inject({ kind: 'rate_limit', count: 2, retryAfterSeconds: 7 });
    const first = await fetch(`${url}/api/v1/users`);
    expect(first.status).toBe(429);
    expect(first.headers.get('x-rate-limit-reset')).toBe('1007');
    expect(await first.json()).toEqual({ errorCode: 'E0000047' });
    expect((await fetch(`${url}/api/v1/users`)).status).toBe(429);
    expect((await fetch(`${url}/api/v1/users`)).status).toBe(200);
    expect(faults.requestCount()).toBe(3);
    expect(faults.pending()).toEqual([]);
  });

  it('injects server errors with a status, in queue order', async () => {
    const faults = oktaLike();
    const url = await start(faults);
    faults.inject({ kind: 'server_error', count: 1, status: 503 });
    faults.inject({ kind: 'server_error', count: 1 });
    expect((await fetch(`${url}/api/v1/users`)).status).toBe(503);
    expect((await fetch(`${url}/api/v1/users`)).status).toBe(500);
    expect((await fetch(`${url}/api/v1/users`)).status).toBe(200);
  });

  it('adds global and injected latency through the injected sleep', async () => {
    const sleeps: number[] = [];
    const faults = oktaLike(sleeps);
    faults.latencyMs = 50;
    const url = await start(faults);
    await fetch(`${url}/api/v1/users`);
    faults.inject({ kind: 'latency', ms: 200 });
    await fetch(`${url}/api/v1/users`);
    faults.clear();
    await fetch(`${url}/api/v1/users`);
    expect(sleeps).toEqual([50, 250, 50]);
  });

  it('ignores requests outside appliesTo', async () => {
    const faults = oktaLike();
    const url = await start(faults);
    faults.inject({ kind: 'server_error', count: 1 });
    expect((await fetch(`${url}/other`)).status).toBe(404);
    expect(faults.requestCount()).toBe(0);
    expect((await fetch(`${url}/api/v1/users`)).status).toBe(500);
  });

  it('logs requests with bodies (secrets redacted, structure kept) and responses', async () => {
    const faults = oktaLike();
    const url = await start(faults);
    await fetch(`${url}/api/v1/users?activate=false`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ profile: { login: 'a' }, credentials: { password: { value: 'Hunter2!' } } }),
    });
    const [entry] = faults.requestLog();
    expect(entry).toMatchObject({
      method: 'POST',
      path: '/api/v1/users',
      query: { activate: 'false' },
      status: 200,
      at: 42,
      body: { profile: { login: 'a' }, credentials: { password: { value: '[redacted]' } } },
    });
    expect(JSON.stringify(faults.requestLog())).not.toContain('Hunter2!');
    faults.resetLog();
    expect(faults.requestLog()).toEqual([]);
    expect(faults.requestCount()).toBe(0);
  });

  it('redacts secrets in query strings and Keycloak credential values, keeps error codes', async () => {
    const faults = oktaLike();
    const url = await start(faults);
    await fetch(`${url}/api/v1/users?token=abc123&limit=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'password', value: 'Pa55word!', temporary: true, error: { code: 'E1' } }),
    });
    const [entry] = faults.requestLog();
    expect(entry?.query).toEqual({ token: '[redacted]', limit: '2' });
    expect(entry?.body).toEqual({
      type: 'password',
      value: '[redacted]',
      temporary: true,
      error: { code: 'E1' },
    });
  });

  it('refuses malformed faults', () => {
    const faults = oktaLike();
    expect(() => faults.inject({ kind: 'rate_limit', count: 0, retryAfterSeconds: 1 })).toThrow(TypeError);
    expect(() => faults.inject({ kind: 'latency', ms: -5 })).toThrow(TypeError);
  });
});

async function hookTarget(statuses: number[]) {
  const received: string[] = [];
  const target = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      received.push(body);
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const { port } = target.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        target.closeAllConnections();
        target.close(() => resolve());
      }),
  };
}

describe('deliverWebhook', () => {
  it('retries once on 5xx and succeeds', async () => {
    const target = await hookTarget([500, 200]);
    const result = await deliverWebhook(target.url, { body: { a: 1 } }, { retries: 1 });
    await target.close();
    expect(result).toMatchObject({ delivered: true, attempts: 2, status: 200 });
    expect(target.received).toEqual(['{"a":1}', '{"a":1}']);
  });

  it('does not retry on 4xx', async () => {
    const target = await hookTarget([400]);
    const result = await deliverWebhook(target.url, { body: 'x' }, { retries: 1 });
    await target.close();
    expect(result).toMatchObject({ delivered: false, attempts: 1, failure: 'http_4xx', status: 400 });
  });

  it('retries after a timeout and gives up after the retry budget', async () => {
    let calls = 0;
    // First attempt hangs until the per-attempt timeout aborts it; the retry gets a 500.
    const fakeFetch: typeof fetch = async (_url, init) => {
      calls += 1;
      if (calls === 1) {
        return new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        });
      }
      return new Response('', { status: 500 });
    };
    const result = await deliverWebhook(
      'http://127.0.0.1:9/hook',
      { body: {} },
      {
        timeoutMs: 20,
        retries: 1,
        fetch: fakeFetch,
      },
    );
    expect(calls).toBe(2);
    expect(result).toMatchObject({ delivered: false, attempts: 2, failure: 'http_5xx', status: 500 });
  });

  it('reports a timeout when every attempt hangs', async () => {
    const hanging: typeof fetch = async (_url, init) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const result = await deliverWebhook(
      'http://127.0.0.1:9/hook',
      { body: {} },
      {
        timeoutMs: 20,
        retries: 0,
        fetch: hanging,
      },
    );
    expect(result).toMatchObject({ delivered: false, attempts: 1, failure: 'timeout' });
  });

  it('sends a GET without a body and keeps the answer only when asked (a verification challenge)', async () => {
    const seen: { method: string; body: string }[] = [];
    const echo = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push({ method: req.method ?? '', body });
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ verification: req.headers['x-challenge'] }));
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/hook`;
    const asked = await deliverWebhook(url, {
      method: 'GET',
      headers: { 'x-challenge': 'c-1' },
      readResponse: true,
    });
    const plain = await deliverWebhook(url, { method: 'GET', headers: { 'x-challenge': 'c-2' } });
    await new Promise<void>((resolve) => echo.close(() => resolve()));
    expect(asked).toMatchObject({ delivered: true, status: 200, responseBody: '{"verification":"c-1"}' });
    expect(plain.delivered).toBe(true);
    expect(plain).not.toHaveProperty('responseBody');
    expect(seen).toEqual([
      { method: 'GET', body: '' },
      { method: 'GET', body: '' },
    ]);
  });

  it('drops deliveries on demand and logs them', async () => {
    const target = await hookTarget([]);
    const dispatcher = createWebhookDispatcher({ retries: 0 });
    dispatcher.dropNext(1);
    const dropped = await dispatcher.deliver(target.url, { body: { n: 1 } });
    const sent = await dispatcher.deliver(target.url, { body: { n: 2 } });
    await dispatcher.idle();
    await target.close();
    expect(dropped).toMatchObject({ delivered: false, dropped: true, attempts: 0 });
    expect(sent.delivered).toBe(true);
    expect(target.received).toEqual(['{"n":2}']);
    expect(dispatcher.log().map((entry) => entry.dropped)).toEqual([true, false]);
  });
});
