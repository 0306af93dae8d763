/**
 * Converging one guardrail item. Each step reads what it changes first (events config, user profile,
 * role mappings are merged, never overwritten blindly) and tolerates "already exists".
 * @module
 */

import type PolicyRepresentation from '@keycloak/keycloak-admin-client/lib/defs/policyRepresentation.js';
import { GateError } from '@recovery-gate/core';
import type { KcSession } from '../client.js';
import { restoreEventsConfig } from '../events/config.js';
import { requestGroups } from '../status.js';
import { type DesiredItem, HELP_DESK_ROLES, STATUS_PERMISSIONS } from './desired.js';
import { NAMES, type ReadablePolicy, type TenantState } from './state.js';

const conflictIsFine = async (work: () => Promise<unknown>): Promise<void> => {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof GateError && error.code === 'ERR_IDP_CONFLICT')) throw error;
  }
};

async function applyEvents(s: KcSession): Promise<void> {
  await restoreEventsConfig(s);
}

async function applyProfile(s: KcSession): Promise<void> {
  const profile = await s.call((kc) => kc.users.getProfile({ realm: s.realm }));
  const name = s.config.statusAttribute;
  const others = (profile.attributes ?? []).filter((a) => a.name !== name);
  const attribute = {
    name,
    displayName: 'Recovery case status',
    permissions: STATUS_PERMISSIONS,
    multivalued: false,
  };
  await s.call((kc) =>
    kc.users.updateProfile({ ...profile, realm: s.realm, attributes: [...others, attribute] }),
  );
}

async function applyGroup(s: KcSession, key: string): Promise<void> {
  const parentName = s.config.requestGroups.parent.slice(1);
  if (key === 'group:parent') {
    await conflictIsFine(() => s.call((kc) => kc.groups.create({ realm: s.realm, name: parentName })));
    return;
  }
  const groups = await requestGroups(s, true);
  if (groups.parentId === null)
    throw new GateError('ERR_GROUP_NOT_FOUND', `The parent group /${parentName} does not exist yet.`);
  const action = key.slice('group:'.length);
  await conflictIsFine(() =>
    s.call(
      (kc) => kc.groups.createChildGroup({ realm: s.realm, id: groups.parentId as string }, { name: action }),
      'group',
    ),
  );
  await requestGroups(s, true);
}

async function applyHelpDeskRoles(s: KcSession, st: TenantState): Promise<void> {
  const helpDesk = st.helpDesk;
  if (helpDesk === null) return;
  const q = { realm: s.realm, id: helpDesk.id, clientUniqueId: st.rmId };
  const current = await s.call((kc) => kc.groups.listClientRoleMappings(q), 'group');
  const extra = current.filter((r) => !HELP_DESK_ROLES.includes(r.name ?? ''));
  if (extra.length > 0)
    await s.call((kc) =>
      kc.groups.delClientRoleMappings({
        ...q,
        roles: extra.map((r) => ({ id: r.id as string, name: r.name as string })),
      }),
    );
  const missing = HELP_DESK_ROLES.filter((n) => !current.some((r) => r.name === n));
  if (missing.length === 0) return;
  const roles = await Promise.all(
    missing.map((roleName) => s.call((kc) => kc.clients.findRole({ realm: s.realm, id: st.rmId, roleName }))),
  );
  const payload = roles
    .filter((r) => r !== null && typeof r.id === 'string')
    .map((r) => ({ id: r?.id as string, name: r?.name as string }));
  await s.call((kc) => kc.groups.addClientRoleMappings({ ...q, roles: payload }));
}

function idsFor(st: TenantState, labels: readonly string[], kind: 'group' | 'user'): string[] {
  const byLabel = new Map<string, string>();
  for (const [id, label] of st.labels) byLabel.set(label, id);
  for (const [action, id] of st.children) byLabel.set(`${stParent(st)}/${action}`, id);
  if (kind === 'user') for (const u of st.privilegedUsers) byLabel.set(u.label, u.id);
  return labels.map((l) => {
    const id = byLabel.get(l);
    if (id === undefined)
      throw new GateError('ERR_GROUP_NOT_FOUND', `Cannot resolve ${kind} ${l} for a permission.`);
    return id;
  });
}

