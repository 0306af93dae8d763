/**
 * Admin API: users, their groups, role mappings and profile updates.
 * @module
 */

import {
  adminEvent,
  authenticate,
  type Emu,
  forbidden,
  requireRole,
  targetGroup,
  targetUser,
} from './context.js';
import { canGroup, canUser } from './fgap.js';
import { HttpError, messageError, type Req, type Res, type Router } from './http.js';
import { groupRep, roleRep, userRep } from './represent.js';
import type { EmuUser } from './state.js';
import { effectiveClientRoles, effectiveRealmRoles, groupPath, withAncestors } from './state.js';

/** Required actions registered and enabled in the realm. */
export const REQUIRED_ACTIONS = [
  'CONFIGURE_TOTP',
  'TERMS_AND_CONDITIONS',
  'UPDATE_PASSWORD',
  'UPDATE_PROFILE',
  'VERIFY_EMAIL',
  'VERIFY_PROFILE',
  'CONFIGURE_RECOVERY_AUTHN_CODES',
  'delete_credential',
  'update_user_locale',
  'webauthn-register',
  'webauthn-register-passwordless',
];

const U = '/admin/realms/:realm/users';

function matches(user: EmuUser, q: URLSearchParams): boolean {
  const exact = q.get('exact') === 'true';
  const like = (value: string | undefined, needle: string | null): boolean =>
    needle === null ||
    (value !== undefined &&
      (exact
        ? value.toLowerCase() === needle.toLowerCase()
        : value.toLowerCase().includes(needle.toLowerCase())));
  const search = q.get('search');
  if (
    search !== null &&
    search !== '*' &&
    !like(user.username, search) &&
    !like(user.email, search) &&
    !like(user.firstName, search) &&
    !like(user.lastName, search)
  ) {
    return false;
  }
  if (!like(user.username, q.get('username')) || !like(user.email, q.get('email'))) return false;
  for (const term of (q.get('q') ?? '').split(' ').filter((t) => t.includes(':'))) {
    const [key, ...rest] = term.split(':');
    if (!(user.attributes[key ?? '']?.includes(rest.join(':')) ?? false)) return false;
  }
  return !user.username.startsWith('service-account-') || search === null;
}

function listUsers(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  const roleOk = ['view-users', 'manage-users', 'query-users'].some((r) => {
    try {
      requireRole(emu, caller, r);
      return true;
    } catch {
      return false;
    }
  });
  const first = Number(req.query.get('first') ?? 0);
  const max = Number(req.query.get('max') ?? 100);
  const brief = req.query.get('briefRepresentation') === 'true';
  const found = [...emu.realm.users.values()]
    .filter((u) => matches(u, req.query))
    .filter((u) => roleOk || canUser(emu.realm, caller.user, 'view', u));
  return { status: 200, body: found.slice(first, first + max).map((u) => userRep(u, brief)) };
}

