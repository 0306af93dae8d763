/**
 * Reads the tenant state the guardrails compare against: events config, user profile, request groups,
 * fine-grained admin permissions v2 (policies on the admin-permissions client), help-desk role mappings,
 * privileged groups and users (found from the roles, see guardrails/holders.ts), the gate client's scopes
 * and its own roles.
 * @module
 */

import type PolicyRepresentation from '@keycloak/keycloak-admin-client/lib/defs/policyRepresentation.js';
import type { RealmEventsConfigRepresentation } from '@keycloak/keycloak-admin-client/lib/defs/realmEventsConfigRepresentation.js';
import type { UserProfileConfig } from '@keycloak/keycloak-admin-client/lib/defs/userProfileMetadata.js';
import { GateError } from '@recovery-gate/core';
import { type FgapFeatures, featuresOf, readServerVersion } from '../client/server-version.js';
import type { KcSession } from '../client.js';
import { realmManagementId } from '../facts.js';
import { findTopGroup, requestGroups } from '../status.js';
import { everyPage, privilegedHolders } from './holders.js';

/** A policy or permission, in the readable form plans show and compare. */
export interface ReadablePolicy {
  readonly type: string;
  readonly logic: string;
  readonly groups?: readonly string[];
  readonly roles?: readonly string[];
  readonly resourceType?: string;
  readonly resources?: readonly string[];
  readonly scopes?: readonly string[];
  readonly policies?: readonly string[];
}

/** Everything the plan compares. */
export interface TenantState {
  readonly events: RealmEventsConfigRepresentation;
  readonly profile: UserProfileConfig | null;
  readonly parentId: string | null;
  readonly children: ReadonlyMap<string, string>;
  readonly fgapClientId: string | null;
  readonly policies: ReadonlyMap<string, { readonly id: string; readonly readable: ReadablePolicy }>;
  readonly rmId: string;
  readonly helpDesk: { readonly id: string; readonly roles: readonly string[] } | null;
  /** Help-desk agents holding a privileged role, directly or through another group (FGAP does not apply to them). */
  readonly helpDeskPrivileged: readonly string[];
  /** Roles outside realm-management that make the help-desk group itself privileged. */
  readonly helpDeskVia: readonly string[];
  /** True when the realm's default role includes a privileged role (every user is privileged). */
  readonly defaultRolePrivileged: boolean;
  readonly privilegedGroups: readonly { readonly id: string; readonly label: string }[];
  readonly privilegedUsers: readonly { readonly id: string; readonly label: string }[];
  readonly defaultRole: { readonly id: string; readonly name: string } | null;
  readonly adminScope: { readonly id: string; readonly assigned: boolean } | null;
  readonly gateClientId: string | null;
  readonly selfRoles: readonly string[];
  /** id -> readable label for groups and users the plan names. */
  readonly labels: ReadonlyMap<string, string>;
  /** The FGAP v2 scopes the server's version has. */
  readonly fgap: FgapFeatures;
}

/** Names of the guardrail objects (stable: plans match by name). */
export const NAMES = {
  helpDeskPolicy: 'recovery-gate: help desk',
  nobodyPolicy: 'recovery-gate: nobody',
  usersPermission: 'recovery-gate: help desk may request recovery',
  groupsPermission: 'recovery-gate: help desk may fill request groups',
  privilegedGroups: 'recovery-gate: privileged groups are off limits',
  privilegedUsers: 'recovery-gate: privileged users are off limits',
} as const;

async function optional<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof GateError && (error.code === 'ERR_IDP_FORBIDDEN' || error.details.status === 404))
      return null;
    throw error;
  }
}

async function readPolicies(
  s: KcSession,
  clientId: string,
  labels: Map<string, string>,
  defaultRole: { id: string; name: string } | null,
): Promise<Map<string, { id: string; readable: ReadablePolicy }>> {
  const listed = await s.call((kc) =>
    kc.clients.listPolicies({ realm: s.realm, id: clientId, first: 0, max: 1000 }),
  );
  const ours = (listed === '' ? [] : listed).filter(
    (p) => typeof p.name === 'string' && p.name.startsWith('recovery-gate: '),
  );
  const out = new Map<string, { id: string; readable: ReadablePolicy }>();
  for (const p of ours)
    out.set(p.name as string, {
      id: p.id as string,
      readable: await readOne(s, clientId, p, labels, defaultRole),
    });
  return out;
}

async function readOne(
  s: KcSession,
  clientId: string,
  p: PolicyRepresentation,
  labels: Map<string, string>,
  defaultRole: { id: string; name: string } | null,
): Promise<ReadablePolicy> {
  const id = p.id as string;
  const base = { type: p.type ?? '', logic: p.logic ?? 'POSITIVE' };
  if (p.type === 'group' || p.type === 'role') {
    const typed = (await s.call((kc) =>
      kc.clients.findOnePolicyWithType({
        realm: s.realm,
        id: clientId,
        type: p.type as string,
        policyId: id,
      }),
    )) as unknown as {
      groups?: { id: string }[];
      roles?: { id: string }[];
    };
    if (p.type === 'group')
      return { ...base, groups: (typed.groups ?? []).map((g) => labels.get(g.id) ?? `id:${g.id}`).sort() };
    return {
      ...base,
      roles: (typed.roles ?? [])
        .map((r) => (r.id === defaultRole?.id ? defaultRole.name : `id:${r.id}`))
        .sort(),
    };
  }
  const q = { realm: s.realm, id: clientId, permissionId: id };
  const [resources, scopes, policies] = await Promise.all([
    s.call((kc) => kc.clients.getAssociatedResources(q)),
    s.call((kc) => kc.clients.getAssociatedScopes(q)),
    s.call((kc) => kc.clients.getAssociatedPolicies(q)),
  ]);
  const named = resources.map((r) => r.name).filter((n) => n !== p.resourceType);
  return {
    ...base,
    resourceType: p.resourceType ?? '',
    resources: named.map((n) => labels.get(n) ?? `id:${n}`).sort(),
    scopes: scopes.map((x) => x.name).sort(),
    policies: policies.map((x) => x.name ?? '').sort(),
  };
}

