/**
 * Directory objects for guardrails: administrative units (restricted management set only at creation),
 * scoped role members, role definitions and assignments, PIM instances and eligibilities, service
 * principals and app extension properties.
 * @module
 */

import { appendAudit, userTarget } from './audit.js';
import { compileFilter } from './filter.js';
import {
  badRequest,
  type Ctx,
  isoNow,
  notFound,
  objectBody,
  page,
  type Reply,
  type Route,
  select,
} from './http.js';
import { newId } from './ids.js';
import { refId } from './lookup.js';
import { unitJson, userJson } from './serialize.js';
import { type EmuUnit, ROLE_NAMES } from './state.js';

/** Applies `$filter` to plain objects. */
export function filtered<T>(ctx: Ctx, items: readonly T[]): T[] {
  const filter = ctx.query.get('$filter');
  const predicate = filter ? compileFilter(filter) : () => true;
  return items.filter((item) => predicate(item));
}

function unitOf(ctx: Ctx): EmuUnit {
  const unit = ctx.env.tenant.units.get(ctx.params.id ?? '');
  if (!unit) throw notFound(ctx.params.id ?? '');
  return unit;
}

function createUnit(ctx: Ctx): Reply {
  const body = objectBody(ctx);
  if (typeof body.displayName !== 'string' || body.displayName === '')
    throw badRequest('displayName is required.');
  const unit: EmuUnit = {
    id: newId(),
    displayName: body.displayName,
    description: typeof body.description === 'string' ? body.description : null,
    isMemberManagementRestricted: body.isMemberManagementRestricted === true,
    members: new Set(),
  };
  ctx.env.tenant.units.set(unit.id, unit);
  appendAudit(ctx.env.tenant, isoNow(ctx.env), ctx.principal, {
    activity: 'Add administrative unit',
    category: 'AdministrativeUnit',
    service: 'Core Directory',
    operationType: 'Add',
    targets: [
      {
        id: unit.id,
        displayName: unit.displayName,
        type: 'Other',
        userPrincipalName: null,
        modifiedProperties: [
          {
            displayName: 'IsMemberManagementRestricted',
            oldValue: null,
            newValue: String(unit.isMemberManagementRestricted),
          },
        ],
      },
    ],
  });
  return { status: 201, body: unitJson(unit) };
}

function patchUnit(ctx: Ctx): Reply {
  const unit = unitOf(ctx);
  const body = objectBody(ctx);
  if (
    'isMemberManagementRestricted' in body &&
    body.isMemberManagementRestricted !== unit.isMemberManagementRestricted
  ) {
    throw badRequest('isMemberManagementRestricted can only be set when the administrative unit is created.');
  }
  if (typeof body.displayName === 'string') unit.displayName = body.displayName;
  if (typeof body.description === 'string') unit.description = body.description;
  return { status: 204 };
}

function addUnitMember(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const unit = unitOf(ctx);
  const id = refId(ctx.body);
  const user = id ? tenant.users.get(id) : undefined;
  if (!id || (!user && !tenant.groups.has(id))) throw notFound(id ?? '');
  if (unit.members.has(id)) {
    throw badRequest(
      "One or more added object references already exist for the following modified properties: 'members'.",
    );
  }
  unit.members.add(id);
  appendAudit(tenant, isoNow(ctx.env), ctx.principal, {
    activity: unit.isMemberManagementRestricted
      ? 'Add member to restricted management administrative unit'
      : 'Add member to administrative unit',
    category: 'AdministrativeUnit',
    service: 'Core Directory',
    operationType: 'Add',
    targets: user ? [userTarget(user)] : [],
  });
  return { status: 204 };
}

function unitMembers(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const unit = unitOf(ctx);
  const items = [...unit.members].flatMap((id) => {
    const user = tenant.users.get(id);
    return user ? [select(ctx, userJson(tenant, user))] : [{ '@odata.type': '#microsoft.graph.group', id }];
  });
  return page(ctx, items, 'directoryObjects');
}

function assignmentJson(a: {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}) {
  return { '@odata.type': '#microsoft.graph.unifiedRoleAssignment', ...a, appScopeId: null, condition: null };
}

