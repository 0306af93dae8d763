import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InjectedFault } from '@recovery-gate/core/testing';
import { json, parseUrl, peekBody, sentBody } from './http.js';

/** A response the emulator builds for an injected fault (the shape is the IdP's own). */
export interface FaultResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** One request the emulator served, as conformance tests read it (secrets redacted). */
export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Parsed request body (only if the route read it), with secret-looking fields redacted (query too). */
  readonly body: unknown;
  readonly status: number;
  /** Body given to `json()`/`send()`, secrets redacted (undefined when streamed some other way). */
  readonly responseBody: unknown;
  /** The fault that answered this request, if any. */
  readonly fault?: InjectedFault['kind'];
  /** Emulator time (epoch ms) when the request arrived. */
  readonly at: number;
}

/** Options of {@link createFaultInjector}. */
export interface FaultInjectorOptions {
  /** Builds the IdP's 429 answer (Okta: `X-Rate-Limit-*` headers; Graph: `Retry-After`; ...). */
  readonly rateLimitResponse: (retryAfterSeconds: number, req: IncomingMessage) => FaultResponse;
  /** Builds the IdP's 5xx answer. @default `{ error: 'server_error' }` JSON */
  readonly serverErrorResponse?: (status: number, req: IncomingMessage) => FaultResponse;
  /** Which requests faults, latency and the counter apply to. @default every request */
  readonly appliesTo?: (method: string, path: string) => boolean;
  /** Global added latency in ms for every applicable request (benchmarks). @default 0 */
  readonly latencyMs?: number;
  /** Sleeps for latency; injectable so unit tests do not wait. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Clock used to stamp log entries. @default Date.now */
  readonly now?: () => number;
  /** Maximum entries kept in the request log (oldest dropped). @default 1000 */
  readonly logLimit?: number;
  /** More field names (case-insensitive) to redact in the log, besides `DEFAULT_REDACT_FIELDS`. */
  readonly redactFields?: readonly string[];
}

/** Queue of injected faults plus a request counter and log. */
export interface FaultInjector {
  /** Queues a fault: `rate_limit`/`server_error` answer the next `count` requests; `latency` delays all until cleared. */
  inject(fault: InjectedFault): void;
  /** Removes every queued fault and injected latency (the global `latencyMs` stays). */
  clear(): void;
  /** Global latency in ms added to every applicable request. */
  latencyMs: number;
  /**
   * Counts and logs the request, waits for latency, and answers it when a fault is due.
   * Call before routing; returns true when the request was answered (stop handling it).
   */
  applyFaults(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** How many applicable requests were seen. */
  requestCount(): number;
  /** Logged requests, oldest first (completed requests only). */
  requestLog(): readonly RequestLogEntry[];
  /** Empties the request log and resets the counter. */
  resetLog(): void;
  /** Faults still queued (for assertions). */
  pending(): readonly InjectedFault[];
}

/** Field names (case-insensitive) redacted in logged bodies and query strings; extend with `redactFields`. */
export const DEFAULT_REDACT_FIELDS: readonly string[] = [
  'password',
  'newPassword',
  'oldPassword',
  'client_secret',
  'clientSecret',
  'refresh_token',
  'code_verifier',
  'client_assertion',
  'assertion',
  'xsrf',
  'otp',
  'passCode',
  'secret',
  'token',
  'temporaryAccessPass',
  'tac',
  'access_token',
  'id_token',
];

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Replaces string values under secret-looking field names with `[redacted]`, recursively; the structure is
 * kept (`{ password: { value: 'x' } }` becomes `{ password: { value: '[redacted]' } }`) so logged bodies
 * still validate against an API description.
 */
export function redact(value: unknown, fields: ReadonlySet<string>, inSecret = false): unknown {
  if (typeof value === 'string') return inSecret ? '[redacted]' : value;
  if (Array.isArray(value)) return value.map((item) => redact(item, fields, inSecret));
  if (value !== null && typeof value === 'object') {
    // Keycloak credential representations carry the secret in `value` next to `type: 'password'`.
    const typed = (value as { type?: unknown }).type;
    const secretValue = typed === 'password' || typed === 'otp' || typed === 'totp';
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        redact(inner, fields, inSecret || fields.has(key.toLowerCase()) || (secretValue && key === 'value')),
      ]),
    );
  }
  return value;
}

