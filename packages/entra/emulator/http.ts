/**
 * Request plumbing of the Graph emulator: the route context, Graph's error body, OData paging.
 * @module
 */

import type { EmuPrincipal, TenantState } from './state.js';

/** Public origin of Graph: links the emulator returns use it, as real Graph does. */
export const GRAPH_ORIGIN = 'https://graph.microsoft.com';

/** Shared emulator environment handed to every route. */
export interface EmuEnv {
  readonly tenant: TenantState;
  now(): number;
  /** Page size for collections when `$top` is absent. */
  readonly pageSize: number;
  /** Posts to a notification URL (mapped to loopback by `hookTargets`); resolves with status and text. */
  deliver(url: string, body: string, contentType: string): Promise<{ status: number; text: string }>;
  /** Tracks background work (notification deliveries) so tests can await it. */
  background(work: Promise<unknown>): void;
  /**
   * Ends the user's sessions and refresh tokens issued before `issuedBefore` (real epoch ms) at the OIDC
   * sign-in server too (revokeSignInSessions); access tokens live until they expire, as at Entra.
   */
  revokeOidc(userId: string, issuedBefore: number): Promise<void>;
}

/** What a route handler receives. */
export interface Ctx {
  readonly env: EmuEnv;
  readonly method: string;
  /** Path below `/v1.0`, e.g. `/users/abc`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly principal: EmuPrincipal;
  readonly requestId: string;
}

/** A handler's answer. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A route handler. */
export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

/** A route: method, a template with `:param` segments, a handler. */
export interface Route {
  readonly method: string;
  readonly template: string;
  readonly handler: Handler;
}

/** Thrown by handlers to answer with Graph's error shape. */
export class GraphFail extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, code: string, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Graph's error body: `{error:{code,message,innerError:{request-id,date,client-request-id}}}`. */
export function errorBody(code: string, message: string, requestId: string, nowMs: number): unknown {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date(nowMs).toISOString().slice(0, 19),
        'request-id': requestId,
        'client-request-id': requestId,
      },
    },
  };
}

/** 404 for an unknown directory object, as Graph words it. */
export function notFound(id: string): GraphFail {
  return new GraphFail(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

/** 400 with Graph's code for a bad request. */
export function badRequest(message: string, code = 'Request_BadRequest'): GraphFail {
  return new GraphFail(400, code, message);
}

/** 403 for a missing privilege. */
export function forbidden(message = 'Insufficient privileges to complete the operation.'): GraphFail {
  return new GraphFail(403, 'Authorization_RequestDenied', message);
}

/** Reads a JSON object body or fails with 400. */
export function objectBody(ctx: Ctx): Record<string, unknown> {
  if (typeof ctx.body !== 'object' || ctx.body === null || Array.isArray(ctx.body)) {
    throw badRequest('Empty Payload. JSON content expected.', 'BadRequest');
  }
  return ctx.body as Record<string, unknown>;
}

interface SkipState {
  readonly offset: number;
}

/** One page of a collection, with an `@odata.nextLink` built on the public Graph origin. */
export function page(ctx: Ctx, items: readonly unknown[], context: string): Reply {
  const top = Math.min(Number(ctx.query.get('$top') ?? ctx.env.pageSize) || ctx.env.pageSize, 999);
  const skip = ctx.query.get('$skiptoken');
  let offset = 0;
  if (skip) {
    try {
      offset = (JSON.parse(Buffer.from(skip, 'base64url').toString('utf8')) as SkipState).offset;
    } catch {
      throw badRequest('Invalid $skiptoken.', 'BadRequest');
    }
  }
  const slice = items.slice(offset, offset + top);
  const body: Record<string, unknown> = {
    '@odata.context': `${GRAPH_ORIGIN}/v1.0/$metadata#${context}`,
    value: slice,
  };
  if (offset + top < items.length) {
    const next = new URLSearchParams(ctx.query);
    next.set('$skiptoken', Buffer.from(JSON.stringify({ offset: offset + top })).toString('base64url'));
    body['@odata.nextLink'] = `${GRAPH_ORIGIN}/v1.0${ctx.path}?${next.toString()}`;
  }
  return { status: 200, body };
}

/** Applies `$select` (comma list) to an object; `id` and `@odata.type` always stay. */
export function select(ctx: Ctx, value: Record<string, unknown>): Record<string, unknown> {
  const raw = ctx.query.get('$select');
  if (!raw) return value;
  const keep = new Set(raw.split(',').map((part) => part.trim()));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'id' || key === '@odata.type' || keep.has(key)) out[key] = item;
  }
  for (const key of keep) if (!(key in out) && key.startsWith('extension_')) out[key] = null;
  return out;
}

/** ISO timestamp of the emulator's clock. */
export function isoNow(env: EmuEnv): string {
  return new Date(env.now()).toISOString();
}
