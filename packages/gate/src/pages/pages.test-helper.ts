/**
 * A pages fixture for unit tests: the case engine on a fake IdP, the gate's HTTP server with the pages
 * mounted, a session store with the same secret, an injected clock, and small HTTP helpers.
 * @module
 */

import { createSecret } from '@recovery-gate/core';
import { afterEach, beforeEach } from 'vitest';
import { silentLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { createFakeIdp, type FakeIdp } from '../orchestrator/fake-idp.test-helper.js';
import { type Env, event, startEnv } from '../orchestrator/setup.test-helper.js';
import { type HttpServer, startHttpServer } from '../server/http.js';
import { createRouter } from '../server/router.js';
import type { Backend } from '../testing/stores.js';
import type { Metrics, Notifier } from '../types.js';
import { mountPages, type PagesSettings } from './index.js';
import { createSessions, PAGES_MIGRATIONS, type Sessions } from './session.js';

const SECRET = createSecret('unit-test-session-secret-0123456789abcdef');

/** What a test gets; fields are set before each test. */
export interface PagesFixture {
  env: Env;
  idp: FakeIdp;
  server: HttpServer;
  sessions: Sessions;
  metrics: Metrics;
  readonly clock: { now: Date };
}

/** Fixture options: a notifier to use instead of recording into `env.sent` (built after the engine), the store. */
export interface PagesFixtureOptions {
  readonly notifier?: (fx: PagesFixture) => Notifier;
  /** The store backend. @default 'pglite' */
  readonly backend?: Backend;
  /** Settings merged over the fixture's (viewer and reviewer groups...). */
  readonly settings?: Partial<PagesSettings>;
}

/** Registers the fixture's setup and teardown around each test. */
export function usePagesFixture(options: PagesFixtureOptions = {}): PagesFixture {
  const fx = { clock: { now: new Date('2026-06-01T10:00:00Z') } } as PagesFixture;
  beforeEach(async () => {
    fx.clock.now = new Date('2026-06-01T10:00:00Z');
    fx.idp = createFakeIdp('okta', () => fx.clock.now);
    fx.env = await startEnv(
      new Map([['okta', fx.idp.provider]]),
      fx.clock,
      undefined,
      {},
      options.backend ?? 'pglite',
    );
    const router = createRouter();
    fx.metrics = createMetrics();
    const notifier: Notifier = options.notifier?.(fx) ?? { send: async (n) => void fx.env.sent.push(n) };
    fx.server = await startHttpServer({ logger: silentLogger, router });
    mountPages(
      router,
      () => ({
        engine: fx.env.engine,
        store: fx.env.store,
        providers: new Map([['okta', fx.idp.provider]]),
        notifier,
        audit: fx.env.audit,
        baseUrl: fx.server.url,
        logger: silentLogger,
        metrics: fx.metrics,
      }),
      {
        oidc: {
          okta: {
            issuer: 'http://127.0.0.1:9/oauth2/default',
            clientId: 'pages',
            stepUp: {},
            stepUpAcrs: ['mfa'],
          },
        },
        sessionSecret: SECRET,
        viewer: { idp: 'okta', groups: ['SecurityTeam'] },
        now: () => fx.clock.now,
        ...options.settings,
      },
    );
    await fx.env.store.migrate(PAGES_MIGRATIONS);
    fx.sessions = createSessions({ secret: SECRET, now: () => fx.clock.now, https: false });
  });
  afterEach(async () => {
    await fx.server.close();
    await fx.env.close();
  });
  return fx;
}

/** Opens a case for `subject` as frank's native request would; returns its id. */
export async function openCase(fx: PagesFixture, subject = 'alice'): Promise<string> {
  await fx.env.engine.handleEvent(event('okta', { subject: { userId: fx.idp.id(subject), login: null } }));
  const [c] = await fx.env.engine.listCases({ subjectId: fx.idp.id(subject) });
  if (!c) throw new Error('no case');
  return c.id;
}

/** The `name=value` of a response's Set-Cookie. */
export function cookieOf(response: Response): string {
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** A GET without following redirects. */
export function get(fx: PagesFixture, path: string, cookie = ''): Promise<Response> {
  return fetch(`${fx.server.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
}

/** A form POST without following redirects. */
export function post(
  fx: PagesFixture,
  path: string,
  form: Record<string, string>,
  cookie = '',
): Promise<Response> {
  return fetch(`${fx.server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(form).toString(),
  });
}

/** The CSRF token in a page's form. */
export function csrfIn(html: string): string {
  return /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}

/** A cookie for a session created directly in the store (as a finished sign-in would leave it). */
export async function sessionCookie(
  fx: PagesFixture,
  data: Parameters<Sessions['create']>[1],
): Promise<string> {
  const session = await fx.sessions.create(fx.env.store, data);
  return fx.sessions.cookie(session).split(';')[0] as string;
}