const stParent = (st: TenantState): string =>
  st.parentId === null ? '' : (st.labels.get(st.parentId) ?? '');

function payloadOf(
  s: KcSession,
  st: TenantState,
  name: string,
  desired: ReadablePolicy,
  policyIds: Map<string, string>,
): PolicyRepresentation {
  const base = {
    name,
    description: 'Managed by recovery-gate apply; edits are reverted.',
    logic: desired.logic as 'POSITIVE',
    decisionStrategy: 'UNANIMOUS' as const,
  };
  if (desired.type === 'group') {
    return {
      ...base,
      type: 'group',
      groups: idsFor(st, desired.groups ?? [], 'group').map((id) => ({ id, extendChildren: false })),
    } as PolicyRepresentation;
  }
  if (desired.type === 'role') {
    return {
      ...base,
      type: 'role',
      roles: st.defaultRole === null ? [] : [{ id: st.defaultRole.id, required: false }],
    } as PolicyRepresentation;
  }
  const policies = (desired.policies ?? []).map((n) => policyIds.get(n) ?? st.policies.get(n)?.id ?? n);
  const resources = idsFor(st, desired.resources ?? [], desired.resourceType === 'Users' ? 'user' : 'group');
  void s;
  return {
    ...base,
    type: 'scope',
    resourceType: desired.resourceType,
    resources,
    scopes: [...(desired.scopes ?? [])],
    policies,
  } as PolicyRepresentation;
}

async function applyPolicy(
  s: KcSession,
  st: TenantState,
  item: DesiredItem,
  policyIds: Map<string, string>,
): Promise<void> {
  const fgap = st.fgapClientId;
  if (fgap === null)
    throw new GateError('ERR_IDP_CONFLICT', 'Fine-grained admin permissions are not enabled yet.');
  const existing = st.policies.get(item.name);
  if (item.after === null) {
    if (existing !== undefined)
      await s.call((kc) => kc.clients.delPolicy({ realm: s.realm, id: fgap, policyId: existing.id }));
    return;
  }
  const desired = item.after as ReadablePolicy;
  const payload = payloadOf(s, st, item.name, desired, policyIds);
  const isPermission = desired.type === 'scope';
  if (existing === undefined) {
    const created = await s.call((kc) =>
      isPermission
        ? kc.clients.createPermission({ realm: s.realm, id: fgap, type: desired.type }, payload)
        : kc.clients.createPolicy({ realm: s.realm, id: fgap, type: desired.type }, payload),
    );
    if (typeof created?.id === 'string') policyIds.set(item.name, created.id);
    return;
  }
  const body = { ...payload, id: existing.id };
  await s.call((kc) =>
    isPermission
      ? kc.clients.updatePermission(
          { realm: s.realm, id: fgap, type: desired.type, permissionId: existing.id },
          body,
        )
      : kc.clients.updatePolicy(
          { realm: s.realm, id: fgap, type: desired.type, policyId: existing.id },
          body,
        ),
  );
}

/** Converges one item. */
export async function applyItem(
  s: KcSession,
  st: TenantState,
  item: DesiredItem,
  policyIds: Map<string, string>,
): Promise<void> {
  if (item.key === 'events') return applyEvents(s);
  if (item.key === 'profile') return applyProfile(s);
  if (item.key.startsWith('group:')) return applyGroup(s, item.key);
  if (item.key === 'fgap')
    return s.call((kc) => kc.realms.update({ realm: s.realm }, { adminPermissionsEnabled: true } as never));
  if (item.key === 'helpdesk-roles') return applyHelpDeskRoles(s, st);
  if (item.key.startsWith('policy:') || item.key.startsWith('perm:'))
    return applyPolicy(s, st, item, policyIds);
  if (item.key === 'client-scope' && st.adminScope !== null && st.gateClientId !== null) {
    const { id } = st.adminScope;
    const client = st.gateClientId;
    return s.call((kc) =>
      kc.clients.addDefaultClientScope({ realm: s.realm, id: client, clientScopeId: id }),
    );
  }
  return undefined;
}

/** Names, re-exported for tests. */
export { NAMES };
