/**
 * The help desk's built-in directory roles that can reset passwords or authentication methods: a standing
 * assignment to the help-desk group or one of its members is a planned removal (`-`), since while it stays
 * an agent can reset around the gate. A time-bound PIM activation is reported, not removed.
 * @module
 */

import type { GuardrailChange, GuardrailFinding } from '@recovery-gate/core';
import { type EntraContext, graphList, odataString, seg } from '../client.js';
import { groupId } from './read.js';

/**
 * Built-in roles that can reset a password or authentication methods of some users.
 * @see https://learn.microsoft.com/entra/identity/role-based-access-control/privileged-roles-permissions#who-can-reset-passwords
 */
export const RESETTING_ROLES: Readonly<Record<string, string>> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  '7be44c8a-adaf-4e2a-84d6-ab2649e08a13': 'Privileged Authentication Administrator',
  'c4e39bd9-1100-46d3-8c65-fb160da0071f': 'Authentication Administrator',
  '729827e3-9c14-49f7-bb1b-9608f156bbb8': 'Helpdesk Administrator',
  '966707d0-3269-4727-9be2-8c3a10f19b9d': 'Password Administrator',
  'fe930be7-5e62-47db-91af-98c3a49a38b1': 'User Administrator',
};

interface Assignment {
  readonly id: string;
  readonly principalId: string;
  readonly roleDefinitionId: string;
  readonly directoryScopeId?: string | null;
}

interface Instance {
  readonly principalId: string;
  readonly roleDefinitionId: string;
  readonly assignmentType?: string | null;
}

/** What the help desk holds: removals to plan, and what to report. */
export interface HelpDeskRoles {
  readonly changes: GuardrailChange[];
  readonly findings: GuardrailFinding[];
}

const REASON =
  'Built-in role that can reset passwords or methods in the admin center, around the gate; removing it ' +
  'takes every right of the role away';

async function principalsOf(ctx: EntraContext, id: string, groupName: string): Promise<Map<string, string>> {
  const members = await graphList<{ id: string; userPrincipalName?: string | null }>(
    ctx,
    `/groups/${seg(id)}/members`,
    'read help-desk members',
    { $select: 'id,userPrincipalName' },
  );
  return new Map<string, string>([
    [id, `group ${groupName}`],
    ...members.map((m) => [m.id, m.userPrincipalName ?? m.id] as [string, string]),
  ]);
}

/** Reads the resetting roles the help-desk group and its members hold. */
export async function helpDeskRoles(ctx: EntraContext, groupName: string): Promise<HelpDeskRoles> {
  const id = await groupId(ctx, groupName);
  if (!id) {
    const message = `The help-desk group ${groupName} does not exist.`;
    return { changes: [], findings: [{ severity: 'warning', code: 'helpdesk_group_missing', message }] };
  }
  const principals = await principalsOf(ctx, id, groupName);
  const out: HelpDeskRoles = { changes: [], findings: [] };
  for (const [role, label] of Object.entries(RESETTING_ROLES)) {
    const filter = `roleDefinitionId eq ${odataString(role)}`;
    const [assignments, instances] = await Promise.all([
      graphList<Assignment>(ctx, '/roleManagement/directory/roleAssignments', 'read role assignments', {
        $filter: filter,
      }),
      graphList<Instance>(
        ctx,
        '/roleManagement/directory/roleAssignmentScheduleInstances',
        'read PIM instances',
        { $filter: filter },
      ),
    ]);
    for (const assignment of assignments) {
      const who = principals.get(assignment.principalId);
      if (!who) continue;
      const activated = instances.some(
        (i) => i.principalId === assignment.principalId && i.assignmentType === 'Activated',
      );
      if (activated) {
        out.findings.push({
          severity: 'info',
          code: 'helpdesk_role_pim',
          message: `${who} holds ${label} through a time-bound PIM activation.`,
        });
        continue;
      }
      const scope = assignment.directoryScopeId ?? '/';
      out.changes.push({
        op: 'delete',
        resource: 'builtin_role_assignment',
        name: `${label} of ${who}${scope === '/' ? '' : ` @ ${scope}`}`,
        reason: REASON,
        before: { principal: who, role: label, scope, assignmentId: assignment.id },
        after: null,
        removesAccess: true,
      });
    }
  }
  return out;
}
