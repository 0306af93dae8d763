/**
 * Reads the tenant state the guardrails compare against.
 * @module
 */

import { isGateError, RECOVERY_ACTIONS } from '@recovery-gate/core';
import { type EntraContext, graphGet, graphList, odataString, seg } from '../client.js';
import { requestGroupName } from '../status.js';

/** Role template ids the guardrails name. */
export const ROLES = {
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
} as const;

/** The TAP method configuration fields the guardrails manage. */
export interface TapPolicyView {
  readonly state: string;
  readonly isUsableOnce: boolean;
  readonly minimumLifetimeInMinutes: number;
  readonly maximumLifetimeInMinutes: number;
  readonly defaultLifetimeInMinutes: number;
  readonly includeTargets: readonly string[];
}

/** A subscription as read. */
export interface SubscriptionView {
  readonly id: string;
  readonly resource: string;
  readonly notificationUrl: string;
  readonly expirationDateTime: string;
}

/** Everything plan compares. */
export interface TenantView {
  readonly groups: ReadonlyMap<string, string>;
  readonly app: { readonly objectId: string; readonly extensions: readonly string[] } | null;
  readonly servicePrincipalId: string | null;
  readonly tapPolicy: TapPolicyView;
  readonly unit: {
    readonly id: string;
    readonly restricted: boolean;
    readonly members: ReadonlySet<string>;
  } | null;
  readonly unitRole: boolean;
  /**
   * Whether the gate's service principal holds a directory role at tenant scope: without one it cannot use
   * its unit-scoped role (service principals have no directory read by default). Null when not read.
   */
  readonly tenantReadRole: boolean | null;
  readonly privilegedUsers: readonly { readonly id: string; readonly login: string }[];
  /** Privileged users holding Global Administrator (active, direct or through a group): their password
   * cannot be reset by anyone once they are in the restricted unit. */
  readonly globalAdmins: ReadonlySet<string>;
  readonly subscriptions: readonly SubscriptionView[];
}

interface Named {
  readonly id: string;
  readonly displayName?: string | null;
}

/** Request groups and the TAP include group, by display name. */
export async function readGroups(ctx: EntraContext): Promise<Map<string, string>> {
  const names = RECOVERY_ACTIONS.map((action) => requestGroupName(ctx, action));
  const found = await graphList<Named>(ctx, '/groups', 'read request groups', {
    $filter: `startswith(displayName,${odataString(ctx.config.requestGroups.prefix)})`,
    $select: 'id,displayName',
  });
  const groups = new Map<string, string>();
  for (const group of found)
    if (group.displayName && names.includes(group.displayName)) groups.set(group.displayName, group.id);
  return groups;
}

/** A group id by exact display name; null when none. */
export async function groupId(ctx: EntraContext, name: string): Promise<string | null> {
  const found = await graphList<Named>(ctx, '/groups', 'find group', {
    $filter: `displayName eq ${odataString(name)}`,
    $select: 'id,displayName',
  });
  return found[0]?.id ?? null;
}

async function readTapPolicy(ctx: EntraContext): Promise<TapPolicyView> {
  const raw = await graphGet<Record<string, unknown>>(
    ctx,
    '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass',
    'read TAP policy',
  );
  const targets = Array.isArray(raw.includeTargets) ? (raw.includeTargets as { id?: string }[]) : [];
  return {
    state: String(raw.state ?? ''),
    isUsableOnce: raw.isUsableOnce === true,
    minimumLifetimeInMinutes: Number(raw.minimumLifetimeInMinutes),
    maximumLifetimeInMinutes: Number(raw.maximumLifetimeInMinutes),
    defaultLifetimeInMinutes: Number(raw.defaultLifetimeInMinutes),
    includeTargets: targets.map((t) => t.id ?? '').sort(),
  };
}

