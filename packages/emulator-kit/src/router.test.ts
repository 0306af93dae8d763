import { afterEach, describe, expect, it } from 'vitest';
import { createClock } from './clock.js';
import { type HttpServerHandle, json, send, startHttpServer } from './http.js';
import { createRouter } from './router.js';

let server: HttpServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function buildRouter() {
  return createRouter({ bodyLimit: 64 })
    .route('GET', '/api/v1/users/:id/factors/:factorId', (req, res) => {
      json(res, 200, { params: req.params, q: req.query.get('q') });
    })
    .route('POST', '/api/v1/users', (req, res) => {
      json(res, 201, { got: req.body }, { 'x-extra': 'yes' });
    })
    .mount('/oauth2/default', (req, res) => send(res, 200, `mounted ${req.url ?? ''}`));
}

describe('createRouter', () => {
  it('matches path templates and decodes parameters and query', async () => {
    server = await startHttpServer(buildRouter().handle);
    const response = await fetch(`${server.url}/api/v1/users/00u%201/factors/f9?q=abc`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ params: { id: '00u 1', factorId: 'f9' }, q: 'abc' });
  });

  it('parses JSON and form bodies and sets headers', async () => {
    server = await startHttpServer(buildRouter().handle);
    const asJson = await fetch(`${server.url}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 1 }),
    });
    expect(asJson.status).toBe(201);
    expect(asJson.headers.get('x-extra')).toBe('yes');
    expect(await asJson.json()).toEqual({ got: { a: 1 } });
    const asForm = await fetch(`${server.url}/api/v1/users`, {
      method: 'POST',
      body: new URLSearchParams({ b: '2' }),
    });
    expect(await asForm.json()).toEqual({ got: { b: '2' } });
  });

  it('answers 404, 405, 400 on malformed JSON and 413 over the body limit', async () => {
    server = await startHttpServer(buildRouter().handle);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/v1/users`)).status).toBe(405);
    const malformed = await fetch(`${server.url}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(malformed.status).toBe(400);
    const big = await fetch(`${server.url}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(200) }),
    });
    expect(big.status).toBe(413);
  });

  it('uses the IdP-specific error shape', async () => {
    const router = createRouter({
      errorResponse: (status) => ({ status, body: { errorCode: 'E0000007', status } }),
    });
    server = await startHttpServer(router.handle);
    const response = await fetch(`${server.url}/api/v1/missing`);
    expect(await response.json()).toEqual({ errorCode: 'E0000007', status: 404 });
  });

  it('delegates mounted prefixes untouched, segment-wise only', async () => {
    const router = buildRouter();
    server = await startHttpServer(router.handle);
    const response = await fetch(`${server.url}/oauth2/default/.well-known/openid-configuration`);
    expect(await response.text()).toBe('mounted /oauth2/default/.well-known/openid-configuration');
    expect((await fetch(`${server.url}/oauth2/defaultX`)).status).toBe(404);
    expect(router.matches('GET', '/oauth2/default/token')).toBe(true);
    expect(router.matches('DELETE', '/api/v1/users')).toBe(false);
  });

  it('closes keep-alive sockets on close()', async () => {
    server = await startHttpServer(buildRouter().handle);
    const { url } = server;
    await fetch(`${url}/api/v1/users/a/factors/b`, { headers: { connection: 'keep-alive' } });
    const started = Date.now();
    await server.close();
    server = undefined;
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(fetch(`${url}/api/v1/users/a/factors/b`)).rejects.toThrow();
  });

  it('turns handler exceptions into 500 without leaking the message', async () => {
    const router = createRouter().route('GET', '/boom', () => {
      throw new Error('secret detail');
    });
    server = await startHttpServer(router.handle);
    const response = await fetch(`${server.url}/boom`);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret detail');
  });
});

describe('createClock', () => {
  it('moves only when told', () => {
    const clock = createClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(500);
    expect(clock.now()).toBe(1_500);
    clock.set(10);
    expect(clock.date().getTime()).toBe(10);
    expect(() => clock.advance(-1)).toThrow(TypeError);
    expect(() => clock.set(Number.NaN)).toThrow(TypeError);
  });

  it('follows a live source plus what advance and set added', () => {
    let real = 5_000;
    const clock = createClock(() => real);
    expect(clock.now()).toBe(5_000);
    real += 100;
    expect(clock.now()).toBe(5_100);
    clock.advance(1_000);
    real += 10;
    expect(clock.now()).toBe(6_110);
    clock.set(50_000);
    expect(clock.now()).toBe(50_000);
    real += 5;
    expect(clock.date().getTime()).toBe(50_005);
    expect(() => clock.advance(-1)).toThrow(TypeError);
  });
});