/** Creates a fault injector; the emulator passes its IdP-specific 429 shape. */
export function createFaultInjector(options: FaultInjectorOptions): FaultInjector {
  const queue: InjectedFault[] = [];
  const log: RequestLogEntry[] = [];
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const logLimit = options.logLimit ?? 1000;
  const redactSet = new Set(
    [...DEFAULT_REDACT_FIELDS, ...(options.redactFields ?? [])].map((field) => field.toLowerCase()),
  );
  let injectedLatency = 0;
  let count = 0;

  function record(
    req: IncomingMessage,
    res: ServerResponse,
    at: number,
    fault?: InjectedFault['kind'],
  ): void {
    const { path, query } = parseUrl(req);
    res.once('finish', () => {
      log.push({
        method: (req.method ?? 'GET').toUpperCase(),
        path,
        query: redact(Object.fromEntries(query), redactSet) as Record<string, string>,
        body: redact(peekBody(req), redactSet),
        status: res.statusCode,
        responseBody: redact(sentBody(res), redactSet),
        ...(fault ? { fault } : {}),
        at,
      });
      if (log.length > logLimit) log.splice(0, log.length - logLimit);
    });
  }

  function answer(req: IncomingMessage, res: ServerResponse, fault: InjectedFault): void {
    const response =
      fault.kind === 'rate_limit'
        ? options.rateLimitResponse(fault.retryAfterSeconds, req)
        : (options.serverErrorResponse?.(
            fault.kind === 'server_error' ? (fault.status ?? 500) : 500,
            req,
          ) ?? {
            status: fault.kind === 'server_error' ? (fault.status ?? 500) : 500,
            body: { error: 'server_error' },
          });
    json(res, response.status, response.body, response.headers ?? {});
  }

  /** Takes the next due count-based fault off the queue, decrementing its count. */
  function takeDue(): InjectedFault | undefined {
    const index = queue.findIndex((fault) => fault.kind !== 'latency');
    if (index < 0) return undefined;
    const fault = queue[index] as Exclude<InjectedFault, { kind: 'latency' }>;
    if (fault.count <= 1) queue.splice(index, 1);
    else queue[index] = { ...fault, count: fault.count - 1 };
    return fault;
  }

  const injector: FaultInjector = {
    latencyMs: options.latencyMs ?? 0,
    inject(fault) {
      if (fault.kind === 'latency') {
        if (!(fault.ms >= 0)) throw new TypeError('latency fault needs ms >= 0');
        injectedLatency = fault.ms;
        return;
      }
      if (!Number.isInteger(fault.count) || fault.count < 1)
        throw new TypeError('fault count must be an integer >= 1');
      queue.push(fault);
    },
    clear() {
      queue.length = 0;
      injectedLatency = 0;
    },
    async applyFaults(req, res) {
      const { path } = parseUrl(req);
      const method = (req.method ?? 'GET').toUpperCase();
      if (options.appliesTo && !options.appliesTo(method, path)) return false;
      count += 1;
      const at = now();
      const delay = injector.latencyMs + injectedLatency;
      if (delay > 0) await sleep(delay);
      const fault = takeDue();
      record(req, res, at, fault?.kind);
      if (!fault) return false;
      answer(req, res, fault);
      return true;
    },
    requestCount: () => count,
    requestLog: () => [...log],
    resetLog() {
      log.length = 0;
      count = 0;
    },
    pending: () => [
      ...queue,
      ...(injectedLatency > 0 ? [{ kind: 'latency' as const, ms: injectedLatency }] : []),
    ],
  };
  return injector;
}
