/**
 * Admin authorization: realm-management roles first, then fine-grained admin permissions v2
 * (scope permissions on the admin-permissions client, resource-specific over all-resources, a deny wins).
 * Not modelled: role policies are evaluated against the caller's user-model roles, where Keycloak evaluates the
 * access token's (`KeycloakIdentity`); the two agree for the admin console's full-scope tokens.
 * @see https://www.keycloak.org/docs/latest/server_admin/index.html#_fine_grained_permissions
 * @module
 */

import type { EmuClient, EmuGroup, EmuPolicy, EmuUser, Realm } from './state.js';
import { clientByClientId, effectiveClientRoles, effectiveRealmRoles, withAncestors } from './state.js';

/** The FGAP v2 resource server client. */
export const ADMIN_PERMISSIONS_CLIENT = 'admin-permissions';

/** User-scoped operations. */
export type UserScope = 'view' | 'manage' | 'manage-group-membership' | 'reset-password';
/** Group-scoped operations. */
export type GroupScope = 'view' | 'manage' | 'manage-membership' | 'view-members' | 'manage-members';

/** The caller's effective realm-management roles. */
export function adminRoles(realm: Realm, user: EmuUser): Set<string> {
  const rm = clientByClientId(realm, 'realm-management');
  return rm === undefined ? new Set() : effectiveClientRoles(realm, user, rm.id);
}

/** True when the caller holds the realm-management role (or realm-admin). */
export function hasRole(realm: Realm, user: EmuUser, role: string): boolean {
  const roles = adminRoles(realm, user);
  return roles.has(role) || roles.has('realm-admin');
}

function isMemberOf(realm: Realm, user: EmuUser, groupId: string, extendChildren: boolean): boolean {
  for (const gid of user.groups) {
    if (gid === groupId) return true;
    if (extendChildren && withAncestors(realm, gid).some((g) => g.id === groupId)) return true;
  }
  return false;
}

function policyPermits(realm: Realm, caller: EmuUser, policy: EmuPolicy): boolean {
  let match = false;
  if (policy.type === 'group')
    match = policy.groups.some((g) => isMemberOf(realm, caller, g.id, g.extendChildren));
  else if (policy.type === 'role') {
    const realmRoles = effectiveRealmRoles(realm, caller);
    match = policy.roles.some((r) =>
      [...realm.realmRoles.entries()].some(([name, role]) => role.id === r.id && realmRoles.has(name)),
    );
  } else if (policy.type === 'user') match = policy.resources.includes(caller.id);
  return policy.logic === 'NEGATIVE' ? !match : match;
}

function permissionPermits(realm: Realm, client: EmuClient, caller: EmuUser, permission: EmuPolicy): boolean {
  const policies = permission.policies
    .map((id) => client.policies.find((p) => p.id === id || p.name === id))
    .filter((p): p is EmuPolicy => p !== undefined);
  if (policies.length === 0) return false;
  const results = policies.map((p) => policyPermits(realm, caller, p));
  return permission.decisionStrategy === 'AFFIRMATIVE' ? results.some(Boolean) : results.every(Boolean);
}

/** A level of applicable permissions decides: empty = no decision; any deny wins; else permit. */
function decide(realm: Realm, client: EmuClient, caller: EmuUser, level: EmuPolicy[]): boolean | null {
  if (level.length === 0) return null;
  return level.every((p) => permissionPermits(realm, client, caller, p));
}

function fgapClient(realm: Realm): EmuClient | undefined {
  return realm.settings.adminPermissionsEnabled
    ? clientByClientId(realm, ADMIN_PERMISSIONS_CLIENT)
    : undefined;
}

/**
 * The Groups scopes that grant a Users scope on the group's members (`AdminPermissionsSchema.USERS` aliases):
 * view <- view-members, manage <- manage-members, manage-group-membership <- manage-membership-of-members (a
 * scope only 26.6.2+ has). Nothing grants reset-password through a group; it falls back to manage.
 */
const MEMBER_SCOPE: Readonly<Record<UserScope, readonly string[]>> = {
  view: ['view-members', 'manage-members'],
  manage: ['manage-members'],
  'manage-group-membership': ['manage-membership-of-members'],
  'reset-password': [],
};

function fgapUser(realm: Realm, caller: EmuUser, scope: UserScope, target: EmuUser): boolean | null {
  const client = fgapClient(realm);
  if (client === undefined) return null;
  const perms = client.policies.filter((p) => p.type === 'scope');
  const users = perms.filter((p) => p.resourceType === 'Users' && p.scopes.includes(scope));
  const specific = users.filter((p) => p.resources.includes(target.id));
  const targetGroups = new Set(
    [...target.groups].flatMap((gid) => withAncestors(realm, gid).map((g) => g.id)),
  );
  const memberScope = (p: EmuPolicy) =>
    p.resourceType === 'Groups' && p.scopes.some((s) => MEMBER_SCOPE[scope].includes(s));
  const byGroup = perms.filter((p) => memberScope(p) && p.resources.some((r) => targetGroups.has(r)));
  // "All groups" member permissions apply to every user who is in at least one group.
  const allGroups =
    targetGroups.size > 0 ? perms.filter((p) => memberScope(p) && p.resources.length === 0) : [];
  const all = users.filter((p) => p.resources.length === 0);
  // Keycloak's FGAPEvaluation: permissions on this user and on its groups are both resource-specific and are
  // decided together (a deny on one of its groups wins over a grant on the user); the all-users and all-groups
  // ones decide only when no resource-specific permission applies.
  return (
    decide(realm, client, caller, [...specific, ...byGroup]) ??
    decide(realm, client, caller, [...all, ...allGroups])
  );
}

/** Whether `caller` may perform a user-scoped operation on `target`. */
export function canUser(realm: Realm, caller: EmuUser, scope: UserScope, target: EmuUser): boolean {
  const role = scope === 'view' ? ['view-users', 'manage-users'] : ['manage-users'];
  if (role.some((r) => hasRole(realm, caller, r))) return true;
  const decision = fgapUser(realm, caller, scope, target);
  if (decision === null && scope === 'reset-password')
    return fgapUser(realm, caller, 'manage', target) ?? false;
  return decision ?? false;
}

/** Whether `caller` may perform a group-scoped operation on `group`. */
export function canGroup(realm: Realm, caller: EmuUser, scope: GroupScope, group: EmuGroup): boolean {
  const role =
    scope === 'view' || scope === 'view-members'
      ? ['view-users', 'manage-users', 'query-groups']
      : ['manage-users'];
  if (role.some((r) => hasRole(realm, caller, r))) return true;
  const client = fgapClient(realm);
  if (client === undefined) return false;
  const groups = client.policies.filter(
    (p) => p.type === 'scope' && p.resourceType === 'Groups' && p.scopes.includes(scope),
  );
  const specific = groups.filter((p) => p.resources.includes(group.id));
  const all = groups.filter((p) => p.resources.length === 0);
  return decide(realm, client, caller, specific) ?? decide(realm, client, caller, all) ?? false;
}
