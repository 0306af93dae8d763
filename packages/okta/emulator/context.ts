/**
 * What every route of the emulator shares: state, clock, base URL, Okta's error shape, callers' rights.
 * @module
 */

import type { ServerResponse } from 'node:http';
import type { OidcServer, RouteRequest, WebhookDispatcher } from '@recovery-gate/emulator-kit';
import { json } from '@recovery-gate/emulator-kit';
import { newId, type OrgState, type Principal } from './state.js';

/** Shared emulator context. */
export interface EmuContext {
  readonly state: OrgState;
  /** Emulator time, epoch ms. */
  now(): number;
  /** Base URL of the org, without a trailing slash. */
  baseUrl(): string;
  /** Delivers event hooks for a freshly logged event. */
  readonly dispatcher: WebhookDispatcher;
  /** Milliseconds a push waits before it times out. */
  readonly pushTtlMs: number;
  /** Whether a Temporary Access Code signs in a user in RECOVERY (undocumented; see start.ts). */
  readonly recoveryTacSignIn: 'refused' | 'allowed';
  /** Which TAC request body Okta honours (its spec and its guide disagree; see start.ts). */
  readonly tacRequestBody: 'profile' | 'config';
  /** The `/oauth2/default` authorization server (set once the server listens). */
  oidc: OidcServer | undefined;
}

/** A routed request with its authenticated principal. */
export interface OktaRequest extends RouteRequest {
  readonly principal: Principal;
}

/** A route handler of the emulator. */
export type OktaHandler = (req: OktaRequest, res: ServerResponse) => void | Promise<void>;

/** An Okta API error, thrown by handlers and answered in Okta's error shape. */
export class OktaError extends Error {
  override readonly name = 'OktaError';
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly summary: string,
    readonly causes: readonly string[] = [],
  ) {
    super(summary);
  }
}

/** Okta's error body: `{errorCode, errorSummary, errorLink, errorId, errorCauses}`. */
export function errorBody(error: OktaError): Record<string, unknown> {
  return {
    errorCode: error.errorCode,
    errorSummary: error.summary,
    errorLink: error.errorCode,
    errorId: newId('oae'),
    errorCauses: error.causes.map((errorSummary) => ({ errorSummary })),
  };
}

/** 404 E0000007 for a missing resource. */
export function notFound(id: string, type: string): OktaError {
  return new OktaError(404, 'E0000007', `Not found: Resource not found: ${id} (${type})`);
}

/** 400 E0000001 for a validation failure. */
export function invalid(cause: string): OktaError {
  return new OktaError(400, 'E0000001', `Api validation failed: ${cause.split(':')[0]}`, [cause]);
}

/** 403 E0000006. */
export function forbidden(): OktaError {
  return new OktaError(403, 'E0000006', 'You do not have permission to perform the requested action');
}

/** Sends a JSON body. */
export function ok(
  res: ServerResponse,
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): void {
  json(res, status, body, headers);
}

/** Sends 204. */
export function empty(res: ServerResponse, status = 204): void {
  json(res, status, undefined);
}

/** The body as a JSON object, or a 400 E0000003. */
export function objectBody(req: RouteRequest): Record<string, unknown> {
  const body = req.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OktaError(400, 'E0000003', 'The request body was not well-formed.');
  }
  return body as Record<string, unknown>;
}

/** The `limit` query parameter clamped to `[1, max]`. */
export function limitOf(req: RouteRequest, fallback: number, max: number): number {
  const raw = req.query.get('limit');
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw invalid(`limit: must be an integer between 0 and ${max}`);
  return Math.min(Math.max(n, 1), max);
}

/** A `Link` header value for `self` and optionally `next`. */
export function linkHeader(self: string, next: string | null): string {
  return next === null ? `<${self}>; rel="self"` : `<${self}>; rel="self", <${next}>; rel="next"`;
}

/** Reads a string field, or null. */
export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
