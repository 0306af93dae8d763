/**
 * Built-in admin roles that can reset factors or passwords, held by the help desk (its group, or an agent
 * directly): each is a planned removal (`-`), because while it stays an agent can reset around the gate.
 * The removal takes every right of the role away, not only resets, so `apply` runs it only when asked.
 * @module
 */

import { type Json, type OktaContext, text } from '../client/context.js';
import { groupRoles, list, type Step } from './steps.js';

/** Built-in roles that can reset credentials or unlock. */
export const RESETTING_ROLES: ReadonlySet<string> = new Set([
  'SUPER_ADMIN',
  'ORG_ADMIN',
  'HELP_DESK_ADMIN',
  'USER_ADMIN',
]);

const REASON =
  'Built-in role that can reset factors and passwords in the Admin Console, around the gate; removing it ' +
  'takes every right of the role away (the help desk keeps the gate’s role)';

function removal(name: string, before: Json, run: () => Promise<void>): Step {
  return {
    resource: 'builtin_role_assignment',
    name,
    reason: REASON,
    removesAccess: true,
    inspect: async () => ({ op: 'delete', before, after: null, run }),
  };
}

/** One removal step per built-in resetting role held by the help-desk group or one of its members directly. */
export async function builtinRoleSteps(ctx: OktaContext): Promise<Step[]> {
  const group = ctx.config.helpDeskGroup;
  const groupId = await ctx.groupId(group);
  if (!groupId) return [];
  const steps: Step[] = [];
  for (const a of await groupRoles(ctx, groupId)) {
    const type = text(a, 'type') ?? '';
    const id = text(a, 'id');
    if (!RESETTING_ROLES.has(type) || !id) continue;
    steps.push(
      removal(`${type} of group ${group}`, { principal: `group ${group}`, role: type }, async () => {
        await ctx.optional('unassignRoleFromGroup', () =>
          ctx.client.roleAssignmentApi.unassignRoleFromGroup({ groupId, roleId: id }),
        );
      }),
    );
  }
  const members = await ctx.call('listGroupUsers', 'group', async () =>
    list(await ctx.client.groupApi.listGroupUsers({ groupId })),
  );
  for (const member of members) {
    const userId = String(member.id);
    const login = String(member.profile?.login ?? userId);
    const roles = await ctx.call('listAssignedRolesForUser', 'user', async () =>
      list(await ctx.client.roleAssignmentApi.listAssignedRolesForUser({ userId })),
    );
    for (const a of roles as unknown as Json[]) {
      const type = text(a, 'type') ?? '';
      const id = text(a, 'id');
      // Assignments through a group are removed from the group, never from each member.
      if (text(a, 'assignmentType') === 'GROUP' || !RESETTING_ROLES.has(type) || !id) continue;
      steps.push(
        removal(`${type} of agent ${login}`, { principal: `agent ${login}`, role: type }, async () => {
          await ctx.optional('unassignRoleFromUser', () =>
            ctx.client.roleAssignmentApi.unassignRoleFromUser({ userId, roleId: id }),
          );
        }),
      );
    }
  }
  return steps;
}
