/**
 * The emulator's HTTP front: Graph v1.0 under `/v1.0` (bearer tokens, faults, request log) and the
 * identity endpoints under `/{tenant}`.
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createFaultInjector,
  createRouter,
  type FaultInjector,
  json,
  type RouteRequest,
  type Router,
  readBody,
} from '@recovery-gate/emulator-kit';
import { type EmuEnv, errorBody, GraphFail, type Reply, type Route } from './http.js';
import { newId } from './ids.js';
import { assertAppPermission } from './permissions.js';
import { appRoutes } from './routes-apps.js';
import { auditRoutes } from './routes-audit.js';
import { directoryRoutes } from './routes-directory.js';
import { groupRoutes } from './routes-groups.js';
import { methodRoutes } from './routes-methods.js';
import { pimRoutes } from './routes-pim.js';
import { policyRoutes } from './routes-policy.js';
import { subscriptionRoutes } from './routes-subscriptions.js';
import { settleRevocations, userRoutes } from './routes-users.js';
import type { EmuPrincipal } from './state.js';
import { openidConfiguration, signInWithTap, tokenEndpoint } from './token.js';

/** Graph's base path: every Graph route is below it. */
const GRAPH = '/v1.0';

/** One served Graph request, for conformance checks (the kit's log, path below `/v1.0`, secrets redacted). */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  /** The query string with its `?` (empty when none). */
  readonly query: string;
  readonly requestBody: unknown;
  readonly status: number;
  readonly responseBody: unknown;
}

/** Mutable server state beside the tenant. */
export interface ServerState {
  /** The kit's fault injector over the Graph routes: faults, latency, the request counter and log. */
  readonly faults: FaultInjector;
  /** The public authority host the token endpoint claims (`https://...`). */
  authority: string;
  /** The OIDC sign-in server for apps (everything under `/{tenant}` the credential endpoints do not take). */
  oidc: { handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> } | null;
}

const ROUTES: readonly Route[] = [
  ...userRoutes,
  ...methodRoutes,
  ...groupRoutes,
  ...subscriptionRoutes,
  ...auditRoutes,
  ...policyRoutes,
  ...directoryRoutes,
  ...pimRoutes,
  ...appRoutes,
];

const GRAPH_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** Answers with Graph's headers (request ids, OData content type) through the kit (which logs the body). */
function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (body !== undefined && status !== 204) res.setHeader('content-type', GRAPH_CONTENT_TYPE);
  json(res, status, status === 204 ? undefined : body, headers);
}

function requestIds(id: string): Record<string, string> {
  return { 'request-id': id, 'client-request-id': id };
}

/** The Graph fault injector: 429 with `Retry-After` and 5xx in Graph's error shape, on `/v1.0` only. */
export function graphFaults(now: () => number, latencyMs: number): FaultInjector {
  return createFaultInjector({
    rateLimitResponse: (retryAfterSeconds) => {
      const id = newId();
      return {
        status: 429,
        headers: { 'retry-after': String(retryAfterSeconds), ...requestIds(id) },
        body: errorBody('TooManyRequests', 'Too many requests.', id, now()),
      };
    },
    serverErrorResponse: (status) => {
      const id = newId();
      const code =
        status === 503 ? 'serviceNotAvailable' : status === 502 ? 'badGateway' : 'generalException';
      return {
        status,
        headers: requestIds(id),
        body: errorBody(code, 'The service is temporarily unavailable.', id, now()),
      };
    },
    appliesTo: (_method, path) => path.startsWith(`${GRAPH}/`),
    latencyMs,
    now,
    // Tests and benches read the whole log (and count it); it is not trimmed.
    logLimit: Number.MAX_SAFE_INTEGER,
    redactFields: ['clientState'],
  });
}

/** The kit's log in the emulator's own shape (path below `/v1.0`). */
export function loggedRequests(faults: FaultInjector): LoggedRequest[] {
  return faults.requestLog().map((entry) => {
    const query = new URLSearchParams(entry.query).toString();
    return {
      method: entry.method,
      path: entry.path.slice(GRAPH.length) || '/',
      query: query === '' ? '' : `?${query}`,
      requestBody: entry.body,
      status: entry.status,
      responseBody: entry.responseBody,
    };
  });
}

function authenticate(env: EmuEnv, req: IncomingMessage): EmuPrincipal {
  const header = req.headers.authorization ?? '';
  const token = /^Bearer (.+)$/.exec(header)?.[1];
  if (!token) throw new GraphFail(401, 'InvalidAuthenticationToken', 'Access token is empty.');
  const entry = env.tenant.accessTokens.get(token);
  if (!entry)
    throw new GraphFail(
      401,
      'InvalidAuthenticationToken',
      'Access token validation failure. Invalid audience.',
    );
  if (entry.expiresMs <= Date.now())
    throw new GraphFail(
      401,
      'InvalidAuthenticationToken',
      'Lifetime validation failed, the token is expired.',
    );
  return entry.principal;
}

