/**
 * `/users`: read, update (account state, password profile, directory extensions), revoke sessions,
 * manager, sponsors and memberships.
 * @module
 */

import { randomBytes } from 'node:crypto';
import { appendAudit, userTarget } from './audit.js';
import { assertCanManage, assertCanResetPassword } from './authz.js';
import { compileFilter } from './filter.js';
import {
  badRequest,
  type Ctx,
  type EmuEnv,
  forbidden,
  isoNow,
  notFound,
  objectBody,
  page,
  type Reply,
  type Route,
  select,
} from './http.js';
import { transitiveGroups, userOf } from './lookup.js';
import { groupJson, unitJson, userJson } from './serialize.js';
import { ROLE_NAMES } from './state.js';
import { revokeUserSessions } from './token.js';

function listUsers(ctx: Ctx): Reply {
  const filter = ctx.query.get('$filter');
  const predicate = filter ? compileFilter(filter) : () => true;
  const tenant = ctx.env.tenant;
  const items = [...tenant.users.values()]
    .map((user) => userJson(tenant, user))
    .filter((item) => predicate(item))
    .map((item) => select(ctx, item));
  return page(ctx, items, 'users');
}

function getUser(ctx: Ctx): Reply {
  const user = userOf(ctx, ctx.params.id ?? '');
  const selected = (ctx.query.get('$select') ?? '').split(',');
  if (selected.some((field) => ctx.env.tenant.deniedProperties.has(field.trim()))) {
    throw forbidden('Insufficient privileges to complete the operation.');
  }
  return { status: 200, body: select(ctx, userJson(ctx.env.tenant, user)) };
}

function patchPassword(ctx: Ctx, user: ReturnType<typeof userOf>, profile: unknown): void {
  if (typeof profile !== 'object' || profile === null) throw badRequest('Invalid passwordProfile.');
  const { password, forceChangePasswordNextSignIn } = profile as Record<string, unknown>;
  if (typeof password !== 'string' || password.length < 8) {
    throw badRequest(
      'The specified password does not comply with password complexity requirements. Please provide a different password.',
    );
  }
  assertCanResetPassword(ctx.env.tenant, ctx.principal, user);
  user.password = password;
  user.forceChangePasswordNextSignIn = forceChangePasswordNextSignIn === true;
  user.lastPasswordChangeDateTime = isoNow(ctx.env);
  user.lockedOut = false;
  const byAgent = ctx.principal.kind === 'user';
  appendAudit(ctx.env.tenant, isoNow(ctx.env), ctx.principal, {
    activity: byAgent ? 'Reset password (by admin)' : 'Reset user password',
    category: 'UserManagement',
    service: byAgent ? 'Self-service Password Management' : 'Core Directory',
    operationType: 'Update',
    targets: [userTarget(user)],
  });
}

const PATCHABLE = new Set([
  'accountEnabled',
  'passwordProfile',
  'employeeType',
  'employeeLeaveDateTime',
  'mobilePhone',
]);
const PROFILE = ['employeeType', 'employeeLeaveDateTime', 'mobilePhone'] as const;

/** Refuses the whole PATCH before anything changes, as Graph does. */
function validatePatch(ctx: Ctx, body: Record<string, unknown>): void {
  const registered = new Set(
    [...ctx.env.tenant.apps.values()].flatMap((app) => app.extensionProperties.map((p) => p.name)),
  );
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('extension_')) {
      if (!registered.has(key))
        throw badRequest(`Property '${key}' does not exist on type 'Microsoft.DirectoryServices.User'.`);
      if (value !== null && typeof value !== 'string') throw badRequest(`Invalid value for '${key}'.`);
    } else if (!PATCHABLE.has(key)) {
      throw badRequest(`Property '${key}' is read-only or not supported by the emulator.`);
    }
  }
  if ('accountEnabled' in body && typeof body.accountEnabled !== 'boolean')
    throw badRequest('Invalid value for accountEnabled.');
}

function setEnabled(ctx: Ctx, user: ReturnType<typeof userOf>, value: boolean): void {
  if (user.accountEnabled === value) return;
  user.accountEnabled = value;
  appendAudit(ctx.env.tenant, isoNow(ctx.env), ctx.principal, {
    activity: value ? 'Enable account' : 'Disable account',
    category: 'UserManagement',
    service: 'Core Directory',
    operationType: 'Update',
    targets: [userTarget(user)],
  });
}

function patchUser(ctx: Ctx): Reply {
  const user = userOf(ctx, ctx.params.id ?? '');
  const body = objectBody(ctx);
  assertCanManage(ctx.env.tenant, ctx.principal, user);
  validatePatch(ctx, body);
  if ('passwordProfile' in body) patchPassword(ctx, user, body.passwordProfile);
  if (typeof body.accountEnabled === 'boolean') setEnabled(ctx, user, body.accountEnabled);
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('extension_')) user.extensions[key] = value as string | null;
  }
  const modified = PROFILE.filter((key) => key in body).map((key) => {
    const value = body[key];
    const change = { displayName: key, oldValue: JSON.stringify(user[key]), newValue: JSON.stringify(value) };
    user[key] = value === null || value === undefined ? null : String(value);
    return change;
  });
  if (modified.length > 0) {
    appendAudit(ctx.env.tenant, isoNow(ctx.env), ctx.principal, {
      activity: 'Update user',
      category: 'UserManagement',
      service: 'Core Directory',
      operationType: 'Update',
      targets: [userTarget(user, modified)],
    });
  }
  return { status: 204 };
}

