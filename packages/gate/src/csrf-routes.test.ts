/**
 * Every state-changing route of a gate with its pages (and the demo inbox) refuses a forged request: read
 * from the router, so a route added later is covered without touching this test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselinePolicyInput, createSecret, type IdpKind, type RecoveryProvider } from '@recovery-gate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import * as z from 'zod';
import { listAudit } from './audit/index.js';
import { loadConfig } from './config/index.js';
import { INBOX_PATH, mountDemoInbox } from './demo/inbox.js';
import type { DemoTenant } from './demo/tenants.js';
import { silentLogger } from './log.js';
import { createSessions, PAGES_MIGRATIONS } from './pages/session.js';
import { createGate, type Gate } from './service.js';
import { createTestProvider } from './testing/provider.js';
import { type TestLocation, testLocation } from './testing/stores.js';
import type { Store } from './types.js';

const HOOK_SECRET = 'csrf-routes-hook-secret';
const SESSION_SECRET = 'a-session-secret-of-at-least-32-characters';

describe('CSRF on every state-changing route', () => {
  let gate: Gate;
  let store: Store;
  let location: TestLocation;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gate-csrf-'));
    location = await testLocation('pglite');
    store = await location.open();
    const text = `${stringify(baselinePolicyInput)}
providers:
  okta: { orgUrl: https://acme.okta.example }
storage: { dataDir: data }
pollers: { interval: 1h, tick: 1h }
pages:
  sessionSecret: \${PAGES_SESSION_SECRET}
  signIn:
    okta: { issuer: 'https://acme.okta.example/oauth2/default', clientId: pages-client }
  viewer: { idp: okta }
`;
    const provider = () => createTestProvider('okta', HOOK_SECRET);
    const config = await loadConfig(
      text,
      { PAGES_SESSION_SECRET: SESSION_SECRET },
      { adapters: { okta: { configSchema: z.strictObject({ orgUrl: z.url() }), createProvider: provider } } },
    );
    gate = createGate({
      config,
      env: {},
      baseDir: dir,
      port: 0,
      store,
      background: false,
      providers: new Map<IdpKind, RecoveryProvider>([['okta', provider()]]),
      logger: silentLogger,
    });
    // A phone with a push waiting, so the inbox page carries its form (and token).
    const devices = {
      totp: async () => undefined,
      pushes: () => [
        { source: 'sign-in', number: '42', choices: null },
        { source: 'recovery', number: null, choices: ['17', '42', '63'] },
      ],
      answer: () => false,
      idpMail: () => [],
    };
    const tenant = { idp: 'okta', devices, names: new Map(), id: async (n: string) => `id-${n}` };
    mountDemoInbox(gate.router, {
      tenants: [tenant as unknown as DemoTenant],
      sent: [],
      owners: new Map(),
      engine: { getCase: async () => null },
    });
    await gate.start();
    await gate.store.migrate(PAGES_MIGRATIONS);
  }, 60_000);
  afterAll(async () => {
    await gate?.stop();
    await store?.close();
    await location?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const concrete = (pattern: string) => pattern.replace(/:[a-zA-Z]+/g, 'x');

  /** A session cookie and its token (the demo inbox has one token per process, read from its page). */
  async function credentials(pattern: string): Promise<{ cookie: string; token: string }> {
    if (pattern.startsWith(INBOX_PATH)) {
      const page = await (await fetch(`${gate.url}${INBOX_PATH}`)).text();
      return { cookie: '', token: /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '' };
    }
    const sessions = createSessions({
      secret: createSecret(SESSION_SECRET),
      now: () => new Date(),
      https: false,
    });
    const session = await sessions.create(gate.store, { sub: 'u-someone', idp: 'okta' });
    return { cookie: sessions.cookie(session).split(';')[0] as string, token: session.data.csrf };
  }

  const refusedByCsrf = async (response: Response) => {
    const body = await response.text();
    return response.status === 403 && /Form expired|ERR_CSRF/.test(body);
  };

  it('declares only machine callbacks exempt (IdP hooks, IDV provider callbacks); they refuse an unsigned call', async () => {
    const exempt = gate.router.routes().filter((r) => r.csrf.startsWith('exempt'));
    expect(exempt.map((r) => `${r.method} ${r.pattern}`).sort()).toEqual([
      'POST /hooks/:idp',
      'POST /idv/callback/:provider',
    ]);
    // No IDV provider is configured here: the callback does nothing (its own tests check the api-key).
    const callback = await fetch(`${gate.url}/idv/callback/any`, { method: 'POST', body: '{}' });
    expect(callback.status).toBeGreaterThanOrEqual(400);
    const unsigned = await fetch(`${gate.url}/hooks/okta`, {
      method: 'POST',
      body: '{"data":{"events":[]}}',
    });
    expect(unsigned.status).toBe(401);
  });

  it('refuses each one without a token, with a forged one, and cross-site with the right one', async () => {
    const routes = gate.router.routes().filter((r) => r.csrf === 'checked');
    // The pages' posts and the demo inbox's, at least.
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const before = {
      audit: (await listAudit(gate.store, {})).length,
      cases: await gate.orchestrator.listCases(),
    };
    for (const route of routes) {
      const { cookie, token } = await credentials(route.pattern);
      const send = (form: Record<string, string>, headers: Record<string, string> = {}) =>
        fetch(`${gate.url}${concrete(route.pattern)}`, {
          method: route.method,
          redirect: 'manual',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(cookie ? { cookie } : {}),
            ...headers,
          },
          body: new URLSearchParams({ decision: 'approve', reason: 'ok ok', ...form }).toString(),
        });
      const name = `${route.method} ${route.pattern}`;
      expect(await refusedByCsrf(await send({})), `${name} without a token`).toBe(true);
      expect(await refusedByCsrf(await send({ csrf: `${token.slice(0, -2)}AA` })), `${name} forged`).toBe(
        true,
      );
      const evil = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
      expect(await refusedByCsrf(await send({ csrf: token }, evil)), `${name} cross-site`).toBe(true);
      expect(
        await refusedByCsrf(await send({ csrf: token }, { origin: 'null' })),
        `${name} opaque origin`,
      ).toBe(true);
      // The control: the same request from the gate's own page passes the check (the handler decides).
      const own = await send({ csrf: token }, { origin: gate.url, 'sec-fetch-site': 'same-origin' });
      expect(await refusedByCsrf(own), `${name} same-origin with the token`).toBe(false);
    }
    expect((await listAudit(gate.store, {})).length).toBe(before.audit);
    expect(await gate.orchestrator.listCases()).toEqual(before.cases);
  });
});
