/**
 * Who is calling and what they may do: SSWS tokens and OAuth access tokens map to a principal whose
 * rights come from the admin roles assigned to it (directly or through its groups).
 * Custom roles act only inside their resource set (users through `/groups/{id}/users`, groups by URL);
 * standard roles are org-wide (their group targets are not emulated).
 * @module
 */

import type { IncomingHttpHeaders } from 'node:http';
import { OktaError } from './context.js';
import type { OrgState, Principal } from './state.js';

/** The permissions of Okta's standard roles that the emulator knows ('*' = everything). */
export const STANDARD_ROLE_PERMISSIONS: Readonly<Record<string, readonly string[] | '*'>> = {
  SUPER_ADMIN: '*',
  ORG_ADMIN: '*',
  HELP_DESK_ADMIN: [
    'okta.users.read',
    'okta.groups.read',
    'okta.users.credentials.resetFactors',
    'okta.users.credentials.resetPassword',
    'okta.users.credentials.expirePassword',
    'okta.users.lifecycle.unlock',
    'okta.users.lifecycle.clearSessions',
  ],
  USER_ADMIN: [
    'okta.users.read',
    'okta.groups.read',
    'okta.users.credentials.manage',
    'okta.users.credentials.resetFactors',
    'okta.users.credentials.resetPassword',
    'okta.users.credentials.expirePassword',
    'okta.users.lifecycle.manage',
    'okta.users.lifecycle.unlock',
    'okta.users.lifecycle.clearSessions',
    'okta.users.userprofile.manage',
    'okta.groups.members.manage',
    'okta.users.groupMembership.manage',
  ],
  GROUP_MEMBERSHIP_ADMIN: [
    'okta.users.read',
    'okta.groups.read',
    'okta.groups.members.manage',
    'okta.users.groupMembership.manage',
  ],
  READ_ONLY_ADMIN: ['okta.users.read', 'okta.groups.read', 'okta.logs.read'],
};

/** Resolves the Authorization header to a principal. @throws OktaError 401 E0000011 */
export function authenticate(state: OrgState, headers: IncomingHttpHeaders): Principal {
  const header = headers.authorization ?? '';
  const match = /^(SSWS|Bearer|DPoP)\s+(.+)$/i.exec(header);
  const principal = match ? state.tokens.get(match[2] as string) : undefined;
  if (!principal) throw new OktaError(401, 'E0000011', 'Invalid token provided');
  if (principal.type === 'User') {
    const user = state.users.get(principal.id);
    if (user?.status !== 'ACTIVE') throw new OktaError(401, 'E0000011', 'Invalid token provided');
  }
  return principal;
}

/** The resource an operation acts on, for custom roles scoped by resource sets. */
export interface Target {
  readonly userId?: string;
  readonly groupId?: string;
}

function covers(held: readonly string[], needed: string): boolean {
  if (held.includes(needed)) return true;
  // Umbrella permissions: okta.users.credentials.manage covers okta.users.credentials.*, etc.
  const parts = needed.split('.');
  for (let i = parts.length - 1; i > 1; i--) {
    if (held.includes(`${parts.slice(0, i).join('.')}.manage`)) return true;
  }
  return false;
}

/** Whether a resource set reaches the target of a permission (users through `/groups/{id}/users`). */
function inResourceSet(
  state: OrgState,
  resourceSetId: string | null,
  permission: string,
  target: Target,
): boolean {
  const set = resourceSetId ? state.resourceSets.get(resourceSetId) : undefined;
  if (!set) return false;
  const paths = set.resources.map((r) => new URL(r.href).pathname.replace(/\/+$/, ''));
  if (permission.startsWith('okta.users.') && target.userId) {
    const userId = target.userId;
    return paths.some((path) => {
      if (path === '/api/v1/users' || path === `/api/v1/users/${userId}`) return true;
      const match = /^\/api\/v1\/groups\/([^/]+)\/users$/.exec(path);
      return match !== null && state.groups.get(match[1] as string)?.members.has(userId) === true;
    });
  }
  if (permission.startsWith('okta.groups.') && target.groupId) {
    return paths.some((path) => path === '/api/v1/groups' || path === `/api/v1/groups/${target.groupId}`);
  }
  return true;
}

/** The OAuth scopes (any of) that allow an operation needing `permission`. */
export function scopesFor(permission: string): readonly string[] {
  // Assigning users to groups is a groups operation for OAuth scopes.
  if (permission === 'okta.users.groupMembership.manage') return ['okta.groups.manage'];
  const area = permission.split('.')[1] ?? '';
  const base = `okta.${area}`;
  return permission === `${base}.read` ? [`${base}.read`, `${base}.manage`] : [`${base}.manage`];
}

/**
 * Whether the principal holds `permission` on `target` through one of its role assignments: a user directly or
 * through its groups; a service app through the roles assigned to it, and only within its token's scopes
 * ("Service apps with assigned admin roles are constrained to the permissions and resources that are included
 * in the role").
 * @see https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/
 */
export function holds(
  state: OrgState,
  principal: Principal,
  permission: string,
  target: Target = {},
): boolean {
  const app = principal.type === 'PublicClientApp';
  if (app && !scopesFor(permission).some((s) => principal.scopes.has(s))) return false;
  for (const assignment of state.roleAssignments.values()) {
    const applies = app
      ? assignment.principalType === 'CLIENT' && assignment.principalId === principal.id
      : (assignment.principalType === 'USER' && assignment.principalId === principal.id) ||
        (assignment.principalType === 'GROUP' &&
          state.groups.get(assignment.principalId)?.members.has(principal.id) === true);
    if (!applies) continue;
    if (assignment.type === 'CUSTOM') {
      const role = assignment.roleId ? state.roles.get(assignment.roleId) : undefined;
      if (
        covers(role?.permissions ?? [], permission) &&
        inResourceSet(state, assignment.resourceSetId, permission, target)
      ) {
        return true;
      }
      continue;
    }
    // Standard roles are org-wide here (group targets of standard roles are not emulated).
    const standard = STANDARD_ROLE_PERMISSIONS[assignment.type];
    if (standard === '*' || (standard !== undefined && covers(standard, permission))) return true;
  }
  return false;
}

/** Throws 403 E0000006 unless the principal holds `permission` (on `target`, for scoped custom roles). */
export function authorize(
  state: OrgState,
  principal: Principal,
  permission: string,
  target: Target = {},
): void {
  if (holds(state, principal, permission, target)) return;
  throw new OktaError(403, 'E0000006', 'You do not have permission to perform the requested action');
}
