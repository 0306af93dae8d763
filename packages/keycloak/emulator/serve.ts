/**
 * The emulator's request pipeline: latency and fault injection, routing to the admin API and token
 * endpoint, delegation of the interactive OIDC side to the emulator-kit server, and the traffic log.
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type OidcServer, readBody as readKitBody, replayableRequest } from '@recovery-gate/emulator-kit';
import type { Emu } from './context.js';
import { type Exchange, HttpError, type Req, type Res, type Router, send } from './http.js';
import { DELEGATE } from './oidc.js';

/** A fault the emulator injects into its next admin API responses. */
export type EmulatorFault =
  | { readonly kind: 'rate_limit'; readonly count: number; readonly retryAfterSeconds: number }
  | { readonly kind: 'server_error'; readonly count: number; readonly status?: 500 | 502 | 503 }
  | { readonly kind: 'latency'; readonly ms: number };

/** Mutable pipeline state the control API reads and writes. */
export interface Traffic {
  readonly faults: EmulatorFault[];
  readonly exchanges: Exchange[];
  adminRequests: number;
  tokenRequests: number;
  kit: OidcServer | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function takeFault(faults: EmulatorFault[]): EmulatorFault | undefined {
  const head = faults[0];
  if (head === undefined) return undefined;
  if (head.kind === 'latency' || head.count <= 1) faults.shift();
  else faults[0] = { ...head, count: head.count - 1 };
  return head;
}

/** Answers an injected fault; true when the request is done. */
async function injected(res: ServerResponse, fault: EmulatorFault | undefined): Promise<boolean> {
  if (fault?.kind === 'latency') await sleep(fault.ms);
  if (fault?.kind === 'rate_limit') {
    send(res, {
      status: 429,
      headers: { 'retry-after': String(fault.retryAfterSeconds) },
      body: { error: 'too_many_requests' },
    });
    return true;
  }
  if (fault?.kind === 'server_error') {
    send(res, { status: fault.status ?? 500, body: { error: 'unknown_error' } });
    return true;
  }
  return false;
}

async function route(
  emu: Emu,
  router: Router,
  req: IncomingMessage,
  url: URL,
): Promise<{ out: Res; body: unknown }> {
  const match = router.match(req.method ?? 'GET', url.pathname);
  let body: unknown;
  try {
    body = await readKitBody(req).catch(() => {
      throw new HttpError(400, { error: 'invalid_request', error_description: 'Malformed body' });
    });
    if (match === null)
      throw new HttpError(404, { error: 'RESTEASY003210: Could not find resource for full path' });
    if (match.params.realm !== undefined && match.params.realm !== emu.realm.settings.realm) {
      throw new HttpError(404, { error: 'Realm not found.' });
    }
    const request: Req = {
      method: req.method ?? 'GET',
      path: url.pathname,
      params: match.params,
      query: url.searchParams,
      headers: req.headers,
      body,
      rawBody: '',
    };
    return { out: await match.handler(request), body };
  } catch (err) {
    const out =
      err instanceof HttpError
        ? { status: err.status, body: err.body }
        : { status: 500, body: { error: 'unknown_error' } };
    return { out, body };
  }
}

async function handle(
  emu: Emu,
  router: Router,
  traffic: Traffic,
  latencyMs: number | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const isAdmin = url.pathname.startsWith('/admin/');
  if (latencyMs !== undefined) await sleep(latencyMs);
  if (isAdmin) traffic.adminRequests += 1;
  if (url.pathname.endsWith('/protocol/openid-connect/token')) traffic.tokenRequests += 1;
  if (await injected(res, isAdmin ? takeFault(traffic.faults) : undefined)) return;
  const ours = router.match(req.method ?? 'GET', url.pathname) !== null;
  if (!ours && url.pathname.startsWith(`/realms/${emu.realm.settings.realm}/`) && traffic.kit !== undefined) {
    await traffic.kit.handler(req, res);
    return;
  }
  const { out, body } = await route(emu, router, req, url);
  if (out === DELEGATE && traffic.kit !== undefined) {
    await traffic.kit.handler(replayableRequest(req), res);
    return;
  }
  if (isAdmin) {
    traffic.exchanges.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      requestBody: body,
      status: out.status,
      responseBody: out.body,
    });
  }
  send(res, out);
}

/** The node request listener. */
export function createListener(emu: Emu, router: Router, traffic: Traffic, latencyMs: number | undefined) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(emu, router, traffic, latencyMs, req, res).catch(() => {
      if (!res.headersSent) send(res, { status: 500, body: { error: 'unknown_error' } });
      else res.end();
    });
  };
}
