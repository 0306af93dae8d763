/**
 * The slice of Entra's authorization the emulator enforces: restricted management administrative units
 * (tenant-wide app permissions do not reach their members) and the roles an app-only password reset needs.
 * @module
 */

import { forbidden } from './http.js';
import { type EmuPrincipal, type EmuUser, ROLE_IDS, type TenantState } from './state.js';

function principalObjectId(tenant: TenantState, principal: EmuPrincipal): string {
  if (principal.kind === 'user') return principal.userId;
  return tenant.apps.get(principal.appId)?.servicePrincipalId ?? '';
}

function rolesAt(tenant: TenantState, principal: EmuPrincipal, scope: string): Set<string> {
  const objectId = principalObjectId(tenant, principal);
  // A service principal cannot use a role scoped to an administrative unit unless it can also read the
  // directory at tenant scope (Directory Readers, or any tenant-scoped directory role, all of which read users).
  // https://learn.microsoft.com/entra/identity/role-based-access-control/manage-roles-portal (Microsoft Entra
  // admin center, "Service principals and guest users won't be able to use a role assignment scoped to an
  // administrative unit unless they're also assigned corresponding permissions to read the objects").
  if (scope !== '/' && principal.kind === 'app' && directRolesAt(tenant, objectId, '/').size === 0)
    return new Set();
  return directRolesAt(tenant, objectId, scope);
}

function directRolesAt(tenant: TenantState, objectId: string, scope: string): Set<string> {
  const groupIds = [...tenant.groups.values()].filter((g) => g.members.has(objectId)).map((g) => g.id);
  const ids = new Set([objectId, ...groupIds]);
  const roles = new Set<string>();
  for (const assignment of tenant.roleAssignments.values()) {
    if (ids.has(assignment.principalId) && assignment.directoryScopeId === scope)
      roles.add(assignment.roleDefinitionId);
  }
  return roles;
}

/** The restricted units the user is a member of. */
export function restrictedUnits(tenant: TenantState, userId: string): string[] {
  return [...tenant.units.values()]
    .filter((unit) => unit.isMemberManagementRestricted && unit.members.has(userId))
    .map((unit) => unit.id);
}

/**
 * Whether the user is a Global Administrator inside a restricted management unit: then nobody can reset their
 * password, "because there's no administrator role that can be assigned at the administrative unit scope
 * that can reset the password of a Global Administrator" (and tenant-scoped roles do not reach the unit).
 * @see https://learn.microsoft.com/entra/identity/role-based-access-control/admin-units-restricted-management
 */
export function isUnresettableAdmin(tenant: TenantState, user: EmuUser): boolean {
  if (restrictedUnits(tenant, user.id).length === 0) return false;
  return directRolesAt(tenant, user.id, '/').has(ROLE_IDS.globalAdministrator);
}

/** @throws GraphFail 403 when {@link isUnresettableAdmin}. */
export function assertPasswordResettable(tenant: TenantState, user: EmuUser): void {
  if (isUnresettableAdmin(tenant, user))
    throw forbidden(
      'Insufficient privileges to complete the operation. A Global Administrator in a restricted management administrative unit cannot have their password reset by another administrator.',
    );
}

/** Whether the user holds any directory role at tenant scope (an "admin" for password-reset rules). */
export function isAdmin(tenant: TenantState, userId: string): boolean {
  return [...tenant.roleAssignments.values()].some((a) => a.principalId === userId);
}

const MANAGE_ROLES = new Set<string>([
  ROLE_IDS.privilegedAuthenticationAdministrator,
  ROLE_IDS.authenticationAdministrator,
  ROLE_IDS.userAdministrator,
  ROLE_IDS.helpdeskAdministrator,
]);

/**
 * Members of a restricted management AU can only be changed by principals with a role scoped to that AU.
 * @throws GraphFail 403 otherwise.
 */
export function assertCanManage(tenant: TenantState, principal: EmuPrincipal, user: EmuUser): void {
  for (const unitId of restrictedUnits(tenant, user.id)) {
    const scoped = rolesAt(tenant, principal, `/administrativeUnits/${unitId}`);
    if (![...scoped].some((role) => MANAGE_ROLES.has(role))) {
      throw forbidden(
        'Insufficient privileges to complete the operation. Target object is a member of a restricted management administrative unit.',
      );
    }
  }
}

/**
 * App-only password reset needs User Administrator (non-admins) or Privileged Authentication
 * Administrator / Global Administrator (anyone), tenant-wide or scoped to the user's restricted AU.
 */
export function assertCanResetPassword(tenant: TenantState, principal: EmuPrincipal, user: EmuUser): void {
  assertCanManage(tenant, principal, user);
  assertPasswordResettable(tenant, user);
  const scopes = ['/', ...restrictedUnits(tenant, user.id).map((id) => `/administrativeUnits/${id}`)];
  const roles = new Set(scopes.flatMap((scope) => [...rolesAt(tenant, principal, scope)]));
  const strong =
    roles.has(ROLE_IDS.privilegedAuthenticationAdministrator) || roles.has(ROLE_IDS.globalAdministrator);
  const weak =
    roles.has(ROLE_IDS.userAdministrator) ||
    roles.has(ROLE_IDS.helpdeskAdministrator) ||
    roles.has(ROLE_IDS.passwordAdministrator) ||
    roles.has(ROLE_IDS.authenticationAdministrator);
  if (strong || (weak && !isAdmin(tenant, user.id))) return;
  throw forbidden();
}

/**
 * A signed-in admin (delegated call) changes someone's authentication methods only with a role that may:
 * Privileged Authentication Administrator or Global Administrator for anyone, Authentication Administrator
 * for non-admins; a password reset also with Helpdesk, Password or User Administrator for non-admins.
 * App-only calls are governed by the app's permissions (and restricted units) instead.
 * @see https://learn.microsoft.com/entra/identity/role-based-access-control/privileged-roles-permissions#who-can-perform-sensitive-actions
 * @throws GraphFail 403 otherwise.
 */
export function assertAgentMayChangeMethods(
  tenant: TenantState,
  principal: EmuPrincipal,
  user: EmuUser,
  password: boolean,
): void {
  if (principal.kind !== 'user') return;
  const scopes = ['/', ...restrictedUnits(tenant, user.id).map((id) => `/administrativeUnits/${id}`)];
  const roles = new Set(scopes.flatMap((scope) => [...rolesAt(tenant, principal, scope)]));
  if (roles.has(ROLE_IDS.privilegedAuthenticationAdministrator) || roles.has(ROLE_IDS.globalAdministrator))
    return;
  const forNonAdmins = password
    ? [
        ROLE_IDS.authenticationAdministrator,
        ROLE_IDS.helpdeskAdministrator,
        ROLE_IDS.passwordAdministrator,
        ROLE_IDS.userAdministrator,
      ]
    : [ROLE_IDS.authenticationAdministrator];
  if (forNonAdmins.some((role) => roles.has(role)) && !isAdmin(tenant, user.id)) return;
  throw forbidden('Insufficient privileges to complete the operation.');
}
