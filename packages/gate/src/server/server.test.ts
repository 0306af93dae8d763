import { GateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { addGateRoutes, type HttpServer, startHttpServer } from './index.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: { storeUp?: boolean; publicUrl?: string } = {}) {
  const logs: string[] = [];
  const hooks: { idp: string; method: string; body: string; query: Record<string, string | undefined> }[] =
    [];
  const metrics = createMetrics();
  metrics.inc('recovery_hooks_forged_total', { idp: 'okta' });
  server = await startHttpServer({
    logger: createLogger({ write: (l) => logs.push(l) }),
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
  });
  addGateRoutes(server.router, {
    metrics,
    store: {
      query: async () => {
        if (options.storeUp === false) throw new Error('connection refused');
        return [];
      },
    },
    intake: {
      hook: async (idp, request) => {
        hooks.push({ idp, method: request.method, body: request.body, query: request.query });
        const token = request.query.validationToken;
        return token === undefined
          ? { status: 200, headers: {}, body: '' }
          : { status: 200, headers: { 'content-type': 'text/plain' }, body: token };
      },
    },
  });
  return { url: server.url, logs, hooks };
}

describe('http server', () => {
  it('puts the security headers on every response, including errors', async () => {
    const { url } = await start();
    for (const path of ['/healthz', '/nope']) {
      const res = await fetch(`${url}${path}`);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('sends HSTS when the public URL is https', async () => {
    const { url } = await start({ publicUrl: 'https://gate.acme.example' });
    const res = await fetch(`${url}/healthz`);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('answers 404 and 405 as JSON, and hides internals of a failing handler', async () => {
    const { url, logs } = await start();
    expect(await (await fetch(`${url}/nope`)).json()).toEqual({
      error: { code: 'ERR_NOT_FOUND', message: 'Not found.' },
    });
    const put = await fetch(`${url}/metrics`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET');
    server?.router.add('GET', '/boom', async () => {
      throw new Error('secret internals at /srv/app.js:12');
    });
    server?.router.add('GET', '/gone', async () => {
      throw new GateError('ERR_LINK_INVALID');
    });
    const boom = await fetch(`${url}/boom`);
    expect(boom.status).toBe(500);
    const text = await boom.text();
    expect(text).not.toContain('internals');
    expect(text).not.toContain('at ');
    expect(logs.join('')).toContain('secret internals');
    const gone = await fetch(`${url}/gone`);
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('ERR_LINK_INVALID');
  });

  it('routes hooks with the query and body, echoes Entra validation tokens, and refuses oversized bodies', async () => {
    const { url, hooks } = await start();
    const echo = await fetch(`${url}/hooks/entra?validationToken=abc%20123`, { method: 'POST' });
    expect(echo.status).toBe(200);
    expect(await echo.text()).toBe('abc 123');
    await fetch(`${url}/hooks/okta`, { method: 'POST', body: '{"data":1}' });
    expect(hooks.map((h) => [h.idp, h.method, h.body])).toEqual([
      ['entra', 'POST', ''],
      ['okta', 'POST', '{"data":1}'],
    ]);
    const big = await fetch(`${url}/hooks/okta`, { method: 'POST', body: 'x'.repeat(300 * 1024) });
    expect(big.status).toBe(413);
    expect(hooks).toHaveLength(2);
  });

  it('serves metrics, liveness and readiness', async () => {
    const up = await start();
    const metrics = await fetch(`${up.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('recovery_hooks_forged_total{idp="okta"} 1');
    expect((await fetch(`${up.url}/readyz`)).status).toBe(200);
    await server?.close();
    const down = await start({ storeUp: false });
    expect((await fetch(`${down.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${down.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).not.toContain('connection refused');
  });

  it('lets a request in flight finish when closing', async () => {
    const { url } = await start();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    server?.router.add(
      'POST',
      '/slow',
      async () => {
        await gate;
        return { status: 200, body: 'done' };
      },
      { csrf: { exempt: 'test: a machine endpoint that is slow to answer' } },
    );
    const pending = fetch(`${url}/slow`, { method: 'POST' });
    await new Promise((r) => setTimeout(r, 50));
    const closing = server?.close();
    release();
    const response = await pending;
    expect(await response.text()).toBe('done');
    await closing;
    server = undefined;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('captures path parameters and prefers exact segments', async () => {
    const { url } = await start();
    server?.router.add('GET', '/cases/:id', async (ctx) => ({ status: 200, body: `case ${ctx.params.id}` }));
    server?.router.add('GET', '/cases/new', async () => ({ status: 200, body: 'new' }));
    expect(await (await fetch(`${url}/cases/a%2Fb`)).text()).toBe('case a/b');
    expect(await (await fetch(`${url}/cases/new`)).text()).toBe('new');
  });
});
