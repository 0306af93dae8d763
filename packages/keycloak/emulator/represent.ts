/**
 * Representations the admin API returns (UserRepresentation, GroupRepresentation, RoleRepresentation...).
 * @module
 */

import type { EmuCredential, EmuGroup, EmuRole, EmuSession, EmuUser, Realm } from './state.js';
import { groupPath } from './state.js';

/** UserRepresentation (full or brief). */
export function userRep(user: EmuUser, brief = false): Record<string, unknown> {
  const rep: Record<string, unknown> = {
    id: user.id,
    username: user.username,
    ...(user.firstName === undefined ? {} : { firstName: user.firstName }),
    ...(user.lastName === undefined ? {} : { lastName: user.lastName }),
    ...(user.email === undefined ? {} : { email: user.email }),
    emailVerified: user.emailVerified,
    enabled: user.enabled,
    createdTimestamp: user.createdTimestamp,
    totp: user.credentials.some((c) => c.type === 'otp'),
    notBefore: user.notBefore,
  };
  if (brief) return rep;
  return {
    ...rep,
    attributes: structuredClone(user.attributes),
    requiredActions: [...user.requiredActions],
    disableableCredentialTypes: [],
    access: { manageGroupMembership: true, view: true, mapRoles: true, impersonate: true, manage: true },
    ...(user.serviceAccountClientId === undefined
      ? {}
      : { serviceAccountClientId: user.serviceAccountClientId }),
  };
}

/** GroupRepresentation; with `subGroups` when asked. */
export function groupRep(realm: Realm, group: EmuGroup, withSubGroups = false): Record<string, unknown> {
  const children = [...realm.groups.values()].filter((g) => g.parentId === group.id);
  return {
    id: group.id,
    name: group.name,
    path: groupPath(realm, group),
    ...(group.parentId === null ? {} : { parentId: group.parentId }),
    ...(group.description === undefined ? {} : { description: group.description }),
    subGroupCount: children.length,
    subGroups: withSubGroups ? children.map((c) => groupRep(realm, c, true)) : [],
    attributes: structuredClone(group.attributes),
    realmRoles: [...group.realmRoles],
    clientRoles: {},
    access: { view: true, viewMembers: true, manageMembers: true, manage: true, manageMembership: true },
  };
}

/** RoleRepresentation. */
export function roleRep(
  name: string,
  role: EmuRole,
  containerId: string,
  clientRole: boolean,
): Record<string, unknown> {
  const composite = role.composites.length > 0 || (role.links ?? []).length > 0;
  return { id: role.id, name, composite, clientRole, containerId };
}

/** CredentialRepresentation without secret data. */
export function credentialRep(c: EmuCredential): Record<string, unknown> {
  return {
    id: c.id,
    type: c.type,
    ...(c.userLabel === undefined ? {} : { userLabel: c.userLabel }),
    createdDate: c.createdDate,
    ...(c.credentialData === undefined ? {} : { credentialData: c.credentialData }),
    priority: c.priority,
  };
}

/** UserSessionRepresentation. */
export function sessionRep(realm: Realm, s: EmuSession, user: EmuUser): Record<string, unknown> {
  const clients: Record<string, string> = {};
  for (const id of s.clients) {
    const c = realm.clients.get(id);
    if (c !== undefined) clients[id] = c.clientId;
  }
  return {
    id: s.id,
    username: user.username,
    userId: user.id,
    ipAddress: '127.0.0.1',
    start: s.start,
    lastAccess: s.lastAccess,
    rememberMe: false,
    clients,
    transientUser: false,
  };
}
