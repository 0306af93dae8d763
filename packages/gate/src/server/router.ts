/**
 * A small router for node:http: exact segments and `:param` segments, one handler per method and path.
 * Every state-changing route (POST, PUT, PATCH, DELETE) runs behind the CSRF check (csrf.ts) unless it
 * declares an exemption when it is added; handlers never opt in themselves.
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CsrfCheck,
  type CsrfRule,
  csrfRefusal,
  isExemption,
  NO_CSRF_CHECK,
  STATE_CHANGING_METHODS,
} from './csrf.js';

/** What a handler receives. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly remoteAddress: string | undefined;
  /** Reads the body as UTF-8, refusing more than `maxBytes` (ERR_HOOK_TOO_LARGE -> 413); read once, kept. */
  body(maxBytes?: number): Promise<string>;
}

/** What a handler answers; `undefined` when it wrote to `res` itself. */
export interface RouteResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/** A route handler. */
export type Handler = (ctx: RequestContext) => Promise<RouteResponse | undefined>;

/** A match: the handler and the path parameters, or the methods the path allows. */
export type RouteMatch =
  | {
      readonly kind: 'found';
      readonly handler: Handler;
      readonly params: Record<string, string>;
      /** The route as registered (`/verify/:token`): what logs name, never the path with its parameters. */
      readonly pattern: string;
    }
  | { readonly kind: 'method_not_allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not_found' };

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: Handler;
  readonly csrf: RouteInfo['csrf'];
}

/** Options of a route. */
export interface RouteOptions {
  /**
   * For a state-changing route: its own CSRF check (instead of the router's), or `{ exempt: why }` for a
   * machine endpoint that authenticates every request itself. Ignored on GET and HEAD.
   */
  readonly csrf?: CsrfRule;
}

/** A registered route, as tests and audits enumerate them. */
export interface RouteInfo {
  readonly method: string;
  readonly pattern: string;
  /** `checked` for state-changing routes behind the CSRF check, `exempt: <why>` when declared, `safe` for GET/HEAD. */
  readonly csrf: 'safe' | 'checked' | `exempt: ${string}`;
}

/** Routes by method and path. */
export interface Router {
  /** Adds a route; `path` segments starting with `:` capture a parameter. */
  add(method: string, path: string, handler: Handler, options?: RouteOptions): void;
  match(method: string, pathname: string): RouteMatch;
  /** Sets the CSRF check of state-changing routes that declare none (without one they are all refused). */
  useCsrf(check: CsrfCheck): void;
  /** Every route, in the order added. */
  routes(): readonly RouteInfo[];
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const p = pattern[i] as string;
    const part = parts[i] as string;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(part);
      } catch {
        return null;
      }
    } else if (p !== part) return null;
  }
  return params;
}

/** Creates an empty router. */
export function createRouter(): Router {
  const routes: Route[] = [];
  let shared: CsrfCheck | null = null;
  const guard = (handler: Handler, own: CsrfCheck | undefined): Handler => {
    return async (ctx) => {
      const refusal = await csrfRefusal(ctx, own ?? shared ?? NO_CSRF_CHECK);
      return refusal ?? handler(ctx);
    };
  };
  return {
    add(method, path, handler, options = {}) {
      const upper = method.toUpperCase();
      const segments = split(path);
      if (routes.some((r) => r.method === upper && r.segments.join('/') === segments.join('/'))) {
        throw new Error(`A route for ${upper} ${path} exists already.`);
      }
      const rule = options.csrf;
      if (!STATE_CHANGING_METHODS.has(upper)) {
        routes.push({ method: upper, segments, handler, csrf: 'safe' });
      } else if (isExemption(rule)) {
        if (rule.exempt.trim().length === 0) throw new Error(`${upper} ${path}: an exemption says why.`);
        routes.push({ method: upper, segments, handler, csrf: `exempt: ${rule.exempt}` });
      } else {
        routes.push({ method: upper, segments, handler: guard(handler, rule), csrf: 'checked' });
      }
    },
    useCsrf(check) {
      shared = check;
    },
    routes() {
      return routes.map((r) => ({ method: r.method, pattern: `/${r.segments.join('/')}`, csrf: r.csrf }));
    },
    match(method, pathname) {
      const parts = split(pathname);
      const allow: string[] = [];
      // Exact segments win over parameters: try routes with fewer parameters first.
      const ordered = [...routes].sort(
        (a, b) =>
          a.segments.filter((s) => s.startsWith(':')).length -
          b.segments.filter((s) => s.startsWith(':')).length,
      );
      for (const route of ordered) {
        const params = matchSegments(route.segments, parts);
        if (params === null) continue;
        if (route.method === method.toUpperCase()) {
          return { kind: 'found', handler: route.handler, params, pattern: `/${route.segments.join('/')}` };
        }
        allow.push(route.method);
      }
      return allow.length > 0 ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
    },
  };
}
