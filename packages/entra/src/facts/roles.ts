/**
 * Every directory role the user holds or may activate: assigned to the user or to a role-assignable group
 * they are in, active or PIM-eligible, through PIM for Groups eligible membership or ownership, tenant-wide
 * or on an administrative unit. An admin who can activate Global Administrator is privileged before doing so.
 * Any refused read leaves the roles unknown (null): policy then takes the riskiest class.
 * @module
 */

import type { AdminRoleGrant } from '@recovery-gate/core';
import { type EntraContext, graphList, odataString } from '../client.js';
import { type FactRead, orUnknown, type Refusals } from './reads.js';

/** A directory object from `transitiveMemberOf`. */
export interface DirectoryObject {
  readonly '@odata.type'?: string;
  readonly id: string;
  readonly displayName?: string | null;
  readonly isMemberManagementRestricted?: boolean | null;
  readonly isAssignableToRole?: boolean | null;
}

interface RoleRef {
  readonly principalId?: string | null;
  readonly roleDefinitionId?: string | null;
  readonly directoryScopeId?: string | null;
}

interface GroupEligibility {
  readonly groupId?: string | null;
  readonly group?: DirectoryObject | null;
}

/** The user's roles: names for selectors (null when unknown) and how each is held, for the case view. */
export interface RoleFacts {
  readonly names: string[] | null;
  readonly grants: AdminRoleGrant[];
}

/** Graph accepts at most 15 values in one `in` clause. */
const IN_LIMIT = 15;

/** Role template id -> display name (read once per adapter). */
async function roleNames(ctx: EntraContext): Promise<Map<string, string>> {
  const cached = ctx.cache.get('roleNames');
  if (cached) return new Map(JSON.parse(cached) as [string, string][]);
  const definitions = await graphList<{ id: string; displayName?: string | null }>(
    ctx,
    '/roleManagement/directory/roleDefinitions',
    'read role definitions',
    { $select: 'id,displayName' },
  );
  const names = new Map(definitions.map((d) => [d.id, d.displayName ?? d.id]));
  ctx.cache.set('roleNames', JSON.stringify([...names]));
  return names;
}

/** Groups that can hold a role: role-assignable, or not saying (then they are asked about too). */
const canHoldRoles = (group: DirectoryObject) => group.isAssignableToRole !== false;

/** Role assignments of all principals, `in` clauses of at most 15 (principalId supports `eq` and `in`). */
async function assignmentsOf(ctx: EntraContext, principals: readonly string[]): Promise<RoleRef[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < principals.length; i += IN_LIMIT) chunks.push(principals.slice(i, i + IN_LIMIT));
  const pages = await Promise.all(
    chunks.map((chunk) =>
      graphList<RoleRef>(ctx, '/roleManagement/directory/roleAssignments', 'read role assignments', {
        $filter: `principalId in (${chunk.map(odataString).join(',')})`,
      }),
    ),
  );
  return pages.flat();
}

/** Eligible role assignments, one call per principal (eligibility schedules filter with `eq` only). */
async function eligibilitiesOf(ctx: EntraContext, principals: readonly string[]): Promise<RoleRef[]> {
  const pages = await Promise.all(
    principals.map((principal) =>
      graphList<RoleRef>(ctx, '/roleManagement/directory/roleEligibilitySchedules', 'read role eligibility', {
        $filter: `principalId eq ${odataString(principal)}`,
      }),
    ),
  );
  return pages.flat();
}

/** Groups the user may join (or own) through PIM for Groups. */
function groupEligibilitiesOf(ctx: EntraContext, userId: string): Promise<GroupEligibility[]> {
  return graphList<GroupEligibility>(
    ctx,
    '/identityGovernance/privilegedAccess/group/eligibilitySchedules',
    'read PIM for Groups eligibility',
    { $filter: `principalId eq ${odataString(userId)}`, $expand: 'group' },
  );
}

function scopeOf(ref: RoleRef): string {
  const scope = ref.directoryScopeId ?? '/';
  const unit = /^\/administrativeUnits\/(.+)$/.exec(scope)?.[1];
  return scope === '/' ? 'tenant' : unit ? `administrative unit ${unit}` : scope;
}

/**
 * Reads the user's directory roles. `memberships` is the user's `transitiveMemberOf` (null when refused).
 * Calls: PIM for Groups eligibility (with the memberships), then the assignments of the user and their
 * role-assignable groups (`in`, 15 a call) and each one's eligibility, then the role names (cached).
 */
export async function readRoles(
  ctx: EntraContext,
  userId: string,
  membershipsRead: Promise<readonly DirectoryObject[] | null>,
  refusals: Refusals,
): Promise<RoleFacts> {
  let known = true;
  const guard = async <T>(read: FactRead, work: Promise<T>, empty: T): Promise<T> => {
    const result = await orUnknown(refusals, ['adminRoles'], read, work);
    if (result === null) known = false;
    return result ?? empty;
  };
  const pim = ctx.config.pim;
  const [memberships, pimGroups] = await Promise.all([
    membershipsRead,
    pim ? guard('groupEligibility', groupEligibilitiesOf(ctx, userId), []) : Promise.resolve([]),
  ]);
  if (memberships === null) known = false;
  const holders = new Map<string, { name: string; state: AdminRoleGrant['state'] }>();
  for (const group of memberships ?? []) {
    if (group['@odata.type'] === '#microsoft.graph.group' && canHoldRoles(group))
      holders.set(group.id, { name: group.displayName ?? group.id, state: 'active' });
  }
  for (const e of pimGroups) {
    if (!e.groupId || holders.has(e.groupId) || (e.group && !canHoldRoles(e.group))) continue;
    holders.set(e.groupId, { name: e.group?.displayName ?? e.groupId, state: 'eligible' });
  }
  const principals = [userId, ...holders.keys()];
  const [assigned, eligible] = await Promise.all([
    guard('roleAssignments', assignmentsOf(ctx, principals), []),
    pim ? guard('roleEligibility', eligibilitiesOf(ctx, principals), []) : Promise.resolve([]),
  ]);
  const refs = [
    ...assigned.map((ref) => ({ ref, eligible: false })),
    ...eligible.map((ref) => ({ ref, eligible: true })),
  ].filter(({ ref }) => typeof ref.roleDefinitionId === 'string');
  const names =
    refs.length === 0
      ? new Map<string, string>()
      : await guard<Map<string, string> | null>('roleDefinitions', roleNames(ctx), null);
  if (names === null) known = false;
  const grants: AdminRoleGrant[] = refs.map(({ ref, eligible: isEligible }) => {
    const id = ref.roleDefinitionId as string;
    const holder = ref.principalId === userId ? null : holders.get(ref.principalId ?? '');
    return {
      role: names?.get(id) ?? id,
      state: isEligible || holder?.state === 'eligible' ? 'eligible' : 'active',
      via: holder?.name ?? null,
      scope: scopeOf(ref),
    };
  });
  // Active tenant-wide roles also show as directoryRole objects in transitiveMemberOf.
  const active = (memberships ?? [])
    .filter((m) => m['@odata.type'] === '#microsoft.graph.directoryRole')
    .map((r) => r.displayName ?? r.id);
  return {
    names: known ? [...new Set([...grants.map((g) => g.role), ...active])] : null,
    grants,
  };
}
