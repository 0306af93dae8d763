/**
 * The emulator's request pipeline on the emulator kit: the kit's router (routes, then the realm's OIDC
 * server mounted at `/realms/{realm}`), its fault injector on the admin API, its body reader and HTTP
 * server; handlers return `{status, body}` and throw Keycloak-shaped errors; admin exchanges are logged
 * unredacted for the OpenAPI conformance checks.
 * @module
 */

import type { ServerResponse } from 'node:http';
import type { InjectedFault } from '@recovery-gate/core/testing';
import {
  createFaultInjector,
  createRouter,
  type FaultInjector,
  type HttpServerHandle,
  json,
  type Router as KitRouter,
  type OidcServer,
  type RouteRequest,
  replayableRequest,
  send as sendKit,
  startHttpServer,
} from '@recovery-gate/emulator-kit';
import type { Emu } from './context.js';
import { type Exchange, type Handler, HttpError, type Req, type Res, type Router } from './http.js';
import { DELEGATE } from './oidc.js';

/** The running pipeline: the control API reads and writes it. */
export interface Pipeline {
  readonly router: Router;
  readonly faults: FaultInjector;
  readonly exchanges: Exchange[];
  tokenRequests(): number;
  /** Mounts the realm's OIDC server (interactive sign-in, code flow) and serves the delegated token calls. */
  mountOidc(oidc: OidcServer): void;
  listen(port: number | undefined): Promise<HttpServerHandle>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function write(res: ServerResponse, out: Res): void {
  const headers = { ...(out.headers ?? {}) };
  if (out.body === undefined) json(res, out.status, undefined, headers);
  else if (typeof out.body === 'string' && headers['content-type'] !== undefined)
    sendKit(res, out.status, out.body, headers['content-type'], headers);
  else json(res, out.status, out.body, headers);
}

async function answer(emu: Emu, handler: Handler, request: RouteRequest): Promise<Res> {
  if (request.params.realm !== undefined && request.params.realm !== emu.realm.settings.realm)
    return { status: 404, body: { error: 'Realm not found.' } };
  const req: Req = {
    method: request.method,
    path: request.path,
    params: request.params,
    query: request.query,
    headers: request.headers,
    body: request.body,
    rawBody: '',
  };
  try {
    return await handler(req);
  } catch (err) {
    if (err instanceof HttpError) return { status: err.status, body: err.body };
    return { status: 500, body: { error: 'unknown_error' } };
  }
}

/** Builds the pipeline; `latencyMs` is added to every request (benchmarks). */
export function createPipeline(emu: Emu, latencyMs: number | undefined): Pipeline {
  const kit: KitRouter = createRouter({
    errorResponse: (status, message) => ({
      status,
      body:
        status === 404
          ? { error: 'RESTEASY003210: Could not find resource for full path' }
          : status === 405
            ? { error: 'RESTEASY003650: No resource method found' }
            : { error: 'invalid_request', error_description: message },
    }),
  });
  const faults = createFaultInjector({
    appliesTo: (_method, path) => path.startsWith('/admin/'),
    rateLimitResponse: (seconds) => ({
      status: 429,
      headers: { 'retry-after': String(seconds) },
      body: { error: 'too_many_requests' },
    }),
    serverErrorResponse: (status) => ({ status, body: { error: 'unknown_error' } }),
    now: () => emu.now(),
  });
  const exchanges: Exchange[] = [];
  let tokens = 0;
  let oidc: OidcServer | undefined;
  const router: Router = {
    on(method, template, handler) {
      kit.route(method, template, async (request, res) => {
        const out = await answer(emu, handler, request);
        if (out === DELEGATE && oidc !== undefined) {
          await oidc.handler(replayableRequest(request.raw), res);
          return;
        }
        if (request.path.startsWith('/admin/')) {
          exchanges.push({
            method: request.method,
            path: request.path,
            query: request.query.size === 0 ? '' : `?${request.query}`,
            requestBody: request.body,
            status: out.status,
            responseBody: out.body,
          });
        }
        write(res, out);
      });
    },
  };
  return {
    router,
    faults,
    exchanges,
    tokenRequests: () => tokens,
    mountOidc(server) {
      oidc = server;
      kit.mount(`/realms/${emu.realm.settings.realm}`, server.handler);
    },
    listen: (port) =>
      startHttpServer(
        async (req, res) => {
          const path = (req.url ?? '/').split('?')[0] ?? '/';
          if (latencyMs !== undefined) await sleep(latencyMs);
          if (path.endsWith('/protocol/openid-connect/token')) tokens += 1;
          if (await faults.applyFaults(req, res)) return;
          await kit.handle(req, res);
        },
        port === undefined ? {} : { port },
      ),
  };
}

/** The faults the control API injects (the contract suite's kinds). */
export type { InjectedFault };
