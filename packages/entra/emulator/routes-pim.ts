/**
 * PIM reads: eligible directory role assignments (a user or a role-assignable group as principal) and
 * PIM for Groups eligible membership or ownership, with the filters Graph requires.
 * @see https://learn.microsoft.com/graph/api/rbacapplication-list-roleeligibilityschedules
 * @see https://learn.microsoft.com/graph/api/privilegedaccessgroup-list-eligibilityschedules
 * @module
 */

import { badRequest, type Ctx, page, type Reply, type Route } from './http.js';
import { filtered } from './routes-directory.js';
import { groupJson } from './serialize.js';

/** `principalId` on a role eligibility schedule supports `eq` and `ne` only (no `in`). */
function eligibilities(ctx: Ctx): Reply {
  const filter = ctx.query.get('$filter') ?? '';
  if (/\sin\s*\(/i.test(filter))
    throw badRequest("Invalid filter clause: the operator 'in' is not supported on this property.");
  const items = [...ctx.env.tenant.eligibilities.values()].map((e) => ({
    ...e,
    memberType: 'Direct',
    status: 'Provisioned',
  }));
  return page(ctx, filtered(ctx, items), 'roleManagement/directory/roleEligibilitySchedules');
}

/** PIM for Groups: Graph requires a filter on `groupId` or `principalId`; `$expand=group` inlines the group. */
function groupEligibilities(ctx: Ctx): Reply {
  const filter = ctx.query.get('$filter') ?? '';
  if (!/\b(groupId|principalId)\s+eq\s/i.test(filter))
    throw badRequest('A filter on groupId or principalId is required.', 'BadRequest');
  const tenant = ctx.env.tenant;
  const expand = (ctx.query.get('$expand') ?? '').split(',').includes('group');
  const items = [...tenant.groupEligibilities.values()].map((e) => {
    const group = tenant.groups.get(e.groupId);
    return {
      ...e,
      memberType: 'direct',
      status: 'Provisioned',
      ...(expand && group ? { group: groupJson(group) } : {}),
    };
  });
  return page(ctx, filtered(ctx, items), 'identityGovernance/privilegedAccess/group/eligibilitySchedules');
}

/** The PIM read routes. */
export const pimRoutes: readonly Route[] = [
  { method: 'GET', template: '/roleManagement/directory/roleEligibilitySchedules', handler: eligibilities },
  {
    method: 'GET',
    template: '/identityGovernance/privilegedAccess/group/eligibilitySchedules',
    handler: groupEligibilities,
  },
];
