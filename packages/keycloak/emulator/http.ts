/**
 * A tiny HTTP router for the emulator: path patterns with `{params}`, JSON and form bodies,
 * Keycloak's error body shapes, and a traffic log for conformance tests.
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';

/** A parsed request as handlers see it. */
export interface Req {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** Parsed JSON, parsed form (as a record), raw text, or undefined when there was no body. */
  readonly body: unknown;
  readonly rawBody: string;
}

/** What a handler returns. */
export interface Res {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A route handler. */
export type Handler = (req: Req) => Res | Promise<Res>;

/** One recorded exchange (for OpenAPI conformance checks). */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly requestBody: unknown;
  readonly status: number;
  readonly responseBody: unknown;
}

/** A thrown HTTP error, rendered with Keycloak's body shapes. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, string>,
  ) {
    super(JSON.stringify(body));
  }
}

/** `{error, error_description}` (OAuth endpoints and many admin errors). */
export const oauthError = (status: number, error: string, description?: string): HttpError =>
  new HttpError(status, description === undefined ? { error } : { error, error_description: description });

/** `{errorMessage}` (admin validation / conflict errors). */
export const messageError = (status: number, errorMessage: string): HttpError =>
  new HttpError(status, { errorMessage });

interface Route {
  readonly method: string;
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly handler: Handler;
}

/** A route table. */
export interface Router {
  on(method: string, pattern: string, handler: Handler): void;
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | null;
}

/** Creates an empty router. */
export function createRouter(): Router {
  const routes: Route[] = [];
  return {
    on(method, pattern, handler) {
      const names: string[] = [];
      const source = pattern
        .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
        .replace(/\{([^}]+)\}/g, (_m, name: string) => {
          names.push(name);
          return '([^/]+)';
        });
      routes.push({ method, regex: new RegExp(`^${source}/?$`), names, handler });
    },
    match(method, path) {
      for (const route of routes) {
        if (route.method !== method) continue;
        const m = route.regex.exec(path);
        if (m === null) continue;
        const params: Record<string, string> = {};
        route.names.forEach((name, i) => {
          params[name] = decodeURIComponent(m[i + 1] ?? '');
        });
        return { handler: route.handler, params };
      }
      return null;
    },
  };
}

/** Writes a handler result to the socket. */
export function send(res: ServerResponse, out: Res): void {
  const headers: Record<string, string> = { ...(out.headers ?? {}) };
  if (out.body === undefined) {
    res.writeHead(out.status, headers);
    res.end();
    return;
  }
  if (typeof out.body === 'string' && headers['content-type'] !== undefined) {
    res.writeHead(out.status, headers);
    res.end(out.body);
    return;
  }
  headers['content-type'] = 'application/json';
  res.writeHead(out.status, headers);
  res.end(JSON.stringify(out.body));
}
