/**
 * Groups API: groups, memberships, and admin roles assigned to groups.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Group/
 * @module
 */

import type { ServerResponse } from 'node:http';
import { authorize } from './auth.js';
import {
  type EmuContext,
  empty,
  invalid,
  limitOf,
  linkHeader,
  notFound,
  OktaError,
  type OktaRequest,
  objectBody,
  ok,
  str,
} from './context.js';
import { compileFilter, FilterSyntaxError } from './filter.js';
import { assignRole, roleAssignmentJson } from './iam.js';
import type { Routes } from './routes.js';
import { type EmuGroup, findUser, iso, newId } from './state.js';
import { actorRef, appendEvent, groupRef, userRef } from './syslog.js';
import { userJson } from './users.js';

/** The Group resource. */
export function groupJson(ctx: EmuContext, group: EmuGroup): Record<string, unknown> {
  const href = `${ctx.baseUrl()}/api/v1/groups/${group.id}`;
  return {
    id: group.id,
    created: iso(group.created),
    lastUpdated: iso(group.lastUpdated),
    lastMembershipUpdated: iso(group.lastMembershipUpdated),
    objectClass: ['okta:user_group'],
    type: group.type,
    profile:
      group.description === null
        ? { name: group.name }
        : { name: group.name, description: group.description },
    _links: { self: { href }, users: { href: `${href}/users` } },
  };
}

function groupParam(ctx: EmuContext, req: OktaRequest): EmuGroup {
  const id = req.params.groupId ?? '';
  const group = ctx.state.groups.get(id);
  if (!group) throw notFound(id, 'UserGroup');
  return group;
}

function listGroups(ctx: EmuContext, req: OktaRequest, res: ServerResponse): void {
  const limit = limitOf(req, 10_000, 10_000);
  let groups = [...ctx.state.groups.values()];
  const q = req.query.get('q');
  if (q) groups = groups.filter((g) => g.name.toLowerCase().startsWith(q.toLowerCase()));
  const expression = req.query.get('search') ?? req.query.get('filter');
  if (expression) {
    try {
      const predicate = compileFilter(expression);
      groups = groups.filter((g) => predicate(groupJson(ctx, g)));
    } catch (error) {
      if (error instanceof FilterSyntaxError)
        throw new OktaError(400, 'E0000031', 'Invalid search criteria.');
      throw error;
    }
  }
  const after = req.query.get('after');
  const start = after ? groups.findIndex((g) => g.id === after) + 1 : 0;
  const page = groups.slice(start, start + limit);
  const base = `${ctx.baseUrl()}/api/v1/groups`;
  const last = page[page.length - 1];
  const next = start + limit < groups.length && last ? `${base}?limit=${limit}&after=${last.id}` : null;
  ok(
    res,
    page.map((g) => groupJson(ctx, g)),
    200,
    { link: linkHeader(`${base}?limit=${limit}`, next) },
  );
}

function createGroup(ctx: EmuContext, req: OktaRequest, res: ServerResponse): void {
  const profile = objectBody(req).profile as Record<string, unknown> | undefined;
  const name = str(profile?.name);
  if (!name) throw invalid('name: The field cannot be left blank');
  for (const g of ctx.state.groups.values()) {
    if (g.name === name)
      throw invalid('name: An object with this field already exists in the current organization');
  }
  const now = ctx.now();
  const group: EmuGroup = {
    id: newId('00g'),
    name,
    description: str(profile?.description),
    type: 'OKTA_GROUP',
    created: now,
    lastUpdated: now,
    lastMembershipUpdated: now,
    members: new Set(),
  };
  ctx.state.groups.set(group.id, group);
  appendEvent(ctx, {
    eventType: 'group.lifecycle.create',
    actor: actorRef(ctx.state, req.principal),
    targets: [groupRef(group)],
  });
  ok(res, groupJson(ctx, group));
}

