import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';

/** A plain Node request handler (what `http.createServer` takes). */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A started loopback HTTP server. */
export interface HttpServerHandle {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:53211`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Stops listening and destroys every open (keep-alive) socket. */
  close(): Promise<void>;
}

/** Options of {@link startHttpServer}. */
export interface StartHttpServerOptions {
  /** Port to bind on 127.0.0.1. @default 0 (ephemeral) */
  readonly port?: number;
  /** Called when a handler throws after the response started or cannot be answered; defaults to ignoring. */
  readonly onError?: (error: unknown) => void;
}

/** Default request body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Error thrown by {@link readBody} when the body is too large or malformed; carries the HTTP status. */
export class HttpError extends Error {
  /** HTTP status to answer with. */
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

/** Starts a server on 127.0.0.1 (port 0 by default); unhandled handler errors become a 500 JSON answer. */
export async function startHttpServer(
  handler: NodeHandler,
  options: StartHttpServerOptions = {},
): Promise<HttpServerHandle> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        options.onError?.(error);
        if (!res.headersSent) {
          const status = error instanceof HttpError ? error.status : 500;
          json(res, status, { error: status === 500 ? 'internal_error' : 'bad_request' });
        } else if (!res.writableEnded) {
          res.end();
        }
      });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** Remembers the body each response was given by {@link json}/{@link send}, for request logs. */
const sentBodies = new WeakMap<ServerResponse, unknown>();

/** The body last sent through {@link json} or {@link send} on this response (request logs read it). */
export function sentBody(res: ServerResponse): unknown {
  return sentBodies.get(res);
}

/** Sends a JSON response (`application/json; charset=utf-8`); `body === undefined` sends no body. */
export function json(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Readonly<Record<string, string | readonly string[]>> = {},
): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  sentBodies.set(res, body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (payload !== '' && !res.hasHeader('content-type')) {
    res.setHeader('content-type', 'application/json; charset=utf-8');
  }
  res.setHeader('content-length', Buffer.byteLength(payload));
  res.end(payload);
}

/** Sends a text or HTML response with the given content type. */
export function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
  headers: Readonly<Record<string, string | readonly string[]>> = {},
): void {
  sentBodies.set(res, body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/** Answers 204 No Content. */
export function noContent(res: ServerResponse, headers: Readonly<Record<string, string>> = {}): void {
  json(res, 204, undefined, headers);
}

/** Sends a 302/303 redirect. */
export function redirect(res: ServerResponse, location: string, status: 302 | 303 = 302): void {
  res.statusCode = status;
  res.setHeader('location', location);
  res.setHeader('content-length', 0);
  res.end();
}

/** A parsed request body: JSON value, form fields, raw text, or undefined when empty. */
export type ParsedBody = unknown;

const bodyCache = new WeakMap<IncomingMessage, Promise<ParsedBody>>();
const parsedBodies = new WeakMap<IncomingMessage, ParsedBody>();
const rawBodies = new WeakMap<IncomingMessage, string>();

/**
 * Reads and parses the request body once (later calls return the same value): JSON when the content type
 * is JSON, an object of fields for `application/x-www-form-urlencoded`, else the raw text.
 * @throws HttpError 413 when larger than `limit`, 400 on malformed JSON.
 */
export function readBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<ParsedBody> {
  const cached = bodyCache.get(req);
  if (cached) return cached;
  const pending = readRaw(req, limit).then((raw) => {
    rawBodies.set(req, raw);
    const parsed = parseBody(raw, String(req.headers['content-type'] ?? ''));
    parsedBodies.set(req, parsed);
    return parsed;
  });
  bodyCache.set(req, pending);
  return pending;
}

/** The body already parsed by {@link readBody}, if any (does not read the stream). */
export function peekBody(req: IncomingMessage): ParsedBody {
  return parsedBodies.get(req);
}

/**
 * A request to hand to another handler after {@link readBody} consumed the stream: the same request with
 * the body readable again (or the request itself when it was not read).
 */
export function replayableRequest(req: IncomingMessage): IncomingMessage {
  const raw = rawBodies.get(req);
  if (raw === undefined || req.readable) return req;
  const buffer = Buffer.from(raw, 'utf8');
  return Object.create(req, {
    readable: { value: true },
    readableEncoding: { value: null },
    iterator: {
      value: (options?: { destroyOnReturn?: boolean }) => Readable.from([buffer]).iterator(options),
    },
    [Symbol.asyncIterator]: { value: () => Readable.from([buffer])[Symbol.asyncIterator]() },
  }) as IncomingMessage;
}

function readRaw(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new HttpError(413, 'request body too large'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string, contentType: string): ParsedBody {
  if (raw === '') return undefined;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new HttpError(400, 'malformed JSON body');
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  return raw;
}

/** Parses the request URL into path and query (the host is irrelevant on loopback). */
export function parseUrl(req: IncomingMessage): { readonly path: string; readonly query: URLSearchParams } {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  return { path: url.pathname, query: url.searchParams };
}
