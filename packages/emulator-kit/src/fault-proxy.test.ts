import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A target that counts the writes it got and echoes the request line. */
async function target(): Promise<{ url: string; writes: string[] }> {
  const writes: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      if (req.method !== 'GET') writes.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  closers.push(
    () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, writes };
}

async function proxyTo(url: string): Promise<FaultProxy> {
  const proxy = await startFaultProxy(url);
  closers.push(() => proxy.close());
  return proxy;
}

describe('fault proxy', () => {
  it('delays matching requests (any method with *) and forwards them; logs query, arrival and answer', async () => {
    const t = await target();
    const proxy = await proxyTo(t.url);
    proxy.fail({ method: '*', path: /^\/slow$/, delayMs: 200 });
    const started = Date.now();
    const answer = await fetch(`${proxy.url}/slow?x=1`, { method: 'POST', body: 'hello' });
    expect(await answer.text()).toBe('POST /slow?x=1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(await (await fetch(`${proxy.url}/fast`)).text()).toBe('GET /fast');
    const [slow, fast] = proxy.requests;
    expect(slow).toMatchObject({ method: 'POST', path: '/slow', search: '?x=1', failed: false, status: 200 });
    expect((slow?.answeredAt ?? 0) - (slow?.at ?? 0)).toBeGreaterThanOrEqual(190);
    expect(fast?.answeredAt).toBeDefined();
    expect(t.writes).toEqual(['POST /slow?x=1 hello']);
  });

  it('still delivers a delayed write whose client has gone (the IdP made the change; nobody read the answer)', async () => {
    const t = await target();
    const proxy = await proxyTo(t.url);
    proxy.fail({ method: 'PUT', path: /./, delayMs: 300 });
    const gone = new AbortController();
    const sent = fetch(`${proxy.url}/thing`, { method: 'PUT', body: 'v1', signal: gone.signal }).catch(
      (error: unknown) => error,
    );
    await new Promise((r) => setTimeout(r, 50));
    gone.abort();
    expect(await sent).toBeInstanceOf(Error);
    expect(t.writes).toEqual([]);
    for (let i = 0; i < 100 && proxy.requests[0]?.answeredAt === undefined; i += 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(t.writes).toEqual(['PUT /thing v1']);
    expect(proxy.requests[0]?.finishedAt).toBeDefined();
  });
});
