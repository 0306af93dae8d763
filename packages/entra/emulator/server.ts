/**
 * The emulator's HTTP front: Graph v1.0 under `/v1.0` (bearer tokens, faults, request log) and the
 * identity endpoints under `/{tenant}`.
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Ctx, type EmuEnv, errorBody, GraphFail, type Reply, type Route } from './http.js';
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

/** A fault waiting to hit the next Graph responses. */
export type Fault =
  | { kind: 'rate_limit'; count: number; retryAfterSeconds: number }
  | { kind: 'server_error'; count: number; status: 500 | 502 | 503; retryAfterSeconds?: number }
  | { kind: 'latency'; ms: number };

/** One served Graph request, for conformance checks. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly requestBody: unknown;
  readonly status: number;
  readonly responseBody: unknown;
}

/** Mutable server state beside the tenant. */
export interface ServerState {
  faults: Fault[];
  latencyMs: number;
  requestCount: number;
  log: LoggedRequest[];
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

function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | null {
  const actual = path.split('/').filter(Boolean);
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const template = route.template.split('/').filter(Boolean);
    if (template.length !== actual.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < template.length && ok; i += 1) {
      const t = template[i] as string;
      const a = decodeURIComponent(actual[i] as string);
      if (t.startsWith(':')) params[t.slice(1)] = a;
      else ok = t === a;
    }
    if (ok) return { route, params };
  }
  return null;
}

function readRaw(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (body === undefined || status === 204) {
    res.end();
    return;
  }
  res.setHeader(
    'content-type',
    'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
  );
  res.end(JSON.stringify(body));
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

function takeFault(state: ServerState): GraphFail | null {
  const fault = state.faults.find((f) => f.kind !== 'latency');
  if (!fault) return null;
  fault.count -= 1;
  if (fault.count <= 0) state.faults.splice(state.faults.indexOf(fault), 1);
  if (fault.kind === 'rate_limit') {
    return new GraphFail(429, 'TooManyRequests', 'Too many requests.', {
      'retry-after': String(fault.retryAfterSeconds),
    });
  }
  const headers: Record<string, string> =
    fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  const code =
    fault.status === 503 ? 'serviceNotAvailable' : fault.status === 502 ? 'badGateway' : 'generalException';
  return new GraphFail(fault.status, code, 'The service is temporarily unavailable.', headers);
}

const SECRET_KEYS = new Set(['password', 'newPassword', 'clientState', 'temporaryAccessPass']);

/** A copy with secret-looking fields replaced (strings stay strings, so logged bodies still validate). */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      SECRET_KEYS.has(key) && typeof item === 'string' ? '[redacted]' : redactSecrets(item),
    ]),
  );
}

function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Runs one Graph request through faults, authentication and routing; errors become Graph's error body. */
async function dispatch(
  env: EmuEnv,
  state: ServerState,
  req: IncomingMessage,
  request: Omit<Ctx, 'env' | 'params' | 'principal'>,
): Promise<Reply> {
  try {
    const fault = takeFault(state);
    if (fault) throw fault;
    const principal = authenticate(env, req);
    const found = matchRoute(request.method, request.path);
    if (!found)
      throw new GraphFail(
        400,
        'BadRequest',
        `Resource not found for the segment '${request.path.split('/').pop()}'.`,
      );
    assertAppPermission(env.tenant, principal, request.method, found.route.template);
    return await found.route.handler({ ...request, env, params: found.params, principal });
  } catch (error) {
    if (!(error instanceof GraphFail)) throw error;
    return {
      status: error.status,
      body: errorBody(error.code, error.message, request.requestId, env.now()),
      headers: error.headers,
    };
  }
}

async function graph(
  env: EmuEnv,
  state: ServerState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const requestId = newId();
  const method = (req.method ?? 'GET').toUpperCase();
  const path = url.pathname.slice('/v1.0'.length) || '/';
  const body = parseJson(method === 'GET' || method === 'DELETE' ? '' : await readRaw(req));
  state.requestCount += 1;
  const latency =
    state.latencyMs + state.faults.reduce((sum, f) => sum + (f.kind === 'latency' ? f.ms : 0), 0);
  if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
  const reply = await dispatch(env, state, req, { method, path, query: url.searchParams, body, requestId });
  state.log.push({
    method,
    path,
    query: url.search,
    requestBody: redactSecrets(body),
    status: reply.status,
    responseBody: redactSecrets(reply.body),
  });
  send(res, reply.status, reply.body, {
    'request-id': requestId,
    'client-request-id': requestId,
    ...reply.headers,
  });
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
    const form = Object.fromEntries(new URLSearchParams(await readRaw(req)));
    const audience = `${state.authority}/${env.tenant.tenantId}/oauth2/v2.0/token`;
    const reply = tokenEndpoint(env, form, audience);
    send(res, reply.status, reply.body, { 'cache-control': 'no-store' });
  } else if (sub === 'emulator/signin' && req.method === 'POST') {
    const body = JSON.parse((await readRaw(req)) || '{}') as { login?: string; temporaryAccessPass?: string };
    const reply = signInWithTap(env, body.login ?? '', body.temporaryAccessPass ?? '');
    send(res, reply.status, reply.body);
  } else {
    send(res, 404, { error: 'not_found' });
  }
}

/** The request handler of the emulator. */
export function createHandler(env: EmuEnv, state: ServerState) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      if (env.tenant.pendingRevocations.size > 0) await settleRevocations(env);
      if (url.pathname.startsWith('/v1.0/')) await graph(env, state, req, res, url);
      else await identity(env, state, req, res, url);
    } catch (error) {
      send(
        res,
        500,
        errorBody('generalException', error instanceof Error ? error.message : 'error', newId(), env.now()),
      );
    }
  };
}
