/**
 * Small HTTP helpers for the pages: HTML responses with the pages' security headers, redirects, form
 * bodies and cookies.
 * @module
 */

import { CSRF_FORM_MAX_BYTES } from '../server/csrf.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import type { SafeHtml } from './safe-html.js';

/** The pages' CSP: local styles only, no scripts at all, no framing, forms post only to the gate. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Headers every page carries (on top of the server's own). */
export function pageHeaders(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': PAGE_CSP,
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    ...extra,
  };
}

/** An HTML page response; only markup built with the `html` tag is accepted. */
export function htmlResponse(
  status: number,
  body: SafeHtml,
  extra: Readonly<Record<string, string>> = {},
): RouteResponse {
  return { status, headers: pageHeaders(extra), body: body.toString() };
}

/** A 303 redirect (after a POST or to drop a secret from the URL). */
export function redirect(location: string, extra: Readonly<Record<string, string>> = {}): RouteResponse {
  return { status: 303, headers: { location, 'cache-control': 'no-store', ...extra }, body: '' };
}

/** Reads a cookie by name from the request. */
export function readCookie(ctx: Pick<RequestContext, 'req'>, name: string): string | null {
  const header = ctx.req.headers.cookie;
  if (typeof header !== 'string') return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The largest form body a page accepts. */
export const MAX_FORM_BYTES = CSRF_FORM_MAX_BYTES;

/** Parses an `application/x-www-form-urlencoded` body; anything else is an empty form. */
export async function readForm(ctx: RequestContext): Promise<URLSearchParams> {
  const type = String(ctx.req.headers['content-type'] ?? '');
  const body = await ctx.body(MAX_FORM_BYTES);
  if (!type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams();
  return new URLSearchParams(body);
}