/** Adds or removes a member, logging the change as Okta does. */
export function changeMembership(
  ctx: EmuContext,
  req: Pick<OktaRequest, 'principal'>,
  group: EmuGroup,
  userId: string,
  add: boolean,
): void {
  const user = ctx.state.users.get(userId);
  if (!user) throw notFound(userId, 'User');
  if (add === group.members.has(userId)) return;
  if (add) group.members.add(userId);
  else group.members.delete(userId);
  group.lastMembershipUpdated = ctx.now();
  appendEvent(ctx, {
    eventType: add ? 'group.user_membership.add' : 'group.user_membership.remove',
    actor: actorRef(ctx.state, req.principal),
    targets: [userRef(user), groupRef(group)],
  });
}

/** Registers the Groups routes. */
export function registerGroups(ctx: EmuContext, r: Routes): void {
  r('GET', '/api/v1/groups', 'okta.groups.read', (req, res) => listGroups(ctx, req, res));
  r('POST', '/api/v1/groups', 'okta.groups.create', (req, res) => createGroup(ctx, req, res));
  r('GET', '/api/v1/groups/:groupId', 'okta.groups.read', (req, res) =>
    ok(res, groupJson(ctx, groupParam(ctx, req))),
  );
  r('DELETE', '/api/v1/groups/:groupId', 'okta.groups.manage', (req, res) => {
    const group = groupParam(ctx, req);
    ctx.state.groups.delete(group.id);
    empty(res);
  });
  r('GET', '/api/v1/groups/:groupId/users', 'okta.groups.read', (req, res) => {
    const group = groupParam(ctx, req);
    const users = [...group.members].map((id) => ctx.state.users.get(id)).filter((u) => u !== undefined);
    ok(
      res,
      users.map((u) => userJson(ctx, u)),
    );
  });
  for (const method of ['PUT', 'DELETE'] as const) {
    r(method, '/api/v1/groups/:groupId/users/:userId', 'okta.groups.members.manage', (req, res) => {
      const group = groupParam(ctx, req);
      const user = findUser(ctx.state, req.params.userId ?? '');
      if (!user) throw notFound(req.params.userId ?? '', 'User');
      // Assigning needs rights on the group (route) and on the user.
      authorize(ctx.state, req.principal, 'okta.users.groupMembership.manage', { userId: user.id });
      changeMembership(ctx, req, group, user.id, method === 'PUT');
      empty(res);
    });
  }
  r('GET', '/api/v1/groups/:groupId/roles', 'okta.groups.read', (req, res) => {
    const group = groupParam(ctx, req);
    const assignments = [...ctx.state.roleAssignments.values()].filter(
      (a) => a.principalType === 'GROUP' && a.principalId === group.id,
    );
    ok(
      res,
      assignments.map((a) => roleAssignmentJson(ctx, a, 'GROUP')),
    );
  });
  r('POST', '/api/v1/groups/:groupId/roles', 'okta.roles.manage', (req, res) => {
    const group = groupParam(ctx, req);
    const assignment = assignRole(ctx, req, 'GROUP', group.id);
    appendEvent(ctx, {
      eventType: 'group.privilege.grant',
      actor: actorRef(ctx.state, req.principal),
      targets: [groupRef(group)],
    });
    ok(res, roleAssignmentJson(ctx, assignment, 'GROUP'));
  });
  r('DELETE', '/api/v1/groups/:groupId/roles/:roleAssignmentId', 'okta.roles.manage', (req, res) => {
    const group = groupParam(ctx, req);
    const a = ctx.state.roleAssignments.get(req.params.roleAssignmentId ?? '');
    if (!a || a.principalId !== group.id) throw notFound(req.params.roleAssignmentId ?? '', 'RoleAssignment');
    ctx.state.roleAssignments.delete(a.id);
    appendEvent(ctx, {
      eventType: 'group.privilege.revoke',
      actor: actorRef(ctx.state, req.principal),
      targets: [groupRef(group)],
    });
    empty(res);
  });
}
