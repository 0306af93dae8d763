/**
 * Event hooks: management API and the one-time verification GET (`x-okta-verification-challenge`).
 * Okta requires an HTTPS target; the emulator also accepts `http://127.0.0.1` / `localhost` for tests.
 * @see https://developer.okta.com/docs/concepts/event-hooks/
 * @module
 */

import { randomUUID } from 'node:crypto';
import { deliverWebhook } from '@recovery-gate/emulator-kit';
import {
  type EmuContext,
  empty,
  invalid,
  notFound,
  OktaError,
  type OktaRequest,
  objectBody,
  ok,
  str,
} from './context.js';
import type { Routes } from './routes.js';
import { type EmuEventHook, iso, newId } from './state.js';

/** Event types Okta lets a hook subscribe to (the subset the emulator knows). */
export const HOOK_ELIGIBLE = new Set([
  'user.mfa.factor.reset_all',
  'user.mfa.factor.deactivate',
  'user.mfa.factor.activate',
  'user.mfa.factor.suspend',
  'user.mfa.factor.unsuspend',
  'user.account.reset_password',
  'user.account.update_password',
  'user.account.unlock_by_admin',
  'user.account.unlock',
  'user.account.lock',
  'user.lifecycle.suspend',
  'user.lifecycle.unsuspend',
  'user.lifecycle.activate',
  'user.lifecycle.deactivate',
  'user.lifecycle.reactivate',
  'group.user_membership.add',
  'group.user_membership.remove',
  'user.account.update_profile',
  'user.session.clear',
  'user.session.end',
  'user.session.start',
  'user.account.privilege.grant',
  'user.account.privilege.revoke',
  'user.authentication.auth_via_mfa',
  'group.privilege.grant',
  'group.privilege.revoke',
]);

function hookJson(ctx: EmuContext, hook: EmuEventHook): Record<string, unknown> {
  const href = `${ctx.baseUrl()}/api/v1/eventHooks/${hook.id}`;
  return {
    id: hook.id,
    status: hook.status,
    verificationStatus: hook.verificationStatus,
    name: hook.name,
    created: iso(hook.created),
    ...(hook.createdBy ? { createdBy: hook.createdBy } : {}),
    lastUpdated: iso(hook.lastUpdated),
    events: { type: hook.events.type, items: [...hook.events.items] },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: {
        uri: hook.uri,
        headers: hook.headers.map((h) => ({ ...h })),
        // The auth value is write-only: never returned.
        authScheme: hook.authScheme ? { type: hook.authScheme.type, key: hook.authScheme.key } : null,
      },
    },
    _links: {
      self: { href },
      verify: { href: `${href}/lifecycle/verify`, hints: { allow: ['POST'] } },
      deactivate: { href: `${href}/lifecycle/deactivate`, hints: { allow: ['POST'] } },
    },
  };
}

function parseHook(
  req: OktaRequest,
  existing?: EmuEventHook,
): Omit<EmuEventHook, 'id' | 'created' | 'createdBy' | 'lastUpdated' | 'status' | 'verificationStatus'> {
  const body = objectBody(req);
  const name = str(body.name);
  if (!name) throw invalid('name: The field cannot be left blank');
  const events = body.events as { type?: unknown; items?: unknown } | undefined;
  if (events?.type !== 'EVENT_TYPE' || !Array.isArray(events.items) || events.items.length === 0) {
    throw invalid('events: type EVENT_TYPE with at least one item is required');
  }
  const items = events.items.map(String);
  const bad = items.filter((t) => !HOOK_ELIGIBLE.has(t));
  if (bad.length > 0) throw invalid(`events.items: not eligible for event hooks: ${bad.join(', ')}`);
  if (items.length > 300) throw invalid('events.items: at most 300 event types');
  const channel = body.channel as
    | { type?: unknown; version?: unknown; config?: Record<string, unknown> }
    | undefined;
  if (channel?.type !== 'HTTP' || channel.version !== '1.0.0')
    throw invalid('channel: type HTTP, version 1.0.0');
  const uri = str(channel.config?.uri) ?? '';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid('channel.config.uri: not a URL');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw invalid('channel.config.uri: must be an HTTPS endpoint');
  }
  const headers = Array.isArray(channel.config?.headers)
    ? (channel.config.headers as { key?: unknown; value?: unknown }[]).map((h) => ({
        key: String(h.key),
        value: String(h.value),
      }))
    : [];
  const scheme = channel.config?.authScheme as
    | { type?: unknown; key?: unknown; value?: unknown }
    | null
    | undefined;
  const authScheme = scheme
    ? {
        type: 'HEADER' as const,
        key: String(scheme.key ?? 'Authorization'),
        value: scheme.value === undefined ? (existing?.authScheme?.value ?? '') : String(scheme.value),
      }
    : null;
  return { name, events: { type: 'EVENT_TYPE', items }, uri, headers, authScheme };
}

