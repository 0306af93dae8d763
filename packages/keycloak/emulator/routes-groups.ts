/**
 * Admin API: groups (with subGroups, children, members, group-by-path, client role mappings), clients,
 * client scopes.
 * @module
 */

import { adminEvent, authenticate, type Caller, type Emu, requireRole, targetGroup } from './context.js';
import { HttpError, messageError, type Req, type Res, type Router } from './http.js';
import { groupRep, roleRep, userRep } from './represent.js';
import { mapperRep } from './routes-mappers.js';
import { addGroup } from './seed.js';
import type { EmuClient, EmuGroup, EmuRole } from './state.js';
import { groupPath } from './state.js';

const R = '/admin/realms/:realm';

function createGroup(emu: Emu, caller: Caller, rep: unknown, parent: EmuGroup | null): Res {
  requireRole(emu, caller, 'manage-users');
  const name = (rep as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string' || name.trim() === '') throw messageError(400, 'Group name is missing');
  const siblings = [...emu.realm.groups.values()].filter((g) => g.parentId === (parent?.id ?? null));
  if (siblings.some((g) => g.name === name)) {
    throw messageError(
      409,
      parent === null
        ? `Top level group named '${name}' already exists.`
        : `Sibling group named '${name}' already exists.`,
    );
  }
  const group = addGroup(emu.realm, name, parent?.id ?? null);
  const description = (rep as { description?: unknown }).description;
  if (typeof description === 'string') group.description = description;
  const path = parent === null ? `groups/${group.id}` : `groups/${parent.id}/children`;
  adminEvent(emu, caller, 'CREATE', 'GROUP', path, { ...(rep as object), id: group.id });
  return {
    status: 201,
    headers: { location: `${emu.baseUrl}/admin/realms/${emu.realm.settings.realm}/groups/${group.id}` },
  };
}

function searchGroups(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  requireRole(emu, caller, 'view-users', 'manage-users', 'query-groups');
  const search = req.query.get('search');
  const exact = req.query.get('exact') === 'true';
  const hit = (g: EmuGroup): boolean =>
    search === null || (exact ? g.name === search : g.name.toLowerCase().includes(search.toLowerCase()));
  // Children indexed once: a per-group scan would make a search quadratic in the number of groups.
  const childrenOf = new Map<string | null, EmuGroup[]>();
  for (const g of emu.realm.groups.values()) {
    const siblings = childrenOf.get(g.parentId);
    if (siblings === undefined) childrenOf.set(g.parentId, [g]);
    else siblings.push(g);
  }
  const top = childrenOf.get(null) ?? [];
  const withSub = (g: EmuGroup): Record<string, unknown> | null => {
    const kids = (childrenOf.get(g.id) ?? []).map(withSub).filter((x) => x !== null);
    if (!hit(g) && kids.length === 0) return null;
    return { ...groupRep(emu.realm, g), subGroups: search === null ? [] : kids };
  };
  const found = top
    .map(withSub)
    .filter((x) => x !== null)
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const first = Number(req.query.get('first') ?? 0);
  return { status: 200, body: found.slice(first, first + Number(req.query.get('max') ?? 100)) };
}

/** Registers the group routes. */
export function groupRoutes(router: Router, emu: Emu): void {
  router.on('GET', `${R}/groups`, (req) => searchGroups(emu, req));
  router.on('POST', `${R}/groups`, (req) => createGroup(emu, authenticate(emu, req), req.body, null));
  router.on('GET', `${R}/groups/:id`, (req) => {
    const caller = authenticate(emu, req);
    return {
      status: 200,
      body: groupRep(emu.realm, targetGroup(emu, caller, req.params.id ?? '', 'view'), true),
    };
  });
  router.on('GET', `${R}/groups/:id/children`, (req) => {
    const caller = authenticate(emu, req);
    const group = targetGroup(emu, caller, req.params.id ?? '', 'view');
    const kids = [...emu.realm.groups.values()]
      .filter((g) => g.parentId === group.id)
      .map((g) => groupRep(emu.realm, g));
    const first = Number(req.query.get('first') ?? 0);
    return { status: 200, body: kids.slice(first, first + Number(req.query.get('max') ?? 100)) };
  });
  router.on('POST', `${R}/groups/:id/children`, (req) => {
    const caller = authenticate(emu, req);
    return createGroup(emu, caller, req.body, targetGroup(emu, caller, req.params.id ?? '', 'view'));
  });
  router.on('GET', `${R}/groups/:id/members`, (req) => {
    const caller = authenticate(emu, req);
    const group = targetGroup(emu, caller, req.params.id ?? '', 'view-members');
    const members = [...emu.realm.users.values()].filter((u) => u.groups.has(group.id));
    const first = Number(req.query.get('first') ?? 0);
    return {
      status: 200,
      body: members
        .slice(first, first + Number(req.query.get('max') ?? 100))
        .map((u) => userRep(u, req.query.get('briefRepresentation') === 'true')),
    };
  });
  router.on('GET', `${R}/group-by-path/:path`, (req) => {
    const caller = authenticate(emu, req);
    const wanted = `/${decodeURIComponent(req.params.path ?? '').replace(/^\/+/, '')}`;
    const group = [...emu.realm.groups.values()].find((g) => groupPath(emu.realm, g) === wanted);
    if (group === undefined) throw new HttpError(404, { error: 'Group path does not exist' });
    return { status: 200, body: groupRep(emu.realm, targetGroup(emu, caller, group.id, 'view'), true) };
  });
  groupRoleRoutes(router, emu);
}

function groupRoleRoutes(router: Router, emu: Emu): void {
  const path = `${R}/groups/:id/role-mappings/clients/:client`;
  const target = (req: Req): { group: EmuGroup; client: EmuClient; caller: Caller } => {
    const caller = authenticate(emu, req);
    const group = targetGroup(emu, caller, req.params.id ?? '', 'view');
    const client = emu.realm.clients.get(req.params.client ?? '');
    if (client === undefined) throw new HttpError(404, { error: 'Client not found' });
    return { group, client, caller };
  };
  router.on('GET', path, (req) => {
    const { group, client } = target(req);
    const names = [...(group.clientRoles.get(client.id) ?? [])];
    return {
      status: 200,
      body: names.flatMap((n) =>
        client.roles.has(n) ? [roleRep(n, client.roles.get(n) as EmuRole, client.id, true)] : [],
      ),
    };
  });
  for (const method of ['POST', 'DELETE'] as const) {
    router.on(method, path, (req) => {
      const { group, client, caller } = target(req);
      requireRole(emu, caller, 'manage-users');
      const roles = Array.isArray(req.body) ? (req.body as { name?: unknown }[]) : [];
      const set = group.clientRoles.get(client.id) ?? new Set<string>();
      for (const r of roles) {
        if (typeof r.name !== 'string' || !client.roles.has(r.name))
          throw new HttpError(404, { error: 'Role not found' });
        if (method === 'POST') set.add(r.name);
        else set.delete(r.name);
      }
      group.clientRoles.set(client.id, set);
      adminEvent(
        emu,
        caller,
        method === 'POST' ? 'CREATE' : 'DELETE',
        'CLIENT_ROLE_MAPPING',
        `groups/${group.id}/role-mappings/clients/${client.id}`,
        req.body,
      );
      return { status: 204 };
    });
  }
}

/** Registers the client and client-scope routes. */
export function clientRoutes(router: Router, emu: Emu): void {
  const view = (req: Req): Caller => {
    const caller = authenticate(emu, req);
    requireRole(emu, caller, 'view-clients', 'manage-clients', 'query-clients');
    return caller;
  };
  const client = (req: Req): EmuClient => {
    const c = emu.realm.clients.get(req.params.id ?? '');
    if (c === undefined) throw new HttpError(404, { error: 'Could not find client' });
    return c;
  };
  const clientRep = (c: EmuClient): Record<string, unknown> => ({
    id: c.id,
    clientId: c.clientId,
    enabled: c.enabled,
    publicClient: c.publicClient,
    serviceAccountsEnabled: c.serviceAccountsEnabled,
    directAccessGrantsEnabled: c.directAccessGrantsEnabled,
    redirectUris: [...c.redirectUris],
    defaultClientScopes: c.defaultClientScopes.map((id) => emu.realm.clientScopes.get(id)?.name ?? id),
    // Keycloak leaves the field out when the client has no mappers of its own.
    ...(c.protocolMappers.length === 0 ? {} : { protocolMappers: c.protocolMappers.map(mapperRep) }),
  });
  router.on('GET', `${R}/clients`, (req) => {
    view(req);
    const wanted = req.query.get('clientId');
    return {
      status: 200,
      body: [...emu.realm.clients.values()]
        .filter((c) => wanted === null || c.clientId === wanted)
        .map(clientRep),
    };
  });
  router.on('GET', `${R}/clients/:id`, (req) => {
    view(req);
    return { status: 200, body: clientRep(client(req)) };
  });
  router.on('GET', `${R}/clients/:id/service-account-user`, (req) => {
    view(req);
    const c = client(req);
    const user = [...emu.realm.users.values()].find((u) => u.serviceAccountClientId === c.id);
    if (user === undefined) throw messageError(400, 'Service account not enabled for the client');
    return { status: 200, body: userRep(user) };
  });
  router.on('GET', `${R}/clients/:id/default-client-scopes`, (req) => {
    view(req);
    return {
      status: 200,
      body: client(req).defaultClientScopes.map((id) => ({
        id,
        name: emu.realm.clientScopes.get(id)?.name ?? id,
      })),
    };
  });
  for (const method of ['PUT', 'DELETE'] as const) {
    router.on(method, `${R}/clients/:id/default-client-scopes/:scopeId`, (req) => {
      const caller = authenticate(emu, req);
      requireRole(emu, caller, 'manage-clients');
      const c = client(req);
      const scopeId = req.params.scopeId ?? '';
      if (!emu.realm.clientScopes.has(scopeId)) throw new HttpError(404, { error: 'Client scope not found' });
      c.defaultClientScopes = c.defaultClientScopes.filter((s) => s !== scopeId);
      if (method === 'PUT') c.defaultClientScopes.push(scopeId);
      adminEvent(
        emu,
        caller,
        method === 'PUT' ? 'CREATE' : 'DELETE',
        'CLIENT_SCOPE_CLIENT_MAPPING',
        `clients/${c.id}/default-client-scopes/${scopeId}`,
      );
      return { status: 204 };
    });
  }
  router.on('GET', `${R}/client-scopes`, (req) => {
    view(req);
    return {
      status: 200,
      body: [...emu.realm.clientScopes.values()].map((s) => ({
        id: s.id,
        name: s.name,
        protocol: 'openid-connect',
        ...(s.protocolMappers.length === 0 ? {} : { protocolMappers: s.protocolMappers.map(mapperRep) }),
      })),
    };
  });
}
