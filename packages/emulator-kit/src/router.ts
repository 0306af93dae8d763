import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  DEFAULT_BODY_LIMIT,
  HttpError,
  json,
  type NodeHandler,
  type ParsedBody,
  parseUrl,
  readBody,
} from './http.js';

/** What a route handler receives besides the raw response. */
export interface RouteRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** URL path (decoded segments are in `params`). */
  readonly path: string;
  /** Query string parameters (repeated keys kept, use `getAll`). */
  readonly query: URLSearchParams;
  /** Path template parameters, e.g. `{ id: '00u1' }` for `/api/v1/users/:id`. */
  readonly params: Readonly<Record<string, string>>;
  /** Request headers (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  /** Parsed body: JSON value, form fields object, raw text, or undefined. */
  readonly body: ParsedBody;
  /** The underlying Node request. */
  readonly raw: IncomingMessage;
}

/** A route handler. */
export type RouteHandler = (req: RouteRequest, res: ServerResponse) => void | Promise<void>;

/** Builds the error response for router-level failures (404, 405, 400, 413); the shape is per IdP. */
export type RouterErrorResponse = (
  status: number,
  message: string,
  req: IncomingMessage,
) => { readonly status: number; readonly body: unknown; readonly headers?: Readonly<Record<string, string>> };

/** Options of {@link createRouter}. */
export interface RouterOptions {
  /** Maximum request body size in bytes. @default 1048576 */
  readonly bodyLimit?: number;
  /** Shapes 404/405/400/413 answers; defaults to `{ error, message }`. */
  readonly errorResponse?: RouterErrorResponse;
}

/** A small method + path-template router with prefix mounts. */
export interface Router {
  /** Adds a route; `template` segments starting with `:` capture a parameter. Returns the router. */
  route(method: string, template: string, handler: RouteHandler): Router;
  /**
   * Delegates requests whose path starts with `prefix` (segment-wise) to a Node handler, untouched (the URL
   * keeps the prefix). Routes registered with `route()` win over mounts; the longest prefix wins among mounts.
   */
  mount(prefix: string, handler: NodeHandler): Router;
  /** Handles a request: routes first, then mounts, else 404 (405 when only the method differs). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Whether some route or mount would take this method and path. */
  matches(method: string, path: string): boolean;
}

interface CompiledRoute {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

const defaultErrorResponse: RouterErrorResponse = (status, message) => ({
  status,
  body: {
    error: status === 404 ? 'not_found' : status === 405 ? 'method_not_allowed' : 'bad_request',
    message,
  },
});

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(
  template: readonly string[],
  actual: readonly string[],
): Record<string, string> | null {
  if (template.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i += 1) {
    const expected = template[i] as string;
    const value = actual[i] as string;
    if (expected.startsWith(':')) {
      try {
        params[expected.slice(1)] = decodeURIComponent(value);
      } catch {
        return null;
      }
    } else if (expected !== value) {
      return null;
    }
  }
  return params;
}

function hasPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/** Creates a router; register routes with `route(method, '/api/v1/users/:id', handler)`. */
export function createRouter(options: RouterOptions = {}): Router {
  const routes: CompiledRoute[] = [];
  const mounts: { prefix: string; handler: NodeHandler }[] = [];
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const errorResponse = options.errorResponse ?? defaultErrorResponse;

  function fail(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
    const answer = errorResponse(status, message, req);
    json(res, answer.status, answer.body, answer.headers ?? {});
  }

  function find(
    method: string,
    path: string,
  ): { route: CompiledRoute; params: Record<string, string> } | { pathMatched: boolean } {
    const actual = splitPath(path);
    let pathMatched = false;
    for (const route of routes) {
      const params = matchSegments(route.segments, actual);
      if (!params) continue;
      pathMatched = true;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
    }
    return { pathMatched };
  }

  const router: Router = {
    route(method, template, handler) {
      routes.push({ method: method.toUpperCase(), segments: splitPath(template), handler });
      return router;
    },
    mount(prefix, handler) {
      const normalised = prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
      mounts.push({ prefix: normalised, handler });
      // Longest prefix first so `/realms/demo/protocol` wins over `/realms/demo`.
      mounts.sort((a, b) => b.prefix.length - a.prefix.length);
      return router;
    },
    matches(method, path) {
      if (mounts.some((mount) => hasPrefix(path, mount.prefix))) return true;
      return 'route' in find(method.toUpperCase(), path);
    },
    async handle(req, res) {
      const { path, query } = parseUrl(req);
      const method = (req.method ?? 'GET').toUpperCase();
      const found = find(method, path);
      // An explicit route wins over a mount covering the same path (e.g. the emulator's own token endpoint).
      if (!('route' in found)) {
        const mount = mounts.find((candidate) => hasPrefix(path, candidate.prefix));
        if (mount) {
          await mount.handler(req, res);
          return;
        }
        fail(req, res, found.pathMatched ? 405 : 404, `no route for ${method} ${path}`);
        return;
      }
      let body: ParsedBody;
      try {
        body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req, bodyLimit);
      } catch (error) {
        if (error instanceof HttpError) {
          fail(req, res, error.status, error.message);
          return;
        }
        throw error;
      }
      const request: RouteRequest = {
        method,
        path,
        query,
        params: found.params,
        headers: req.headers,
        body,
        raw: req,
      };
      await found.route.handler(request, res);
    },
  };
  return router;
}