function updateUser(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  const user = targetUser(emu, caller, req.params.id ?? '', 'manage');
  const rep = req.body as Record<string, unknown> | undefined;
  if (typeof rep !== 'object' || rep === null || Array.isArray(rep))
    throw messageError(400, 'Invalid user representation');
  if (Array.isArray(rep.requiredActions)) {
    const bad = rep.requiredActions.filter((a) => typeof a !== 'string' || !REQUIRED_ACTIONS.includes(a));
    if (bad.length > 0) throw messageError(400, 'Provided invalid required actions');
  }
  if (typeof rep.email === 'string' && rep.email !== user.email) {
    user.email = rep.email;
    user.emailVerified = rep.emailVerified === true;
  } else if (typeof rep.emailVerified === 'boolean') user.emailVerified = rep.emailVerified;
  if (typeof rep.firstName === 'string') user.firstName = rep.firstName;
  if (typeof rep.lastName === 'string') user.lastName = rep.lastName;
  if (typeof rep.enabled === 'boolean') {
    // UserResource.updateUser: enabling a disabled or temporarily locked user removes its login failure and
    // records DELETE USER_LOGIN_FAILURE on the request's own path, users/:id.
    const failure = emu.realm.loginFailures.get(user.id);
    const locked = failure !== undefined && failure.failedLoginNotBefore > Math.floor(emu.now() / 1000);
    if (rep.enabled && (!user.enabled || locked) && failure !== undefined) {
      emu.realm.loginFailures.delete(user.id);
      adminEvent(emu, caller, 'DELETE', 'USER_LOGIN_FAILURE', `users/${user.id}`);
    }
    user.enabled = rep.enabled;
  }
  if (typeof rep.attributes === 'object' && rep.attributes !== null) {
    const attrs: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(rep.attributes as Record<string, unknown>)) {
      if (Array.isArray(v)) attrs[k] = v.map(String);
    }
    user.attributes = attrs;
  }
  // The list replaces the set (removeMissingRequiredActions=true on update).
  if (Array.isArray(rep.requiredActions)) user.requiredActions = rep.requiredActions.map(String);
  adminEvent(emu, caller, 'UPDATE', 'USER', `users/${user.id}`, rep);
  return { status: 204 };
}

function joinGroup(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  const user = targetUser(emu, caller, req.params.id ?? '', 'manage-group-membership');
  const group = targetGroup(emu, caller, req.params.groupId ?? '', 'manage-membership');
  if (!user.groups.has(group.id)) {
    user.groups.add(group.id);
    const rep = { id: group.id, name: group.name, path: groupPath(emu.realm, group) };
    adminEvent(emu, caller, 'CREATE', 'GROUP_MEMBERSHIP', `users/${user.id}/groups/${group.id}`, rep, {
      username: user.username,
      ...(user.email === undefined ? {} : { email: user.email }),
    });
  }
  return { status: 204 };
}

function leaveGroup(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  const user = targetUser(emu, caller, req.params.id ?? '', 'manage-group-membership');
  const group = emu.realm.groups.get(req.params.groupId ?? '');
  if (group === undefined) throw new HttpError(404, { error: 'Group not found' });
  if (!canGroup(emu.realm, caller.user, 'manage-membership', group)) throw forbidden();
  if (user.groups.delete(group.id)) {
    const rep = { id: group.id, name: group.name, path: groupPath(emu.realm, group) };
    adminEvent(emu, caller, 'DELETE', 'GROUP_MEMBERSHIP', `users/${user.id}/groups/${group.id}`, rep, {
      username: user.username,
      ...(user.email === undefined ? {} : { email: user.email }),
    });
  }
  return { status: 204 };
}

function roleMappings(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  const user = targetUser(emu, caller, req.params.id ?? '', 'view');
  const realmMappings = [...user.realmRoles].flatMap((name) => {
    const role = emu.realm.realmRoles.get(name);
    return role === undefined ? [] : [roleRep(name, role, emu.realm.settings.id, false)];
  });
  const clientMappings: Record<string, unknown> = {};
  for (const [cid, names] of user.clientRoles) {
    const client = emu.realm.clients.get(cid);
    if (client === undefined || names.size === 0) continue;
    clientMappings[client.clientId] = {
      id: client.id,
      client: client.clientId,
      mappings: [...names].flatMap((n) => {
        const role = client.roles.get(n);
        return role === undefined ? [] : [roleRep(n, role, client.id, true)];
      }),
    };
  }
  return {
    status: 200,
    body: { realmMappings, ...(Object.keys(clientMappings).length > 0 ? { clientMappings } : {}) },
  };
}

function compositeRealm(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  const user = targetUser(emu, caller, req.params.id ?? '', 'view');
  const names = effectiveRealmRoles(emu.realm, user);
  return {
    status: 200,
    body: [...names].flatMap((n) => {
      const role = emu.realm.realmRoles.get(n);
      return role === undefined ? [] : [roleRep(n, role, emu.realm.settings.id, false)];
    }),
  };
}