/**
 * The one-time verification: a GET with `x-okta-verification-challenge`, answered 200 with
 * `{"verification": <value>}`; 3 s timeout, "One retry is attempted after a timeout or error response"
 * (the kit's delivery: 5xx, timeout, network error).
 */
async function challenge(hook: EmuEventHook): Promise<boolean> {
  const value = randomUUID();
  const headers: Record<string, string> = {
    accept: 'application/json',
    'x-okta-verification-challenge': value,
  };
  for (const h of hook.headers) headers[h.key] = h.value;
  if (hook.authScheme) headers[hook.authScheme.key] = hook.authScheme.value;
  const result = await deliverWebhook(
    hook.uri,
    { method: 'GET', headers, readResponse: true },
    { timeoutMs: 3000, retries: 1 },
  );
  if (result.status !== 200 || result.responseBody === undefined) return false;
  try {
    return (JSON.parse(result.responseBody) as { verification?: unknown }).verification === value;
  } catch {
    return false;
  }
}

function hookParam(ctx: EmuContext, req: OktaRequest): EmuEventHook {
  const hook = ctx.state.hooks.get(req.params.hookId ?? '');
  if (!hook) throw notFound(req.params.hookId ?? '', 'EventHook');
  return hook;
}

function activeCount(ctx: EmuContext): number {
  return [...ctx.state.hooks.values()].filter((h) => h.status === 'ACTIVE').length;
}

/** Registers the event-hook management routes. */
export function registerHooks(ctx: EmuContext, r: Routes): void {
  const base = '/api/v1/eventHooks';
  r('GET', base, 'okta.eventHooks.read', (_req, res) =>
    ok(
      res,
      [...ctx.state.hooks.values()].map((h) => hookJson(ctx, h)),
    ),
  );
  r('POST', base, 'okta.eventHooks.manage', (req, res) => {
    if (activeCount(ctx) >= 25) throw invalid('eventHooks: at most 25 active event hooks per org');
    const now = ctx.now();
    const hook: EmuEventHook = {
      id: newId('who'),
      status: 'ACTIVE',
      verificationStatus: 'UNVERIFIED',
      created: now,
      lastUpdated: now,
      createdBy: req.principal.id,
      ...parseHook(req),
    };
    ctx.state.hooks.set(hook.id, hook);
    ok(res, hookJson(ctx, hook));
  });
  r('GET', `${base}/:hookId`, 'okta.eventHooks.read', (req, res) =>
    ok(res, hookJson(ctx, hookParam(ctx, req))),
  );
  r('PUT', `${base}/:hookId`, 'okta.eventHooks.manage', (req, res) => {
    const hook = hookParam(ctx, req);
    const next = parseHook(req, hook);
    const uriChanged = next.uri !== hook.uri;
    Object.assign(hook, next, { lastUpdated: ctx.now() });
    if (uriChanged) hook.verificationStatus = 'UNVERIFIED';
    ok(res, hookJson(ctx, hook));
  });
  r('DELETE', `${base}/:hookId`, 'okta.eventHooks.manage', (req, res) => {
    const hook = hookParam(ctx, req);
    if (hook.status === 'ACTIVE') throw invalid('status: deactivate the event hook before deleting it');
    ctx.state.hooks.delete(hook.id);
    empty(res);
  });
  for (const op of ['activate', 'deactivate'] as const) {
    r('POST', `${base}/:hookId/lifecycle/${op}`, 'okta.eventHooks.manage', (req, res) => {
      const hook = hookParam(ctx, req);
      // The org limit counts active hooks: reactivating one past it is refused like creating one.
      if (op === 'activate' && hook.status !== 'ACTIVE' && activeCount(ctx) >= 25)
        throw invalid('eventHooks: at most 25 active event hooks per org');
      hook.status = op === 'activate' ? 'ACTIVE' : 'INACTIVE';
      hook.lastUpdated = ctx.now();
      ok(res, hookJson(ctx, hook));
    });
  }
  r('POST', `${base}/:hookId/lifecycle/verify`, 'okta.eventHooks.manage', async (req, res) => {
    const hook = hookParam(ctx, req);
    if (!(await challenge(hook))) {
      throw new OktaError(400, 'E0000001', 'Api validation failed: Verification failed', [
        'Event hook verification failed',
      ]);
    }
    hook.verificationStatus = 'VERIFIED';
    hook.lastUpdated = ctx.now();
    ok(res, hookJson(ctx, hook));
  });
}