/** The principal of each authenticated Graph request (set before routing, read by the route). */
const principals = new WeakMap<IncomingMessage, EmuPrincipal>();

function fail(res: ServerResponse, env: EmuEnv, error: GraphFail, requestId: string): void {
  send(res, error.status, errorBody(error.code, error.message, requestId, env.now()), {
    ...requestIds(requestId),
    ...error.headers,
  });
}

/** Runs one routed Graph request: permission, handler; a GraphFail becomes Graph's error body. */
function graphRoute(env: EmuEnv, route: Route) {
  return async (req: RouteRequest, res: ServerResponse): Promise<void> => {
    const requestId = newId();
    const principal = principals.get(req.raw);
    if (!principal) throw new Error('Graph route reached without authentication');
    let reply: Reply;
    try {
      assertAppPermission(env.tenant, principal, req.method, route.template);
      reply = await route.handler({
        env,
        method: req.method,
        path: req.path.slice(GRAPH.length) || '/',
        query: req.query,
        params: req.params,
        body: req.body,
        principal,
        requestId,
      });
    } catch (error) {
      if (!(error instanceof GraphFail)) throw error;
      fail(res, env, error, requestId);
      return;
    }
    send(res, reply.status, reply.body, { ...requestIds(requestId), ...reply.headers });
  };
}

/** The kit router over the Graph routes (the kit's `:param` path syntax; Graph's error shape for misses). */
export function graphRouter(env: EmuEnv): Router {
  const router = createRouter({
    errorResponse: (status, message) => {
      const id = newId();
      const segment = message.split(' ').pop()?.split('/').pop() ?? '';
      const graphStatus = status === 413 ? 413 : 400;
      const code = status === 413 ? 'RequestEntityTooLarge' : 'BadRequest';
      const text =
        status === 404 || status === 405 ? `Resource not found for the segment '${segment}'.` : message;
      return { status: graphStatus, body: errorBody(code, text, id, env.now()), headers: requestIds(id) };
    },
  });
  for (const route of ROUTES) router.route(route.method, `${GRAPH}${route.template}`, graphRoute(env, route));
  return router;
}

async function graph(
  env: EmuEnv,
  state: ServerState,
  router: Router,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (await state.faults.applyFaults(req, res)) return;
  try {
    principals.set(req, authenticate(env, req));
  } catch (error) {
    if (!(error instanceof GraphFail)) throw error;
    fail(res, env, error, newId());
    return;
  }
  await router.handle(req, res);
}

async function identity(
  env: EmuEnv,
  state: ServerState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const [tenant, ...rest] = url.pathname.split('/').filter(Boolean);
  if (tenant !== env.tenant.tenantId && tenant !== 'example.com') {
    send(res, 400, {
      error: 'invalid_tenant',
      error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
    });
    return;
  }
  const sub = rest.join('/');
  // The app-only credential reaches the emulator through its https authority host (forwarded by the
  // loopback seam); everything else under /{tenant} is the OIDC sign-in for apps.
  const forwarded = req.headers['x-forwarded-host'];
  const viaAuthority = forwarded !== undefined && forwarded === new URL(state.authority).host;
  if (!viaAuthority && sub !== 'emulator/signin' && state.oidc) {
    await state.oidc.handler(req, res);
    return;
  }
  if (sub === 'v2.0/.well-known/openid-configuration') {
    send(res, 200, openidConfiguration(state.authority, env.tenant.tenantId));
  } else if (sub === 'discovery/v2.0/keys') {
    send(res, 200, { keys: [] });
  } else if (sub === 'oauth2/v2.0/token' && req.method === 'POST') {
    const body = await readBody(req);
    const form = (typeof body === 'object' && body !== null ? body : {}) as Record<string, string>;
    const audience = `${state.authority}/${env.tenant.tenantId}/oauth2/v2.0/token`;
    const reply = tokenEndpoint(env, form, audience);
    send(res, reply.status, reply.body, { 'cache-control': 'no-store' });
  } else if (sub === 'emulator/signin' && req.method === 'POST') {
    const body = ((await readBody(req)) ?? {}) as { login?: string; temporaryAccessPass?: string };
    const reply = signInWithTap(env, body.login ?? '', body.temporaryAccessPass ?? '');
    send(res, reply.status, reply.body);
  } else {
    send(res, 404, { error: 'not_found' });
  }
}

/** The request handler of the emulator: Graph under `/v1.0` (faults, token, kit router), identity below `/{tenant}`. */
export function createHandler(env: EmuEnv, state: ServerState) {
  const router = graphRouter(env);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      if (env.tenant.pendingRevocations.size > 0) await settleRevocations(env);
      if (url.pathname.startsWith(`${GRAPH}/`)) await graph(env, state, router, req, res);
      else await identity(env, state, req, res, url);
    } catch (error) {
      if (res.headersSent) throw error;
      const id = newId();
      send(
        res,
        500,
        errorBody('generalException', error instanceof Error ? error.message : 'error', id, env.now()),
        requestIds(id),
      );
    }
  };
}