function compositeClient(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  const user = targetUser(emu, caller, req.params.id ?? '', 'view');
  const client = emu.realm.clients.get(req.params.client ?? '');
  if (client === undefined) throw new HttpError(404, { error: 'Client not found' });
  const names = effectiveClientRoles(emu.realm, user, client.id);
  return {
    status: 200,
    body: [...names].flatMap((n) => {
      const role = client.roles.get(n);
      return role === undefined ? [] : [roleRep(n, role, client.id, true)];
    }),
  };
}

/** Registers the user routes. */
export function userRoutes(router: Router, emu: Emu): void {
  router.on('GET', `${U}/profile`, (req) => {
    authenticate(emu, req);
    return { status: 200, body: structuredClone(emu.realm.userProfile) };
  });
  router.on('PUT', `${U}/profile`, (req) => {
    const caller = authenticate(emu, req);
    requireRole(emu, caller, 'manage-realm');
    const rep = req.body as
      | { attributes?: unknown; groups?: unknown; unmanagedAttributePolicy?: unknown }
      | undefined;
    if (!Array.isArray(rep?.attributes)) throw messageError(400, 'Invalid user profile configuration');
    const names = (rep.attributes as { name?: unknown }[]).map((a) => a.name);
    if (!names.includes('username') || !names.includes('email'))
      throw messageError(400, 'The attributes username and email cannot be removed');
    emu.realm.userProfile = {
      attributes: rep.attributes as Record<string, unknown>[],
      groups: Array.isArray(rep.groups) ? (rep.groups as Record<string, unknown>[]) : [],
      ...(typeof rep.unmanagedAttributePolicy === 'string'
        ? { unmanagedAttributePolicy: rep.unmanagedAttributePolicy }
        : {}),
    };
    adminEvent(emu, caller, 'UPDATE', 'USER_PROFILE', 'users/profile', rep);
    return { status: 200, body: structuredClone(emu.realm.userProfile) };
  });
  router.on('GET', U, (req) => listUsers(emu, req));
  router.on('GET', `${U}/count`, (req) => ({
    status: 200,
    body: (listUsers(emu, req).body as unknown[]).length,
  }));
  router.on('GET', `${U}/:id`, (req) => {
    const caller = authenticate(emu, req);
    return { status: 200, body: userRep(targetUser(emu, caller, req.params.id ?? '', 'view')) };
  });
  router.on('PUT', `${U}/:id`, (req) => updateUser(emu, req));
  router.on('GET', `${U}/:id/groups`, (req) => {
    const caller = authenticate(emu, req);
    const user = targetUser(emu, caller, req.params.id ?? '', 'view');
    const groups = [...user.groups].flatMap((gid) => {
      const g = emu.realm.groups.get(gid);
      return g === undefined ? [] : [groupRep(emu.realm, g)];
    });
    return { status: 200, body: groups.sort((a, b) => String(a.path).localeCompare(String(b.path))) };
  });
  router.on('PUT', `${U}/:id/groups/:groupId`, (req) => joinGroup(emu, req));
  router.on('DELETE', `${U}/:id/groups/:groupId`, (req) => leaveGroup(emu, req));
  router.on('GET', `${U}/:id/role-mappings`, (req) => roleMappings(emu, req));
  router.on('GET', `${U}/:id/role-mappings/realm/composite`, (req) => compositeRealm(emu, req));
  router.on('GET', `${U}/:id/role-mappings/clients/:client/composite`, (req) => compositeClient(emu, req));
}

/** Member ids of a group, including members of its subgroups when `nested`. */
export function groupMembers(emu: Emu, groupId: string): EmuUser[] {
  return [...emu.realm.users.values()].filter((u) =>
    [...u.groups].some((g) => withAncestors(emu.realm, g)[0]?.id === groupId),
  );
}
