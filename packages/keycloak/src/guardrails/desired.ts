/**
 * The desired guardrails as items: each names a Keycloak object, says why it exists, shows its current
 * and desired readable state, and knows how to converge it.
 * @module
 */

import { RECOVERY_ACTIONS } from '@recovery-gate/core';
import { missingEventTypes } from '../events/config.js';
import { NAMES, type ReadablePolicy, type TenantState } from './state.js';

/** Admin roles the help-desk group keeps (console navigation only; any other admin role bypasses FGAP). */
export const HELP_DESK_ROLES = ['query-groups', 'query-users'];
/** Roles the gate's service account needs. */
export const GATE_ROLES = [
  'manage-users',
  'view-users',
  'query-users',
  'query-groups',
  'view-events',
  'manage-events',
  'manage-realm',
  'view-realm',
  'manage-authorization',
  'view-clients',
  'manage-clients',
];
/** Permissions of the status attribute in the user profile: admins edit, the user may view. */
export const STATUS_PERMISSIONS = { view: ['admin', 'user'], edit: ['admin'] };
const USER_SCOPES = [
  'impersonate',
  'manage',
  'manage-group-membership',
  'map-roles',
  'reset-password',
  'view',
];

/** The Users scopes the server has (Keycloak refuses a scope its version lacks). */
function userScopes(st: TenantState): string[] {
  return USER_SCOPES.filter((s) => s !== 'reset-password' || st.fgap.resetPassword);
}

/** One desired object. `after` null means it should not exist. */
export interface DesiredItem {
  readonly key: string;
  readonly resource: string;
  readonly name: string;
  readonly reason: string;
  readonly before: unknown;
  readonly after: unknown;
}

const permission = (p: Omit<ReadablePolicy, 'type' | 'logic'>): ReadablePolicy => ({
  type: 'scope',
  logic: 'POSITIVE',
  ...p,
  resources: [...(p.resources ?? [])].sort(),
  scopes: [...(p.scopes ?? [])].sort(),
  policies: [...(p.policies ?? [])].sort(),
});

function eventsItem(st: TenantState): DesiredItem {
  const missing = missingEventTypes(st.events);
  return {
    key: 'events',
    resource: 'realm_events',
    name: 'events config',
    reason:
      'Login events and admin events with representations are the audit trail for triggers, bypasses and channel dates.',
    before: {
      eventsEnabled: st.events.eventsEnabled === true,
      adminEventsEnabled: st.events.adminEventsEnabled === true,
      adminEventsDetailsEnabled: st.events.adminEventsDetailsEnabled === true,
      missingEventTypes: missing,
    },
    after: {
      eventsEnabled: true,
      adminEventsEnabled: true,
      adminEventsDetailsEnabled: true,
      missingEventTypes: [],
    },
  };
}

function profileItem(st: TenantState, attribute: string): DesiredItem | null {
  if (st.profile === null) return null;
  const decl = (st.profile.attributes ?? []).find((a) => a.name === attribute);
  return {
    key: 'profile',
    resource: 'user_profile_attribute',
    name: attribute,
    reason: 'The case status is shown on the user profile; only admins (the gate) may edit it.',
    before:
      decl === undefined
        ? null
        : {
            permissions: {
              view: [...(decl.permissions?.view ?? [])].sort(),
              edit: [...(decl.permissions?.edit ?? [])].sort(),
            },
          },
    after: { permissions: STATUS_PERMISSIONS },
  };
}

function groupItems(st: TenantState, parent: string): DesiredItem[] {
  const items: DesiredItem[] = [
    {
      key: 'group:parent',
      resource: 'group',
      name: parent,
      reason: 'Parent of the request groups agents add users to.',
      before: st.parentId === null ? null : { path: parent },
      after: { path: parent },
    },
  ];
  for (const action of RECOVERY_ACTIONS) {
    const path = `${parent}/${action}`;
    items.push({
      key: `group:${action}`,
      resource: 'group',
      name: path,
      reason: `Adding a user here in the console requests ${action} through the gate.`,
      before: st.children.has(action) ? { path } : null,
      after: { path },
    });
  }
  return items;
}

