/**
 * Directory roles beyond what `transitiveMemberOf` shows: PIM-eligible roles and roles scoped to an
 * administrative unit. An admin who can activate Global Administrator is privileged before activating it.
 * @module
 */

import { GateError } from '@recovery-gate/core';
import { type EntraContext, graphList, odataString } from './graph.js';

interface RoleRef {
  readonly roleDefinitionId?: string | null;
}

/** Role template id -> display name (read once per adapter). */
async function roleNames(ctx: EntraContext): Promise<Map<string, string>> {
  const cached = ctx.cache.get('roleNames');
  if (cached) return new Map(JSON.parse(cached) as [string, string][]);
  const definitions = await graphList<{ id: string; displayName?: string | null }>(
    ctx,
    '/roleManagement/directory/roleDefinitions',
    'read role definitions',
    {
      $select: 'id,displayName',
    },
  );
  const names = new Map(definitions.map((d) => [d.id, d.displayName ?? d.id]));
  ctx.cache.set('roleNames', JSON.stringify([...names]));
  return names;
}

async function forbiddenIsEmpty<T>(work: Promise<T[]>): Promise<T[]> {
  try {
    return await work;
  } catch (error) {
    // Without RoleEligibilitySchedule.Read.Directory / RoleManagement.Read.Directory: active roles only.
    if (error instanceof GateError && error.code === 'ERR_IDP_FORBIDDEN') return [];
    throw error;
  }
}

/** Names of roles the user is eligible for (PIM) or holds directly at any scope. */
export async function extraRoles(ctx: EntraContext, userId: string): Promise<string[]> {
  const filter = { $filter: `principalId eq ${odataString(userId)}` };
  const [eligible, assigned] = await Promise.all([
    forbiddenIsEmpty(
      graphList<RoleRef>(
        ctx,
        '/roleManagement/directory/roleEligibilitySchedules',
        'read role eligibility',
        filter,
      ),
    ),
    forbiddenIsEmpty(
      graphList<RoleRef>(ctx, '/roleManagement/directory/roleAssignments', 'read role assignments', filter),
    ),
  ]);
  const ids = [...eligible, ...assigned]
    .map((r) => r.roleDefinitionId)
    .filter((id): id is string => typeof id === 'string');
  if (ids.length === 0) return [];
  const names = await roleNames(ctx);
  return [...new Set(ids.map((id) => names.get(id) ?? id))];
}
