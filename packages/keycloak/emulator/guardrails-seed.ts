/**
 * Seeds a realm with the recovery guardrails already in place (as a tenant after `apply`): events on,
 * request groups, fine-grained admin permissions v2 for the help desk, a deny on privileged groups.
 * Written from keycloak.md §5.3, independently of the adapter.
 * @module
 */

import { ADMIN_PERMISSIONS_CLIENT } from './fgap.js';
import { fgapScopes } from './routes-authz.js';
import { addClient, addGroup } from './seed.js';
import type { EmuClient, EmuGroup, Realm } from './state.js';
import { clientByClientId, newId } from './state.js';

/** The request actions, one child group each under `/recovery-requests`. */
export const REQUEST_ACTIONS = [
  'password_reset',
  'account_unlock',
  'mfa_reset',
  'authenticator_rebind',
  'recovery_contact_change',
  'emergency_access',
];

/** realm-management roles that make their holders privileged (any of them bypasses FGAP). */
const PRIVILEGED_ROLES = [
  'realm-admin',
  'manage-users',
  'manage-realm',
  'manage-clients',
  'manage-authorization',
  'manage-events',
  'manage-identity-providers',
  'impersonation',
  'create-client',
];

const findGroup = (realm: Realm, name: string, parentId: string | null): EmuGroup | undefined =>
  [...realm.groups.values()].find((g) => g.name === name && g.parentId === parentId);

/** Applies the guardrails directly to the realm state. */
export function seedGuardrails(realm: Realm): void {
  const s = realm.settings;
  s.eventsEnabled = true;
  s.adminEventsEnabled = true;
  s.adminEventsDetailsEnabled = true;
  s.enabledEventTypes = [];
  realm.userProfile.attributes.push({
    name: 'recoveryCaseStatus',
    displayName: 'Recovery case status',
    permissions: { view: ['admin', 'user'], edit: ['admin'] },
    multivalued: false,
  });
  const parent = findGroup(realm, 'recovery-requests', null) ?? addGroup(realm, 'recovery-requests');
  const children = REQUEST_ACTIONS.map(
    (a) => findGroup(realm, a, parent.id) ?? addGroup(realm, a, parent.id),
  );
  s.adminPermissionsEnabled = true;
  const fgap =
    clientByClientId(realm, ADMIN_PERMISSIONS_CLIENT) ??
    addClient(realm, { clientId: ADMIN_PERMISSIONS_CLIENT });
  const helpDesk = findGroup(realm, 'HelpDesk', null);
  const rm = clientByClientId(realm, 'realm-management') as EmuClient;
  if (helpDesk !== undefined) helpDesk.clientRoles.set(rm.id, new Set(['query-users', 'query-groups']));
  const policy = (p: Omit<Parameters<typeof fgap.policies.push>[0], 'id'>): string => {
    const id = newId();
    fgap.policies.push({ ...p, id });
    return id;
  };
  const base = {
    logic: 'POSITIVE' as const,
    decisionStrategy: 'UNANIMOUS' as const,
    groups: [],
    roles: [],
    resources: [],
    scopes: [],
    policies: [],
  };
  const hd = policy({
    ...base,
    name: 'recovery-gate: help desk',
    type: 'group',
    groups: helpDesk === undefined ? [] : [{ id: helpDesk.id, extendChildren: false }],
  });
  const defaultRole = realm.realmRoles.get(`default-roles-${s.realm}`);
  const nobody = policy({
    ...base,
    name: 'recovery-gate: nobody',
    type: 'role',
    logic: 'NEGATIVE',
    roles: defaultRole === undefined ? [] : [{ id: defaultRole.id, required: false }],
  });
  policy({
    ...base,
    name: 'recovery-gate: help desk may request recovery',
    type: 'scope',
    resourceType: 'Users',
    scopes: ['view', 'manage-group-membership'],
    policies: [hd],
  });
  policy({
    ...base,
    name: 'recovery-gate: help desk may fill request groups',
    type: 'scope',
    resourceType: 'Groups',
    resources: children.map((c) => c.id),
    scopes: ['view', 'manage-membership'],
    policies: [hd],
  });
  // Only the scopes the server's version has, as apply on that version would have written.
  const has = fgapScopes(realm.settings.serverVersion);
  const isPrivileged = (roles: Set<string> | undefined): boolean =>
    [...(roles ?? [])].some((r) => PRIVILEGED_ROLES.includes(r));
  const holders = [...realm.users.values()].filter((u) => isPrivileged(u.clientRoles.get(rm.id)));
  if (holders.length > 0) {
    policy({
      ...base,
      name: 'recovery-gate: privileged users are off limits',
      type: 'scope',
      resourceType: 'Users',
      resources: holders.map((u) => u.id),
      scopes: [
        'view',
        'manage',
        'manage-group-membership',
        'map-roles',
        'impersonate',
        'reset-password',
      ].filter((s) => has.Users?.includes(s)),
      policies: [nobody],
    });
  }
  const privileged = [...realm.groups.values()].filter(
    (g) => g.id !== helpDesk?.id && isPrivileged(g.clientRoles.get(rm.id)),
  );
  if (privileged.length > 0) {
    policy({
      ...base,
      name: 'recovery-gate: privileged groups are off limits',
      type: 'scope',
      resourceType: 'Groups',
      resources: privileged.map((g) => g.id),
      scopes: ['view-members', 'manage-members', 'manage-membership-of-members'].filter((s) =>
        has.Groups?.includes(s),
      ),
      policies: [nobody],
    });
  }
}
