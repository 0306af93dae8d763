import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { type HttpServer, startHttpServer } from './index.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('request logs (issue 22, item 5)', () => {
  it('an internal error on a link route logs the route pattern, never the token in the path', async () => {
    const logs: string[] = [];
    server = await startHttpServer({ logger: createLogger({ write: (l) => logs.push(l) }) });
    server.router.add('GET', '/verify/:token', async () => {
      throw new Error('boom');
    });
    const token = 'Zk3v9S0mE-LinkToken-That-Must-Not-Leak';
    const response = await fetch(`${server.url}/verify/${token}`);
    expect(response.status).toBe(500);
    const text = logs.join('\n');
    expect(text).toContain('GET /verify/:token');
    expect(text).not.toContain(token);
  });
});