async function revoke(ctx: Ctx): Promise<Reply> {
  const tenant = ctx.env.tenant;
  const user = userOf(ctx, ctx.params.id ?? '');
  assertCanManage(tenant, ctx.principal, user);
  const old = user.signInSessionsValidFromDateTime;
  user.signInSessionsValidFromDateTime = isoNow(ctx.env);
  if (tenant.revocationDelayMs > 0) {
    // Takes effect later (settleRevocations, run before every request) on what was issued until now; a second
    // call covers what was issued since but does not postpone the first.
    tenant.seq += 1;
    const due = tenant.pendingRevocations.get(user.id)?.due ?? ctx.env.now() + tenant.revocationDelayMs;
    tenant.pendingRevocations.set(user.id, { due, seq: tenant.seq, issuedBefore: Date.now() });
  } else {
    revokeUserSessions(tenant, user);
    await ctx.env.revokeOidc(user.id, Date.now());
  }
  appendAudit(tenant, isoNow(ctx.env), ctx.principal, {
    activity: 'Update StsRefreshTokenValidFrom Timestamp',
    category: 'UserManagement',
    service: 'Core Directory',
    operationType: 'Update',
    targets: [
      userTarget(user, [
        {
          displayName: 'StsRefreshTokensValidFrom',
          oldValue: `["${old}"]`,
          newValue: `["${user.signInSessionsValidFromDateTime}"]`,
        },
      ]),
    ],
  });
  return {
    status: 200,
    body: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean', value: true },
  };
}

function manager(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const user = userOf(ctx, ctx.params.id ?? '');
  const boss = user.managerId ? tenant.users.get(user.managerId) : undefined;
  if (!boss) throw notFound('manager');
  return { status: 200, body: select(ctx, userJson(tenant, boss)) };
}

function sponsors(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const user = userOf(ctx, ctx.params.id ?? '');
  const items = user.sponsorIds.flatMap((id) => {
    const sponsor = tenant.users.get(id);
    return sponsor ? [select(ctx, userJson(tenant, sponsor))] : [];
  });
  return page(ctx, items, 'directoryObjects');
}

function memberships(ctx: Ctx, transitive: boolean): Reply {
  const tenant = ctx.env.tenant;
  const user = userOf(ctx, ctx.params.id ?? '');
  const groups = transitive
    ? transitiveGroups(tenant, user.id)
    : [...tenant.groups.values()].filter((group) => group.members.has(user.id));
  const holders = new Set([user.id, ...groups.map((g) => g.id)]);
  const roles = new Set(
    [...tenant.roleAssignments.values()]
      .filter(
        (a) =>
          a.directoryScopeId === '/' && (transitive ? holders.has(a.principalId) : a.principalId === user.id),
      )
      .map((a) => a.roleDefinitionId),
  );
  const items: unknown[] = groups.map(groupJson);
  for (const roleId of roles) {
    items.push({
      '@odata.type': '#microsoft.graph.directoryRole',
      id: `role-${roleId}`,
      displayName: ROLE_NAMES[roleId] ?? roleId,
      roleTemplateId: roleId,
    });
  }
  for (const unit of tenant.units.values()) if (unit.members.has(user.id)) items.push(unitJson(unit));
  return page(ctx, items, 'directoryObjects');
}

/** The `/users` routes. */
export const userRoutes: readonly Route[] = [
  { method: 'GET', template: '/users', handler: listUsers },
  { method: 'GET', template: '/users/:id', handler: getUser },
  { method: 'PATCH', template: '/users/:id', handler: patchUser },
  { method: 'POST', template: '/users/:id/revokeSignInSessions', handler: revoke },
  { method: 'GET', template: '/users/:id/manager', handler: manager },
  { method: 'GET', template: '/users/:id/sponsors', handler: sponsors },
  { method: 'GET', template: '/users/:id/memberOf', handler: (ctx) => memberships(ctx, false) },
  { method: 'GET', template: '/users/:id/transitiveMemberOf', handler: (ctx) => memberships(ctx, true) },
];

/** A random password for system-generated resets. */
export function generatedPassword(): string {
  return `Rg-${randomBytes(12).toString('base64url')}1!`;
}

/**
 * Applies the revocations whose delay has passed (`tenant.revocationDelayMs`): sessions and refresh tokens
 * issued before the call stop working from then on; later ones and access tokens stay.
 * @see https://learn.microsoft.com/graph/api/user-revokesigninsessions?view=graph-rest-1.0
 */
export async function settleRevocations(env: EmuEnv): Promise<void> {
  const tenant = env.tenant;
  for (const [userId, pending] of [...tenant.pendingRevocations]) {
    if (pending.due > env.now()) continue;
    tenant.pendingRevocations.delete(userId);
    const user = tenant.users.get(userId);
    if (user) revokeUserSessions(tenant, user, pending.seq);
    await env.revokeOidc(userId, pending.issuedBefore);
  }
}
