/**
 * Custom admin roles, resource sets, bindings and role assignments.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/RoleECustom/
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/RoleCResourceSet/
 * @module
 */

import { STANDARD_ROLE_PERMISSIONS } from './auth.js';
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
import {
  type EmuResourceSet,
  type EmuRole,
  type EmuRoleAssignment,
  findUser,
  groupsOf,
  iso,
  newId,
} from './state.js';
import { actorRef, appendEvent, userRef } from './syslog.js';

const STANDARD_LABELS: Readonly<Record<string, string>> = {
  SUPER_ADMIN: 'Super Administrator',
  ORG_ADMIN: 'Organizational Administrator',
  HELP_DESK_ADMIN: 'Help Desk Administrator',
  USER_ADMIN: 'Group Administrator',
  GROUP_MEMBERSHIP_ADMIN: 'Group Membership Administrator',
  READ_ONLY_ADMIN: 'Read Only Administrator',
};

/** The role-assignment resource. */
export function roleAssignmentJson(
  ctx: EmuContext,
  a: EmuRoleAssignment,
  assignmentType: 'USER' | 'GROUP' | 'CLIENT',
): Record<string, unknown> {
  const kind = a.principalType === 'USER' ? 'users' : a.principalType === 'GROUP' ? 'groups' : 'clients';
  const assignee = `${ctx.baseUrl()}/api/v1/${kind}/${a.principalId}`;
  const base = {
    id: a.id,
    type: a.type,
    status: 'ACTIVE',
    created: iso(a.created),
    lastUpdated: iso(a.lastUpdated),
    assignmentType,
  };
  if (a.type !== 'CUSTOM') {
    return { ...base, label: STANDARD_LABELS[a.type] ?? a.type, _links: { assignee: { href: assignee } } };
  }
  const role = a.roleId ? ctx.state.roles.get(a.roleId) : undefined;
  return {
    ...base,
    label: role?.label ?? 'unknown',
    role: a.roleId,
    'resource-set': a.resourceSetId,
    _links: { assignee: { href: assignee } },
  };
}

function roleParam(ctx: EmuContext, key: string): EmuRole {
  for (const role of ctx.state.roles.values()) if (role.id === key || role.label === key) return role;
  throw notFound(key, 'CustomRole');
}

function resourceSetParam(ctx: EmuContext, key: string): EmuResourceSet {
  for (const rs of ctx.state.resourceSets.values()) if (rs.id === key || rs.label === key) return rs;
  throw notFound(key, 'ResourceSet');
}

/** Assigns an admin role from a request body `{type, role?, resource-set?}`. */
export function assignRole(
  ctx: EmuContext,
  req: OktaRequest,
  principalType: 'USER' | 'GROUP' | 'CLIENT',
  principalId: string,
): EmuRoleAssignment {
  const body = objectBody(req);
  const type = str(body.type);
  if (!type || (type !== 'CUSTOM' && !(type in STANDARD_ROLE_PERMISSIONS)))
    throw invalid('type: invalid role type');
  const roleId = type === 'CUSTOM' ? roleParam(ctx, str(body.role) ?? '').id : null;
  const resourceSetId = type === 'CUSTOM' ? resourceSetParam(ctx, str(body['resource-set']) ?? '').id : null;
  for (const a of ctx.state.roleAssignments.values()) {
    if (
      a.principalId === principalId &&
      a.type === type &&
      a.roleId === roleId &&
      a.resourceSetId === resourceSetId
    ) {
      throw new OktaError(409, 'E0000090', 'Duplicate role assignment exception.');
    }
  }
  const now = ctx.now();
  const assignment: EmuRoleAssignment = {
    id: type === 'CUSTOM' ? newId('irb') : newId('ra1'),
    principalType,
    principalId,
    type,
    roleId,
    resourceSetId,
    created: now,
    lastUpdated: now,
  };
  ctx.state.roleAssignments.set(assignment.id, assignment);
  return assignment;
}

function roleJson(ctx: EmuContext, role: EmuRole): Record<string, unknown> {
  const href = `${ctx.baseUrl()}/api/v1/iam/roles/${role.id}`;
  return {
    id: role.id,
    label: role.label,
    description: role.description,
    created: iso(role.created),
    lastUpdated: iso(role.lastUpdated),
    _links: { self: { href }, permissions: { href: `${href}/permissions` } },
  };
}

function resourceSetJson(ctx: EmuContext, rs: EmuResourceSet): Record<string, unknown> {
  const href = `${ctx.baseUrl()}/api/v1/iam/resource-sets/${rs.id}`;
  return {
    id: rs.id,
    label: rs.label,
    description: rs.description,
    created: iso(rs.created),
    lastUpdated: iso(rs.lastUpdated),
    _links: {
      self: { href },
      resources: { href: `${href}/resources` },
      bindings: { href: `${href}/bindings` },
    },
  };
}