function policyItems(st: TenantState, parent: string, helpDesk: string): DesiredItem[] {
  const current = (name: string): ReadablePolicy | null => st.policies.get(name)?.readable ?? null;
  const item = (
    key: string,
    name: string,
    reason: string,
    after: ReadablePolicy | null,
  ): DesiredItem | null => {
    const before = current(name);
    return before === null && after === null
      ? null
      : {
          key,
          resource: after?.type === 'scope' || before?.type === 'scope' ? 'fgap_permission' : 'fgap_policy',
          name,
          reason,
          before,
          after,
        };
  };
  const items = [
    item('policy:helpdesk', NAMES.helpDeskPolicy, 'Identifies help-desk agents in the permissions below.', {
      type: 'group',
      logic: 'POSITIVE',
      groups: [`/${helpDesk}`],
    }),
    st.defaultRole === null
      ? null
      : item(
          'policy:nobody',
          NAMES.nobodyPolicy,
          'A policy that matches nobody, so a permission using it is a deny.',
          { type: 'role', logic: 'NEGATIVE', roles: [st.defaultRole.name] },
        ),
    item(
      'perm:users',
      NAMES.usersPermission,
      'Agents may find users and put them into request groups, nothing else (no manage, no reset-password).',
      permission({
        resourceType: 'Users',
        resources: [],
        scopes: ['manage-group-membership', 'view'],
        policies: [NAMES.helpDeskPolicy],
      }),
    ),
    item(
      'perm:groups',
      NAMES.groupsPermission,
      'Agents may manage membership of the request groups only.',
      permission({
        resourceType: 'Groups',
        resources: RECOVERY_ACTIONS.map((a) => `${parent}/${a}`),
        scopes: ['manage-membership', 'view'],
        policies: [NAMES.helpDeskPolicy],
      }),
    ),
    item(
      'perm:privileged-groups',
      NAMES.privilegedGroups,
      'Members of privileged groups are off limits to every FGAP grant (resource-specific permissions win; a deny wins).',
      st.privilegedGroups.length === 0 || st.defaultRole === null
        ? null
        : permission({
            resourceType: 'Groups',
            resources: st.privilegedGroups.map((g) => g.label),
            scopes: st.fgap.membershipOfMembers
              ? ['manage-members', 'manage-membership-of-members', 'view-members']
              : ['manage-members', 'view-members'],
            policies: [NAMES.nobodyPolicy],
          }),
    ),
    item(
      'perm:privileged-users',
      NAMES.privilegedUsers,
      'Users holding privileged roles directly are off limits to every FGAP grant.',
      st.privilegedUsers.length === 0 || st.defaultRole === null
        ? null
        : permission({
            resourceType: 'Users',
            resources: st.privilegedUsers.map((u) => u.label),
            scopes: userScopes(st),
            policies: [NAMES.nobodyPolicy],
          }),
    ),
  ];
  return items.filter((i): i is DesiredItem => i !== null);
}

/** Every desired item, in apply order. */
export function desiredItems(
  st: TenantState,
  config: { readonly parent: string; readonly helpDesk: string; readonly statusAttribute: string },
): DesiredItem[] {
  const items: DesiredItem[] = [eventsItem(st)];
  const profile = profileItem(st, config.statusAttribute);
  if (profile !== null) items.push(profile);
  items.push(...groupItems(st, config.parent));
  items.push({
    key: 'fgap',
    resource: 'realm_setting',
    name: 'adminPermissionsEnabled',
    reason: 'Fine-grained admin permissions v2 let agents fill request groups without manage-users.',
    before: { adminPermissionsEnabled: st.fgapClientId !== null },
    after: { adminPermissionsEnabled: true },
  });
  if (st.helpDesk !== null) {
    items.push({
      key: 'helpdesk-roles',
      resource: 'group_role_mapping',
      name: `/${config.helpDesk} realm-management roles`,
      reason:
        'Any admin role (manage-users, view-users...) bypasses FGAP and lets agents reset credentials natively.',
      before: { roles: st.helpDesk.roles },
      after: { roles: HELP_DESK_ROLES },
    });
  }
  items.push(...policyItems(st, config.parent, config.helpDesk));
  if (st.adminScope !== null) {
    items.push({
      key: 'client-scope',
      resource: 'client_scope',
      name: 'kc-admin-api on the gate client',
      reason: 'Keycloak 26.8.2+ refuses admin API tokens without this scope.',
      before: { assigned: st.adminScope.assigned },
      after: { assigned: true },
    });
  }
  return items;
}
