import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { sameOrigin } from './csrf.js';
import { type HttpServer, startHttpServer } from './http.js';
import { createRouter, type RequestContext, type Router } from './router.js';

const TOKEN = 'session-token-0123456789abcdef';

describe('the router checks CSRF before any state-changing handler runs', () => {
  let server: HttpServer;
  let router: Router;
  const ran: string[] = [];

  beforeEach(async () => {
    ran.length = 0;
    router = createRouter();
    router.useCsrf({
      expected: async (ctx) => (ctx.req.headers.cookie === 'sid=1' ? TOKEN : null),
      refused: () => ({ status: 403, body: 'refused' }),
    });
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      router.add(method, '/thing/:id', async (ctx) => {
        ran.push(`${method} ${ctx.params.id} ${new URLSearchParams(await ctx.body()).get('v')}`);
        return { status: 200, body: 'done' };
      });
    }
    router.add('POST', '/hook', async () => ({ status: 202, body: 'hooked' }), {
      csrf: { exempt: 'test: signed machine call' },
    });
    server = await startHttpServer({ logger: silentLogger, router });
  });
  afterEach(async () => {
    await server.close();
  });

  const send = (method: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/thing/7`, {
      method,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'sid=1', ...headers },
      body: new URLSearchParams(form).toString(),
    });

  it('refuses a missing, empty or forged token, and a request without the session', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect((await send(method, { v: 'a' })).status).toBe(403);
      expect((await send(method, { v: 'a', csrf: '' })).status).toBe(403);
      expect((await send(method, { v: 'a', csrf: `${TOKEN}x` })).status).toBe(403);
      expect((await send(method, { v: 'a', csrf: TOKEN }, { cookie: 'sid=2' })).status).toBe(403);
    }
    expect(ran).toEqual([]);
  });

  it('refuses a cross-site request even with the right token', async () => {
    const cross = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'same-origin', origin: 'http://evil.example' },
    ];
    for (const headers of cross)
      expect((await send('POST', { v: 'a', csrf: TOKEN }, headers)).status).toBe(403);
    expect(ran).toEqual([]);
  });

  it('lets a same-origin request with the token through, the handler reading the same body', async () => {
    const ok = await send(
      'POST',
      { v: 'b', csrf: TOKEN },
      { origin: server.url, 'sec-fetch-site': 'same-origin' },
    );
    expect(await ok.text()).toBe('done');
    // A non-browser client (no Origin, no Sec-Fetch-Site) still needs the token; a header carries it too.
    expect((await send('DELETE', { v: 'c' }, { 'x-csrf-token': TOKEN })).status).toBe(200);
    expect(ran).toEqual(['POST 7 b', 'DELETE 7 c']);
  });

  it('runs an exempt route only because it says why, and lists every route with its status', async () => {
    expect((await fetch(`${server.url}/hook`, { method: 'POST', body: 'x' })).status).toBe(202);
    expect(() =>
      router.add('POST', '/silent', async () => ({ status: 200 }), { csrf: { exempt: ' ' } }),
    ).toThrow();
    expect(router.routes()).toEqual([
      { method: 'POST', pattern: '/thing/:id', csrf: 'checked' },
      { method: 'PUT', pattern: '/thing/:id', csrf: 'checked' },
      { method: 'PATCH', pattern: '/thing/:id', csrf: 'checked' },
      { method: 'DELETE', pattern: '/thing/:id', csrf: 'checked' },
      { method: 'POST', pattern: '/hook', csrf: 'exempt: test: signed machine call' },
    ]);
  });

  it('refuses every state-changing request when no check was registered (fail closed)', async () => {
    const bare = createRouter();
    bare.add('POST', '/x', async () => ({ status: 200, body: 'ran' }));
    const other = await startHttpServer({ logger: silentLogger, router: bare });
    try {
      const response = await fetch(`${other.url}/x`, {
        method: 'POST',
        headers: { 'x-csrf-token': 'anything' },
      });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('ERR_CSRF');
    } finally {
      await other.close();
    }
  });
});

describe('sameOrigin', () => {
  const ctx = (headers: Record<string, string>) =>
    ({ req: { headers: { host: 'gate.test:8443', ...headers } } }) as unknown as RequestContext;

  it('accepts the "null" origin a no-referrer page posts with when the browser says same-origin', () => {
    expect(sameOrigin(ctx({ origin: 'https://gate.test:8443', 'sec-fetch-site': 'same-origin' }))).toBe(true);
    // Chromium serialises Origin as "null" for a form post under Referrer-Policy: no-referrer.
    expect(sameOrigin(ctx({ origin: 'null', 'sec-fetch-site': 'same-origin' }))).toBe(true);
  });

  it('refuses a "null" origin the browser does not vouch for (sandboxed frames), and other sites', () => {
    expect(sameOrigin(ctx({ origin: 'null' }))).toBe(false);
    expect(sameOrigin(ctx({ origin: 'null', 'sec-fetch-site': 'cross-site' }))).toBe(false);
    expect(sameOrigin(ctx({ origin: 'https://evil.example' }))).toBe(false);
  });
});
