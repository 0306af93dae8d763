/**
 * The gate's HTTP server: security headers on every response, JSON errors without internals, a router.
 * @module
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ERROR_CODES, GateError, isGateError } from '@recovery-gate/core';
import type { Logger } from '../types.js';
import { createRouter, type RequestContext, type RouteResponse, type Router } from './router.js';

/** The default body limit for any route. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** Options for {@link startHttpServer}. */
export interface HttpServerOptions {
  /** @default 0 (ephemeral) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** The public base URL; HSTS is sent when it is https. */
  readonly publicUrl?: string;
  readonly logger: Logger;
  readonly router?: Router;
  /** How long `close` lets requests in flight finish before cutting them. @default 5000 */
  readonly closeTimeoutMs?: number;
}

/** A running server. */
export interface HttpServer {
  readonly router: Router;
  /** The URL it listens on, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

const STATUS_BY_CODE: Partial<Record<string, number>> = {
  ERR_INPUT_INVALID: 400,
  ERR_HOOK_MALFORMED: 400,
  ERR_HOOK_UNAUTHENTICATED: 401,
  ERR_CSRF: 403,
  ERR_SEPARATION_OF_DUTIES: 403,
  ERR_CASE_NOT_FOUND: 404,
  ERR_CASE_ILLEGAL_TRANSITION: 409,
  ERR_CASE_NOT_EXECUTABLE: 409,
  ERR_LINK_INVALID: 410,
  ERR_HOOK_TOO_LARGE: 413,
};

/** Sets the security headers every response carries. */
export function setSecurityHeaders(res: ServerResponse, https: boolean): void {
  res.setHeader(
    'content-security-policy',
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  );
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cache-control', 'no-store');
  if (https) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
}

/** A JSON error body `{ error: { code, message } }`. */
export function jsonError(status: number, code: string, message: string): RouteResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ error: { code, message } }),
  };
}

/** Reads a request body as UTF-8 up to `maxBytes`. @throws ERR_HOOK_TOO_LARGE */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > maxBytes) return Promise.reject(new GateError('ERR_HOOK_TOO_LARGE'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(new GateError('ERR_HOOK_TOO_LARGE'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A body reader that reads once (the CSRF check may have read a form before its handler). */
function onceBody(req: IncomingMessage): (maxBytes?: number) => Promise<string> {
  let read: Promise<string> | undefined;
  return (max = DEFAULT_MAX_BODY_BYTES) => {
    if (read === undefined) {
      read = readBody(req, max);
      return read;
    }
    return read.then((text) => {
      if (Buffer.byteLength(text) > max) throw new GateError('ERR_HOOK_TOO_LARGE');
      return text;
    });
  };
}

function send(res: ServerResponse, response: RouteResponse): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  // Do not keep reading an oversized body just to keep the connection alive.
  if (response.status === 413) res.setHeader('connection', 'close');
  res.statusCode = response.status;
  res.end(response.body ?? '');
}

function errorToResponse(error: unknown, logger: Logger, where: string): RouteResponse {
  if (isGateError(error)) {
    const status = STATUS_BY_CODE[error.code];
    if (status !== undefined) return jsonError(status, error.code, ERROR_CODES[error.code]);
  }
  logger.error('request failed', { route: where, error });
  return jsonError(500, 'ERR_INTERNAL', 'The gate failed to handle the request.');
}

/** Stops accepting, lets requests in flight finish (a hook mid-insert gets its answer), then cuts the rest. */
function closeGracefully(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Starts the HTTP server; routes can be added before or after it starts. */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const router = options.router ?? createRouter();
  const https = options.publicUrl?.startsWith('https://') ?? false;
  const { logger } = options;
  const server = createServer((req, res) => {
    setSecurityHeaders(res, https);
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://gate.invalid');
    } catch {
      send(res, jsonError(400, 'ERR_INPUT_INVALID', 'The request URL is not valid.'));
      return;
    }
    const match = router.match(method, url.pathname);
    if (match.kind === 'not_found') return send(res, jsonError(404, 'ERR_NOT_FOUND', 'Not found.'));
    if (match.kind === 'method_not_allowed') {
      res.setHeader('allow', match.allow.join(', '));
      return send(res, jsonError(405, 'ERR_METHOD', 'Method not allowed.'));
    }
    const ctx: RequestContext = {
      req,
      res,
      method,
      url,
      params: match.params,
      remoteAddress: req.socket.remoteAddress,
      body: onceBody(req),
    };
    match.handler(ctx).then(
      (response) => {
        if (response !== undefined) send(res, response);
      },
      // The pattern, not the path: a link token is a path segment.
      (error: unknown) => send(res, errorToResponse(error, logger, `${method} ${match.pattern}`)),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    router,
    url: `http://${host}:${address.port}`,
    server,
    close: () => closeGracefully(server, options.closeTimeoutMs ?? 5000),
  };
}