const PAGE = 1000;

/** Reads the tenant state. */
export async function readTenant(s: KcSession): Promise<TenantState> {
  const rmId = await realmManagementId(s);
  if (rmId === null)
    throw new GateError(
      'ERR_IDP_FORBIDDEN',
      'The gate cannot see the realm-management client (needs view-clients).',
    );
  const [events, profile, realm, reqGroups, helpDeskGroup, self, version] = await Promise.all([
    s.call((kc) => kc.realms.getConfigEvents({ realm: s.realm })),
    optional(() => s.call((kc) => kc.users.getProfile({ realm: s.realm }))),
    s.call((kc) => kc.realms.findOne({ realm: s.realm })),
    requestGroups(s, true),
    findTopGroup(s, s.config.helpDeskGroup),
    s.selfUserId(),
    readServerVersion(s),
  ]);
  const defaultRole =
    realm?.defaultRole?.id !== undefined && realm.defaultRole.name !== undefined
      ? { id: realm.defaultRole.id, name: realm.defaultRole.name }
      : null;
  const helpDeskRoles =
    helpDeskGroup === null
      ? null
      : await s.call(
          (kc) =>
            kc.groups.listClientRoleMappings({ realm: s.realm, id: helpDeskGroup.id, clientUniqueId: rmId }),
          'group',
        );
  const priv = await privilegedHolders(s, rmId, helpDeskGroup?.id ?? null, defaultRole?.id ?? null);
  const agents =
    helpDeskGroup === null
      ? []
      : await everyPage((first) =>
          s.call(
            (kc) => kc.groups.listMembers({ realm: s.realm, id: helpDeskGroup.id, first, max: PAGE }),
            'group',
          ),
        );
  const privilegedIds = new Set([...priv.members, ...priv.users.map((u) => u.id)]);
  const helpDeskPrivileged = agents
    .filter((a) => typeof a.id === 'string' && privilegedIds.has(a.id))
    .map((a) => a.username ?? a.id ?? '');
  // Labels for every group and user a guardrail object may name (policies are read back through them).
  const parent = s.config.requestGroups.parent;
  const labels = new Map<string, string>(priv.groups.map((g) => [g.id, g.label]));
  if (reqGroups.parentId !== null) labels.set(reqGroups.parentId, parent);
  for (const [action, id] of reqGroups.byAction) labels.set(id, `${parent}/${action}`);
  if (helpDeskGroup !== null) labels.set(helpDeskGroup.id, `/${helpDeskGroup.name}`);
  for (const u of priv.users) labels.set(u.id, u.label);
  const fgapClientId =
    realm?.adminPermissionsEnabled === true
      ? ((realm as { adminPermissionsClient?: { id?: string } }).adminPermissionsClient?.id ?? null)
      : null;
  const [gateClient] = await s.call((kc) =>
    kc.clients.find({ realm: s.realm, clientId: s.config.auth.clientId }),
  );
  const scopes = await s.call((kc) => kc.clientScopes.find({ realm: s.realm }));
  const adminScopeId = scopes.find((c) => c.name === 'kc-admin-api')?.id;
  const gateScopes =
    gateClient?.id === undefined
      ? []
      : await s.call((kc) =>
          kc.clients.listDefaultClientScopes({ realm: s.realm, id: gateClient.id as string }),
        );
  const selfRoles = await s.call(
    (kc) => kc.users.listCompositeClientRoleMappings({ realm: s.realm, id: self, clientUniqueId: rmId }),
    'user',
  );
  return {
    events,
    profile,
    parentId: reqGroups.parentId,
    children: new Map([...reqGroups.byAction].map(([a, id]) => [a as string, id])),
    fgapClientId,
    policies: fgapClientId === null ? new Map() : await readPolicies(s, fgapClientId, labels, defaultRole),
    rmId,
    helpDesk:
      helpDeskGroup === null
        ? null
        : { id: helpDeskGroup.id, roles: (helpDeskRoles ?? []).map((r) => r.name ?? '').sort() },
    helpDeskPrivileged,
    helpDeskVia: priv.helpDeskVia,
    defaultRolePrivileged: priv.defaultRolePrivileged,
    privilegedGroups: priv.groups,
    privilegedUsers: priv.users,
    defaultRole,
    adminScope:
      adminScopeId === undefined
        ? null
        : { id: adminScopeId, assigned: gateScopes.some((c) => c.id === adminScopeId) },
    gateClientId: gateClient?.id ?? null,
    selfRoles: selfRoles.map((r) => r.name ?? '').sort(),
    labels,
    fgap: featuresOf(version),
  };
}
