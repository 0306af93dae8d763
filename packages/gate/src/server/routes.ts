/**
 * The gate's own routes: hooks, metrics, health and readiness.
 * @module
 */

import type { HookRequest } from '@recovery-gate/core';
import type { Intake } from '../intake/index.js';
import { MAX_HOOK_BODY_BYTES } from '../intake/index.js';
import type { Metrics, Store } from '../types.js';
import { jsonError } from './http.js';
import type { RequestContext, Router } from './router.js';

/** What the routes need. */
export interface RouteDeps {
  readonly intake: Pick<Intake, 'hook'>;
  readonly metrics: Metrics;
  readonly store: Pick<Store, 'query'>;
}

function headersOf(ctx: RequestContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.req.headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function toHookRequest(ctx: RequestContext): Promise<HookRequest> {
  return {
    method: ctx.method,
    headers: headersOf(ctx),
    query: Object.fromEntries(ctx.url.searchParams),
    body: ctx.method === 'GET' || ctx.method === 'HEAD' ? '' : await ctx.body(MAX_HOOK_BODY_BYTES),
  };
}

/** Adds `/hooks/:idp` (GET and POST), `/metrics`, `/healthz` and `/readyz`. */
export function addGateRoutes(router: Router, deps: RouteDeps): void {
  const hook = async (ctx: RequestContext) => {
    const request = await toHookRequest(ctx);
    const meta = ctx.remoteAddress === undefined ? {} : { remoteAddress: ctx.remoteAddress };
    return deps.intake.hook(ctx.params.idp ?? '', request, meta);
  };
  // IdP hooks are machine calls: each request is authenticated by the IdP's signature or shared secret
  // (intake verifies it before anything is stored), and no browser session rides on them.
  router.add('POST', '/hooks/:idp', hook, {
    csrf: { exempt: 'IdP hook: every request is signature-authenticated' },
  });
  router.add('GET', '/hooks/:idp', hook);
  router.add('GET', '/metrics', async () => ({
    status: 200,
    headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
    body: deps.metrics.render(),
  }));
  router.add('GET', '/healthz', async () => ({
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: '{"status":"ok"}',
  }));
  router.add('GET', '/readyz', async () => {
    try {
      await withTimeout(deps.store.query('SELECT 1'), 2000);
      return {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: '{"status":"ready"}',
      };
    } catch {
      return jsonError(503, 'ERR_STORAGE', 'The store is not reachable.');
    }
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