async function readUnit(ctx: EntraContext, servicePrincipalId: string | null) {
  const config = ctx.config.privilegedUnit;
  if (!config)
    return {
      unit: null,
      unitRole: false,
      tenantReadRole: null,
      privilegedUsers: [],
      globalAdmins: new Set<string>(),
    };
  const units = await graphList<Named & { isMemberManagementRestricted?: boolean | null }>(
    ctx,
    '/directory/administrativeUnits',
    'read administrative units',
    {
      $filter: `displayName eq ${odataString(config.displayName)}`,
    },
  );
  const found = units[0];
  const members = found
    ? await graphList<Named>(
        ctx,
        `/directory/administrativeUnits/${seg(found.id)}/members`,
        'read unit members',
        { $select: 'id' },
      )
    : [];
  // scopedRoleMembers names activated directoryRole objects, not role templates: read the unified role
  // assignments of the gate's service principal instead and compare template ids and the unit scope.
  const scoped = servicePrincipalId
    ? await graphList<{ roleDefinitionId?: string; directoryScopeId?: string }>(
        ctx,
        '/roleManagement/directory/roleAssignments',
        'read scoped roles',
        {
          $filter: `principalId eq ${odataString(servicePrincipalId)}`,
        },
      )
    : [];
  const privilegedUsers: { id: string; login: string }[] = [];
  for (const name of config.memberGroups) {
    const id = await groupId(ctx, name);
    if (!id) continue;
    const users = await graphList<Named & { '@odata.type'?: string; userPrincipalName?: string | null }>(
      ctx,
      `/groups/${seg(id)}/members`,
      'read group members',
      {
        $select: 'id,userPrincipalName',
      },
    );
    for (const user of users) {
      if (user['@odata.type'] === '#microsoft.graph.user' && !privilegedUsers.some((u) => u.id === user.id)) {
        privilegedUsers.push({ id: user.id, login: user.userPrincipalName ?? user.id });
      }
    }
  }
  return {
    globalAdmins: await globalAdminsAmong(ctx, privilegedUsers),
    tenantReadRole: servicePrincipalId ? scoped.some((s) => s.directoryScopeId === '/') : null,
    unit: found
      ? {
          id: found.id,
          restricted: found.isMemberManagementRestricted === true,
          members: new Set(members.map((m) => m.id)),
        }
      : null,
    unitRole: scoped.some(
      (s) =>
        s.roleDefinitionId === ROLES.privilegedAuthenticationAdministrator &&
        s.directoryScopeId === `/administrativeUnits/${found?.id}`,
    ),
    privilegedUsers,
  };
}

const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';

/** The users among `users` holding Global Administrator at tenant scope, directly or through a group. */
async function globalAdminsAmong(
  ctx: EntraContext,
  users: readonly { readonly id: string }[],
): Promise<Set<string>> {
  if (users.length === 0) return new Set();
  const assignments = await graphList<{ principalId?: string | null; directoryScopeId?: string | null }>(
    ctx,
    '/roleManagement/directory/roleAssignments',
    'read Global Administrator assignments',
    { $filter: `roleDefinitionId eq ${odataString(GLOBAL_ADMINISTRATOR)}` },
  );
  const principals = new Set(
    assignments.filter((a) => a.directoryScopeId === '/').map((a) => a.principalId ?? ''),
  );
  const wanted = new Set(users.map((u) => u.id));
  const found = new Set([...principals].filter((id) => wanted.has(id)));
  for (const principal of principals) {
    if (wanted.has(principal)) continue;
    // A role-assignable group holding the role: its members hold it too (a user principal not in the list
    // answers 404 here and is skipped).
    const members = await graphList<Named>(
      ctx,
      `/groups/${seg(principal)}/members`,
      'read role group',
      { $select: 'id' },
      'group',
    ).catch((error: unknown) => {
      if (isGateError(error, 'ERR_GROUP_NOT_FOUND')) return [];
      throw error;
    });
    for (const member of members) if (wanted.has(member.id)) found.add(member.id);
  }
  return found;
}

/** Reads the current tenant state. */
export async function readTenant(ctx: EntraContext): Promise<TenantView> {
  const [groups, apps, sps, tapPolicy, subscriptions] = await Promise.all([
    readGroups(ctx),
    graphList<{ id: string }>(ctx, '/applications', 'read gate app', {
      $filter: `appId eq ${odataString(ctx.clientId)}`,
      $select: 'id,appId',
    }),
    graphList<{ id: string }>(ctx, '/servicePrincipals', 'read gate service principal', {
      $filter: `appId eq ${odataString(ctx.clientId)}`,
      $select: 'id,appId',
    }),
    readTapPolicy(ctx),
    ctx.config.notification
      ? graphList<SubscriptionView>(ctx, '/subscriptions', 'read subscriptions')
      : Promise.resolve([]),
  ]);
  const appObject = apps[0];
  const extensions = appObject
    ? (
        await graphList<{ name: string }>(
          ctx,
          `/applications/${seg(appObject.id)}/extensionProperties`,
          'read extension properties',
        )
      ).map((p) => p.name)
    : [];
  const servicePrincipalId = sps[0]?.id ?? null;
  const unit = await readUnit(ctx, servicePrincipalId);
  return {
    groups,
    app: appObject ? { objectId: appObject.id, extensions } : null,
    servicePrincipalId,
    tapPolicy,
    ...unit,
    subscriptions,
  };
}
