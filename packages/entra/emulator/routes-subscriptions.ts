/**
 * `/subscriptions`: create (with the validation handshake), read, renew, delete, reauthorize; and the
 * delivery of change notifications with `clientState` when a subscribed group's members change.
 * @module
 */

import {
  badRequest,
  type Ctx,
  type EmuEnv,
  GraphFail,
  notFound,
  objectBody,
  page,
  type Reply,
  type Route,
} from './http.js';
import { newId, opaqueToken } from './ids.js';
import type { EmuSubscription } from './state.js';

/** Longest lifetime for directory resources: 41,760 minutes. */
export const MAX_SUBSCRIPTION_MINUTES = 41_760;

function subscriptionJson(sub: EmuSubscription): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.subscription',
    id: sub.id,
    resource: sub.resource,
    applicationId: sub.applicationId,
    changeType: sub.changeType,
    clientState: sub.clientState,
    notificationUrl: sub.notificationUrl,
    lifecycleNotificationUrl: sub.lifecycleNotificationUrl,
    expirationDateTime: sub.expirationDateTime,
    creatorId: sub.creatorId,
    latestSupportedTlsVersion: 'v1_2',
    includeResourceData: false,
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationQueryOptions: null,
    notificationUrlAppId: null,
  };
}

function checkExpiry(ctx: Ctx, value: unknown): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  const now = ctx.env.now();
  if (Number.isNaN(ms) || ms <= now)
    throw badRequest('Subscription expiration must be in the future.', 'ExtensionError');
  if (ms > now + MAX_SUBSCRIPTION_MINUTES * 60_000) {
    throw badRequest(
      `Subscription expiration can only be ${MAX_SUBSCRIPTION_MINUTES} minutes in the future.`,
      'ExtensionError',
    );
  }
  return new Date(ms).toISOString();
}

async function handshake(env: EmuEnv, url: string): Promise<boolean> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${newId()} ${opaqueToken(6)}`;
  const target = `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`;
  try {
    const answer = await env.deliver(target, '', 'text/plain; charset=utf-8');
    return answer.status === 200 && answer.text === token;
  } catch {
    return false;
  }
}

async function createSubscription(ctx: Ctx): Promise<Reply> {
  const body = objectBody(ctx);
  const resource = String(body.resource ?? '');
  if (!/^\/?(groups(\/[^/]+(\/members|\/owners)?)?|users(\/[^/]+)?)$/i.test(resource)) {
    throw badRequest(`Resource '${resource}' is not supported for change notifications.`, 'InvalidRequest');
  }
  const changeType = String(body.changeType ?? '');
  if (!changeType.split(',').every((type) => ['updated', 'deleted', 'created'].includes(type))) {
    throw badRequest('Invalid changeType.', 'InvalidRequest');
  }
  const url = String(body.notificationUrl ?? '');
  if (!url.startsWith('https://'))
    throw badRequest('Subscription notificationUrl must be an https URL.', 'InvalidRequest');
  const clientState = body.clientState === undefined ? null : String(body.clientState);
  if (clientState !== null && clientState.length > 128)
    throw badRequest('clientState is limited to 128 characters.', 'InvalidRequest');
  const expirationDateTime = checkExpiry(ctx, body.expirationDateTime);
  if (!(await handshake(ctx.env, url))) {
    throw new GraphFail(
      400,
      'ValidationError',
      'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
    );
  }
  const lifecycle = typeof body.lifecycleNotificationUrl === 'string' ? body.lifecycleNotificationUrl : null;
  if (lifecycle && !(await handshake(ctx.env, lifecycle))) {
    throw new GraphFail(
      400,
      'ValidationError',
      'Subscription validation request failed for lifecycleNotificationUrl.',
    );
  }
  const sub: EmuSubscription = {
    id: newId(),
    resource: resource.startsWith('/') ? resource : `/${resource}`,
    changeType,
    notificationUrl: url,
    lifecycleNotificationUrl: lifecycle,
    clientState,
    expirationDateTime,
    applicationId: ctx.principal.appId,
    creatorId:
      ctx.principal.kind === 'user'
        ? ctx.principal.userId
        : (ctx.env.tenant.apps.get(ctx.principal.appId)?.servicePrincipalId ?? ''),
  };
  ctx.env.tenant.subscriptions.set(sub.id, sub);
  return { status: 201, body: subscriptionJson(sub) };
}

/**
 * Graph deletes a subscription once it expires ("if the subscription expires, it is deleted"): it is no longer
 * listed, read or renewed, and a new one must be created.
 * @see https://learn.microsoft.com/graph/change-notifications-overview#subscription-lifetime
 */
function dropExpired(env: EmuEnv): void {
  const now = env.now();
  for (const [id, sub] of env.tenant.subscriptions)
    if (Date.parse(sub.expirationDateTime) <= now) env.tenant.subscriptions.delete(id);
}

function subOf(ctx: Ctx): EmuSubscription {
  dropExpired(ctx.env);
  const sub = ctx.env.tenant.subscriptions.get(ctx.params.id ?? '');
  if (!sub) throw notFound(ctx.params.id ?? '');
  return sub;
}

function patchSubscription(ctx: Ctx): Reply {
  const sub = subOf(ctx);
  const body = objectBody(ctx);
  sub.expirationDateTime = checkExpiry(ctx, body.expirationDateTime);
  return { status: 200, body: subscriptionJson(sub) };
}

/** Sends a change notification to every live subscription on this group (fire and forget, tracked). */
export function notifyGroupChange(env: EmuEnv, groupId: string): void {
  dropExpired(env);
  const now = env.now();
  for (const sub of env.tenant.subscriptions.values()) {
    const matches = [`/groups/${groupId}/members`, `/groups/${groupId}`, '/groups'].some(
      (resource) => sub.resource.toLowerCase() === resource.toLowerCase(),
    );
    if (!matches || Date.parse(sub.expirationDateTime) <= now) continue;
    const body = {
      value: [
        {
          id: newId(),
          subscriptionId: sub.id,
          subscriptionExpirationDateTime: sub.expirationDateTime,
          clientState: sub.clientState,
          changeType: 'updated',
          resource: `Groups/${groupId}`,
          tenantId: env.tenant.tenantId,
          resourceData: {
            '@odata.type': '#Microsoft.Graph.Group',
            '@odata.id': `Groups/${groupId}`,
            id: groupId,
            organizationId: env.tenant.tenantId,
          },
        },
      ],
    };
    env.background(
      env
        .deliver(sub.notificationUrl, JSON.stringify(body), 'application/json; charset=utf-8')
        .catch(() => undefined),
    );
  }
}

/** The `/subscriptions` routes. */
export const subscriptionRoutes: readonly Route[] = [
  { method: 'POST', template: '/subscriptions', handler: createSubscription },
  {
    method: 'GET',
    template: '/subscriptions',
    handler: (ctx) => {
      dropExpired(ctx.env);
      return page(ctx, [...ctx.env.tenant.subscriptions.values()].map(subscriptionJson), 'subscriptions');
    },
  },
  {
    method: 'GET',
    template: '/subscriptions/:id',
    handler: (ctx) => ({ status: 200, body: subscriptionJson(subOf(ctx)) }),
  },
  { method: 'PATCH', template: '/subscriptions/:id', handler: patchSubscription },
  {
    method: 'DELETE',
    template: '/subscriptions/:id',
    handler: (ctx) => {
      ctx.env.tenant.subscriptions.delete(subOf(ctx).id);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    template: '/subscriptions/:id/reauthorize',
    handler: (ctx) => {
      subOf(ctx);
      return { status: 204 };
    },
  },
];
