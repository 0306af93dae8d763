/**
 * What the emulator's handlers see and return (a request in, a status and body out), Keycloak's error body
 * shapes, and the traffic log for conformance tests. Routing, body reading and serving are the emulator
 * kit's (`serve.ts` wires them).
 * @module
 */

import type { IncomingMessage } from 'node:http';

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

/** Where the emulator registers its routes (the kit's router, path syntax `/users/:id`). */
export interface Router {
  on(method: string, template: string, handler: Handler): void;
}
