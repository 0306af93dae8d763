/**
 * Cross-site request forgery, checked by the router for every state-changing request (POST, PUT, PATCH,
 * DELETE) before any handler runs: the browser's `Sec-Fetch-Site` must say same-origin and its `Origin` must
 * be the gate's, and the request must carry the synchronizer token of its session (form field `csrf` or
 * header `x-csrf-token`), compared in constant time. A route is exempt only by declaring why at
 * registration (machine endpoints that authenticate every request with a signature, such as IdP hooks).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 * @module
 */

import { secretsEqual } from '@recovery-gate/core';
import type { RequestContext, RouteResponse } from './router.js';

/** Methods that change state, so the router checks CSRF on them. */
export const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The largest form body the check reads to find the token (pages' forms are small). */
export const CSRF_FORM_MAX_BYTES = 16 * 1024;

/** Where the token of a request's session comes from, and what a refused request gets. */
export interface CsrfCheck {
  /** The token this request must carry (its session's), or null when it has none: then it is refused. */
  expected(ctx: RequestContext): Promise<string | null>;
  /** The answer to a refused request (a page for people, JSON for machines). */
  refused(ctx: RequestContext): RouteResponse | Promise<RouteResponse>;
  /** Origins accepted besides the request's own `Host` (the public base URL behind a proxy). */
  origins?(): readonly string[];
}

/** A declared exemption: the route authenticates every request itself; `exempt` says how. */
export interface CsrfExemption {
  readonly exempt: string;
}

/** What a state-changing route declares: its own check, an exemption, or (absent) the router's check. */
export type CsrfRule = CsrfCheck | CsrfExemption;

/** Whether a rule is an exemption. */
export function isExemption(rule: CsrfRule | undefined): rule is CsrfExemption {
  return rule !== undefined && 'exempt' in rule;
}

function header(ctx: RequestContext, name: string): string | undefined {
  const value = ctx.req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Whether the browser says the request comes from the gate's own pages. A request without either header
 * comes from a non-browser client, which cannot ride a person's cookies: the token alone decides.
 */
export function sameOrigin(ctx: RequestContext, extra: readonly string[] = []): boolean {
  const site = header(ctx, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = header(ctx, 'origin');
  if (origin === undefined) return true;
  // The pages' Referrer-Policy is no-referrer, under which a browser serialises the Origin of a form post
  // as "null" even on the same origin; Sec-Fetch-Site (set by the browser, never by a page) then vouches.
  if (origin === 'null' && site === 'same-origin') return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // includes the opaque origin "null" (sandboxed frames, data: URLs)
  }
  if (parsed.host === header(ctx, 'host')) return true;
  return extra.some((o) => {
    try {
      return new URL(o).origin === parsed.origin;
    } catch {
      return false;
    }
  });
}

/** The token a request carries: the `x-csrf-token` header, else the `csrf` field of a url-encoded form. */
export async function submittedToken(ctx: RequestContext): Promise<string | null> {
  const fromHeader = header(ctx, 'x-csrf-token');
  if (fromHeader !== undefined && fromHeader.length > 0) return fromHeader;
  const type = header(ctx, 'content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) return null;
  return new URLSearchParams(await ctx.body(CSRF_FORM_MAX_BYTES)).get('csrf');
}

/** Checks a state-changing request; null when it may proceed, else the refusal. */
export async function csrfRefusal(ctx: RequestContext, check: CsrfCheck): Promise<RouteResponse | null> {
  if (!sameOrigin(ctx, check.origins?.() ?? [])) return check.refused(ctx);
  const submitted = await submittedToken(ctx);
  const expected = await check.expected(ctx);
  if (
    expected === null ||
    submitted === null ||
    submitted.length === 0 ||
    !secretsEqual(expected, submitted)
  ) {
    return check.refused(ctx);
  }
  return null;
}

/** The refusal when no check was registered for a state-changing route: nothing runs (fail closed). */
export const NO_CSRF_CHECK: CsrfCheck = {
  expected: async () => null,
  refused: () => ({
    status: 403,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ error: { code: 'ERR_CSRF', message: 'The request was refused (CSRF).' } }),
  }),
};