function createAssignment(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const body = objectBody(ctx);
  const { principalId, roleDefinitionId, directoryScopeId } = body;
  if (
    typeof principalId !== 'string' ||
    typeof roleDefinitionId !== 'string' ||
    typeof directoryScopeId !== 'string'
  ) {
    throw badRequest('principalId, roleDefinitionId and directoryScopeId are required.');
  }
  if (!ROLE_NAMES[roleDefinitionId]) throw notFound(roleDefinitionId);
  const scopeUnit = /^\/administrativeUnits\/(.+)$/.exec(directoryScopeId)?.[1];
  if (directoryScopeId !== '/' && (!scopeUnit || !tenant.units.has(scopeUnit)))
    throw badRequest('Invalid directoryScopeId.');
  const principals = new Set([
    ...tenant.users.keys(),
    ...tenant.groups.keys(),
    ...[...tenant.apps.values()].map((a) => a.servicePrincipalId),
  ]);
  if (!principals.has(principalId)) throw notFound(principalId);
  // Only role-assignable groups can hold a directory role (isAssignableToRole is set at creation only).
  const group = tenant.groups.get(principalId);
  if (group && !group.isAssignableToRole)
    throw badRequest('The group is not role-assignable: isAssignableToRole must be true to assign a role.');
  const duplicate = [...tenant.roleAssignments.values()].some(
    (a) =>
      a.principalId === principalId &&
      a.roleDefinitionId === roleDefinitionId &&
      a.directoryScopeId === directoryScopeId,
  );
  if (duplicate)
    throw badRequest(
      'A conflicting object with one or more of the specified property values is present in the directory.',
      'Request_BadRequest',
    );
  const assignment = { id: newId(), principalId, roleDefinitionId, directoryScopeId };
  tenant.roleAssignments.set(assignment.id, assignment);
  const unit = scopeUnit ? tenant.units.get(scopeUnit) : undefined;
  appendAudit(tenant, isoNow(ctx.env), ctx.principal, {
    activity: unit?.isMemberManagementRestricted
      ? 'Add member to role scoped over Restricted Management Administrative Unit'
      : 'Add member to role',
    category: 'RoleManagement',
    service: 'Core RBAC',
    operationType: 'Assign',
    targets: [
      {
        id: principalId,
        displayName: null,
        type: 'ServicePrincipal',
        userPrincipalName: null,
        modifiedProperties: [],
      },
    ],
  });
  return { status: 201, body: assignmentJson(assignment) };
}

function deleteAssignment(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const assignment = tenant.roleAssignments.get(ctx.params.id ?? '');
  if (!assignment) throw notFound(ctx.params.id ?? '');
  tenant.roleAssignments.delete(assignment.id);
  tenant.roleInstances.delete(assignment.id);
  const user = tenant.users.get(assignment.principalId);
  appendAudit(tenant, isoNow(ctx.env), ctx.principal, {
    activity: 'Remove member from role',
    category: 'RoleManagement',
    service: 'Core RBAC',
    operationType: 'Unassign',
    targets: [
      {
        id: assignment.principalId,
        displayName: user?.displayName ?? null,
        type: user ? 'User' : 'Group',
        userPrincipalName: user?.userPrincipalName ?? null,
        modifiedProperties: [],
      },
    ],
  });
  return { status: 204 };
}

export const directoryRoutes: readonly Route[] = [
  {
    method: 'GET',
    template: '/directory/administrativeUnits',
    handler: (ctx) =>
      page(ctx, filtered(ctx, [...ctx.env.tenant.units.values()].map(unitJson)), 'administrativeUnits'),
  },
  { method: 'POST', template: '/directory/administrativeUnits', handler: createUnit },
  {
    method: 'GET',
    template: '/directory/administrativeUnits/:id',
    handler: (ctx) => ({ status: 200, body: unitJson(unitOf(ctx)) }),
  },
  { method: 'PATCH', template: '/directory/administrativeUnits/:id', handler: patchUnit },
  { method: 'GET', template: '/directory/administrativeUnits/:id/members', handler: unitMembers },
  { method: 'POST', template: '/directory/administrativeUnits/:id/members/$ref', handler: addUnitMember },
  {
    method: 'GET',
    template: '/directory/administrativeUnits/:id/scopedRoleMembers',
    handler: (ctx) => {
      const unit = unitOf(ctx);
      const scope = `/administrativeUnits/${unit.id}`;
      const items = [...ctx.env.tenant.roleAssignments.values()]
        .filter((a) => a.directoryScopeId === scope)
        .map((a) => ({
          id: a.id,
          administrativeUnitId: unit.id,
          roleId: `role-${a.roleDefinitionId}`,
          roleMemberInfo: { id: a.principalId, displayName: null },
        }));
      return page(ctx, items, 'scopedRoleMembers');
    },
  },
  {
    method: 'GET',
    template: '/roleManagement/directory/roleDefinitions',
    handler: (ctx) =>
      page(
        ctx,
        filtered(
          ctx,
          Object.entries(ROLE_NAMES).map(([id, displayName]) => ({
            id,
            displayName,
            templateId: id,
            isBuiltIn: true,
            isEnabled: true,
          })),
        ),
        'roleManagement/directory/roleDefinitions',
      ),
  },
  {
    method: 'GET',
    template: '/roleManagement/directory/roleAssignments',
    handler: (ctx) =>
      page(
        ctx,
        filtered(ctx, [...ctx.env.tenant.roleAssignments.values()].map(assignmentJson)),
        'roleManagement/directory/roleAssignments',
      ),
  },
  { method: 'POST', template: '/roleManagement/directory/roleAssignments', handler: createAssignment },
  {
    method: 'DELETE',
    template: '/roleManagement/directory/roleAssignments/:id',
    handler: deleteAssignment,
  },
  {
    method: 'GET',
    template: '/roleManagement/directory/roleAssignmentScheduleInstances',
    handler: (ctx) =>
      page(
        ctx,
        filtered(
          ctx,
          [...ctx.env.tenant.roleInstances.values()].map((i) => ({
            ...i,
            memberType: 'Direct',
            appScopeId: null,
          })),
        ),
        'roleManagement/directory/roleAssignmentScheduleInstances',
      ),
  },
];
