/**
 * `/policies/authenticationMethodsPolicy`: the Temporary Access Pass method configuration (read, update).
 * @module
 */

import { appendAudit } from './audit.js';
import { badRequest, type Ctx, isoNow, notFound, objectBody, type Reply, type Route } from './http.js';
import type { EmuTapPolicy } from './state.js';

const TAP_TYPE = '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration';

function tapJson(policy: EmuTapPolicy): Record<string, unknown> {
  return {
    '@odata.type': TAP_TYPE,
    id: 'TemporaryAccessPass',
    state: policy.state,
    defaultLifetimeInMinutes: policy.defaultLifetimeInMinutes,
    defaultLength: policy.defaultLength,
    minimumLifetimeInMinutes: policy.minimumLifetimeInMinutes,
    maximumLifetimeInMinutes: policy.maximumLifetimeInMinutes,
    isUsableOnce: policy.isUsableOnce,
    excludeTargets: [],
    includeTargets: policy.includeTargets,
  };
}

function intIn(value: unknown, min: number, max: number, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`${name} must be an integer between ${min} and ${max}.`, 'badRequest');
  }
  return value;
}

const LIFETIMES = [
  'minimumLifetimeInMinutes',
  'maximumLifetimeInMinutes',
  'defaultLifetimeInMinutes',
] as const;

function targetsOf(ctx: Ctx, value: unknown[]): EmuTapPolicy['includeTargets'] {
  return value.map((target: unknown) => {
    const t = target as Record<string, unknown>;
    if (typeof t.id !== 'string') throw badRequest('includeTargets entries need an id.', 'badRequest');
    if (t.id !== 'all_users' && !ctx.env.tenant.groups.has(t.id)) {
      throw badRequest(`Group '${t.id}' does not exist.`, 'badRequest');
    }
    return {
      id: t.id,
      targetType: 'group' as const,
      isRegistrationRequired: t.isRegistrationRequired === true,
    };
  });
}

/** The policy after applying the PATCH body's fields, validated. */
function patched(ctx: Ctx, body: Record<string, unknown>): EmuTapPolicy {
  const next: EmuTapPolicy = { ...ctx.env.tenant.tapPolicy };
  if (body.state !== undefined) {
    if (body.state !== 'enabled' && body.state !== 'disabled')
      throw badRequest('Invalid state.', 'badRequest');
    next.state = body.state;
  }
  if (body.isUsableOnce !== undefined) next.isUsableOnce = body.isUsableOnce === true;
  for (const field of LIFETIMES)
    if (body[field] !== undefined) next[field] = intIn(body[field], 10, 43_200, field);
  if (body.defaultLength !== undefined)
    next.defaultLength = intIn(body.defaultLength, 8, 48, 'defaultLength');
  if (Array.isArray(body.includeTargets)) next.includeTargets = targetsOf(ctx, body.includeTargets);
  const ordered =
    next.minimumLifetimeInMinutes <= next.defaultLifetimeInMinutes &&
    next.defaultLifetimeInMinutes <= next.maximumLifetimeInMinutes;
  if (!ordered)
    throw badRequest(
      'defaultLifetimeInMinutes must be between the minimum and the maximum lifetime.',
      'badRequest',
    );
  return next;
}

function patchTap(ctx: Ctx): Reply {
  const body = objectBody(ctx);
  if (body['@odata.type'] !== TAP_TYPE) {
    throw badRequest('The @odata.type of the configuration is required and must match.', 'badRequest');
  }
  ctx.env.tenant.tapPolicy = patched(ctx, body);
  const target = {
    id: 'TemporaryAccessPass',
    displayName: 'TemporaryAccessPass',
    type: 'Policy',
    userPrincipalName: null,
    modifiedProperties: [],
  };
  appendAudit(ctx.env.tenant, isoNow(ctx.env), ctx.principal, {
    activity: 'Authentication Methods Policy Update',
    category: 'Policy',
    service: 'Authentication Methods',
    operationType: 'Update',
    targets: [target],
  });
  return { status: 204 };
}

function config(ctx: Ctx): Record<string, unknown> {
  if ((ctx.params.id ?? '').toLowerCase() !== 'temporaryaccesspass') throw notFound(ctx.params.id ?? '');
  return tapJson(ctx.env.tenant.tapPolicy);
}

/** The policy routes. */
export const policyRoutes: readonly Route[] = [
  {
    method: 'GET',
    template: '/policies/authenticationMethodsPolicy',
    handler: (ctx) => ({
      status: 200,
      body: {
        id: 'authenticationMethodsPolicy',
        displayName: 'Authentication Methods Policy',
        policyVersion: '1.5',
        authenticationMethodConfigurations: [tapJson(ctx.env.tenant.tapPolicy)],
      },
    }),
  },
  {
    method: 'GET',
    template: '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/:id',
    handler: (ctx) => ({ status: 200, body: config(ctx) }),
  },
  {
    method: 'PATCH',
    template: '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/:id',
    handler: (ctx) => {
      config(ctx);
      return patchTap(ctx);
    },
  },
];