function addResources(ctx: EmuContext, rs: EmuResourceSet, hrefs: unknown): void {
  if (!Array.isArray(hrefs)) throw invalid('resources: must be an array');
  for (const href of hrefs) {
    if (typeof href !== 'string' || !/^https?:\/\//.test(href))
      throw invalid('resources: must be resource URLs');
    if (!rs.resources.some((r) => r.href === href))
      rs.resources.push({ id: newId('ire'), href, created: ctx.now() });
  }
  rs.lastUpdated = ctx.now();
}

/** Registers custom roles and resource sets. */
export function registerIamRoles(ctx: EmuContext, r: Routes): void {
  r('GET', '/api/v1/iam/roles', 'okta.roles.read', (_req, res) =>
    ok(res, { roles: [...ctx.state.roles.values()].map((x) => roleJson(ctx, x)), _links: {} }),
  );
  r('POST', '/api/v1/iam/roles', 'okta.roles.manage', (req, res) => {
    const body = objectBody(req);
    const label = str(body.label);
    const description = str(body.description);
    if (!label || !description) throw invalid('label: label and description are required');
    if ([...ctx.state.roles.values()].some((x) => x.label === label)) throw invalid('label: already exists');
    const perms = Array.isArray(body.permissions) ? body.permissions.map(String) : [];
    if (perms.length === 0) throw invalid('permissions: at least one permission is required');
    const now = ctx.now();
    const role: EmuRole = {
      id: newId('cr0'),
      label,
      description,
      permissions: perms,
      created: now,
      lastUpdated: now,
    };
    ctx.state.roles.set(role.id, role);
    ok(res, roleJson(ctx, role));
  });
  r('GET', '/api/v1/iam/roles/:role', 'okta.roles.read', (req, res) =>
    ok(res, roleJson(ctx, roleParam(ctx, req.params.role ?? ''))),
  );
  r('DELETE', '/api/v1/iam/roles/:role', 'okta.roles.manage', (req, res) => {
    ctx.state.roles.delete(roleParam(ctx, req.params.role ?? '').id);
    empty(res);
  });
  r('GET', '/api/v1/iam/roles/:role/permissions', 'okta.roles.read', (req, res) => {
    const role = roleParam(ctx, req.params.role ?? '');
    const href = `${ctx.baseUrl()}/api/v1/iam/roles/${role.id}`;
    ok(res, {
      permissions: role.permissions.map((label) => ({
        label,
        created: iso(role.created),
        lastUpdated: iso(role.lastUpdated),
        _links: { role: { href }, self: { href: `${href}/permissions/${label}` } },
      })),
    });
  });
  for (const method of ['POST', 'DELETE'] as const) {
    r(method, '/api/v1/iam/roles/:role/permissions/:perm', 'okta.roles.manage', (req, res) => {
      const role = roleParam(ctx, req.params.role ?? '');
      const perm = req.params.perm ?? '';
      const has = role.permissions.includes(perm);
      if (method === 'DELETE' && !has) throw notFound(perm, 'Permission');
      if (method === 'POST' && !has) role.permissions.push(perm);
      if (method === 'DELETE') role.permissions = role.permissions.filter((p) => p !== perm);
      role.lastUpdated = ctx.now();
      empty(res);
    });
  }
}

/** Registers resource sets and their bindings. */
export function registerResourceSets(ctx: EmuContext, r: Routes): void {
  const base = '/api/v1/iam/resource-sets';
  r('GET', base, 'okta.roles.read', (_req, res) =>
    ok(res, {
      'resource-sets': [...ctx.state.resourceSets.values()].map((x) => resourceSetJson(ctx, x)),
      _links: {},
    }),
  );
  r('POST', base, 'okta.roles.manage', (req, res) => {
    const body = objectBody(req);
    const label = str(body.label);
    if (!label || !str(body.description)) throw invalid('label: label and description are required');
    if ([...ctx.state.resourceSets.values()].some((x) => x.label === label))
      throw invalid('label: already exists');
    const now = ctx.now();
    const rs: EmuResourceSet = {
      id: newId('iam'),
      label,
      description: String(body.description),
      resources: [],
      created: now,
      lastUpdated: now,
    };
    addResources(ctx, rs, body.resources ?? []);
    ctx.state.resourceSets.set(rs.id, rs);
    ok(res, resourceSetJson(ctx, rs));
  });
  r('GET', `${base}/:rs`, 'okta.roles.read', (req, res) =>
    ok(res, resourceSetJson(ctx, resourceSetParam(ctx, req.params.rs ?? ''))),
  );
  r('GET', `${base}/:rs/resources`, 'okta.roles.read', (req, res) => {
    const rs = resourceSetParam(ctx, req.params.rs ?? '');
    ok(res, {
      resources: rs.resources.map((x) => ({
        id: x.id,
        created: iso(x.created),
        lastUpdated: iso(x.created),
        _links: { self: { href: x.href } },
      })),
      _links: {},
    });
  });
  r('PATCH', `${base}/:rs/resources`, 'okta.roles.manage', (req, res) => {
    const rs = resourceSetParam(ctx, req.params.rs ?? '');
    addResources(ctx, rs, objectBody(req).additions);
    ok(res, resourceSetJson(ctx, rs));
  });
  r('DELETE', `${base}/:rs/resources/:resourceId`, 'okta.roles.manage', (req, res) => {
    const rs = resourceSetParam(ctx, req.params.rs ?? '');
    const before = rs.resources.length;
    rs.resources = rs.resources.filter((x) => x.id !== req.params.resourceId);
    if (rs.resources.length === before) throw notFound(req.params.resourceId ?? '', 'Resource');
    empty(res);
  });
  r('GET', `${base}/:rs/bindings`, 'okta.roles.read', (req, res) => {
    const rs = resourceSetParam(ctx, req.params.rs ?? '');
    const roleIds = new Set(
      [...ctx.state.roleAssignments.values()].filter((a) => a.resourceSetId === rs.id).map((a) => a.roleId),
    );
    const href = `${ctx.baseUrl()}${base}/${rs.id}/bindings`;
    ok(res, {
      roles: [...roleIds].map((id) => ({
        id,
        _links: { self: { href: `${href}/${id}` }, members: { href: `${href}/${id}/members` } },
      })),
      _links: {},
    });
  });
}

/** Registers the admin roles of users. */
export function registerUserRoles(ctx: EmuContext, r: Routes): void {
  r('GET', '/api/v1/users/:userId/roles', 'okta.users.read', (req, res) => {
    const user = findUser(ctx.state, req.params.userId ?? '');
    if (!user) throw notFound(req.params.userId ?? '', 'User');
    const groupIds = new Set(groupsOf(ctx.state, user.id).map((g) => g.id));
    const out: Record<string, unknown>[] = [];
    for (const a of ctx.state.roleAssignments.values()) {
      if (a.principalType === 'USER' && a.principalId === user.id)
        out.push(roleAssignmentJson(ctx, a, 'USER'));
      if (a.principalType === 'GROUP' && groupIds.has(a.principalId))
        out.push(roleAssignmentJson(ctx, a, 'GROUP'));
    }
    ok(res, out);
  });
  r('POST', '/api/v1/users/:userId/roles', 'okta.roles.manage', (req, res) => {
    const user = findUser(ctx.state, req.params.userId ?? '');
    if (!user) throw notFound(req.params.userId ?? '', 'User');
    const assignment = assignRole(ctx, req, 'USER', user.id);
    appendEvent(ctx, {
      eventType: 'user.account.privilege.grant',
      actor: actorRef(ctx.state, req.principal),
      targets: [userRef(user)],
    });
    ok(res, roleAssignmentJson(ctx, assignment, 'USER'), 201);
  });
  r('DELETE', '/api/v1/users/:userId/roles/:roleAssignmentId', 'okta.roles.manage', (req, res) => {
    const user = findUser(ctx.state, req.params.userId ?? '');
    if (!user) throw notFound(req.params.userId ?? '', 'User');
    const a = ctx.state.roleAssignments.get(req.params.roleAssignmentId ?? '');
    // Only a direct assignment can be removed from the user; a group's stays with the group.
    if (a?.principalType !== 'USER' || a.principalId !== user.id)
      throw notFound(req.params.roleAssignmentId ?? '', 'RoleAssignment');
    ctx.state.roleAssignments.delete(a.id);
    appendEvent(ctx, {
      eventType: 'user.account.privilege.revoke',
      actor: actorRef(ctx.state, req.principal),
      targets: [userRef(user)],
    });
    empty(res);
  });
}

/**
 * The admin roles of OAuth service apps (`/oauth2/v1/clients/{clientId}/roles`): a service app acts only within
 * the permissions of the roles assigned to it, whatever its scopes.
 * @see https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/#assign-admin-roles-to-the-okta-api-service-app
 */
export function registerClientRoles(ctx: EmuContext, r: Routes): void {
  const app = (clientId: string) => {
    if (!ctx.state.serviceApps.has(clientId)) throw notFound(clientId, 'App');
    return clientId;
  };
  r('GET', '/oauth2/v1/clients/:clientId/roles', 'okta.roles.read', (req, res) => {
    const clientId = app(req.params.clientId ?? '');
    const out = [...ctx.state.roleAssignments.values()]
      .filter((a) => a.principalType === 'CLIENT' && a.principalId === clientId)
      .map((a) => roleAssignmentJson(ctx, a, 'CLIENT'));
    ok(res, out);
  });
  r('POST', '/oauth2/v1/clients/:clientId/roles', 'okta.roles.manage', (req, res) => {
    const clientId = app(req.params.clientId ?? '');
    ok(res, roleAssignmentJson(ctx, assignRole(ctx, req, 'CLIENT', clientId), 'CLIENT'), 201);
  });
  r('DELETE', '/oauth2/v1/clients/:clientId/roles/:roleAssignmentId', 'okta.roles.manage', (req, res) => {
    const clientId = app(req.params.clientId ?? '');
    const a = ctx.state.roleAssignments.get(req.params.roleAssignmentId ?? '');
    if (a?.principalType !== 'CLIENT' || a.principalId !== clientId)
      throw notFound(req.params.roleAssignmentId ?? '', 'RoleAssignment');
    ctx.state.roleAssignments.delete(a.id);
    empty(res);
  });
}
