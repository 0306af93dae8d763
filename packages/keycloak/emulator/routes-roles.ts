/**
 * Admin API: realm and client roles, their composites (by name and by id), and who holds them directly
 * (`roles/:role/users`, `roles/:role/groups`, paged with `first` / `max` as Keycloak does).
 * @module
 */

import { authenticate, type Caller, type Emu, forbidden, requireRole } from './context.js';
import { adminRoles } from './fgap.js';
import { HttpError, type Req, type Router } from './http.js';
import { groupRep, roleRep, userRep } from './represent.js';
import type { EmuClient, EmuGroup, EmuRole, EmuUser, RoleRef } from './state.js';
import { roleAt } from './state.js';

const R = '/admin/realms/:realm';

/** Keycloak's `Constants.DEFAULT_MAX_RESULTS`, used when a holder listing gets no `max`. */
const DEFAULT_MAX = 100;

/** A role container: the realm (client null) or one client. */
interface Container {
  readonly client: EmuClient | null;
  readonly roles: Map<string, EmuRole>;
  readonly id: string;
}

const roleNotFound = (): HttpError => new HttpError(404, { error: 'Could not find role' });

/** `first` / `max` as Keycloak reads them: ignored when absent or negative. */
function page<T>(req: Req, items: readonly T[], defaultMax: number | null): T[] {
  const num = (key: string): number | null => {
    const raw = req.query.get(key);
    const n = raw === null ? Number.NaN : Number(raw);
    return Number.isInteger(n) && n >= 0 ? n : null;
  };
  const first = num('first') ?? 0;
  const max = num('max') ?? defaultMax;
  return max === null ? items.slice(first) : items.slice(first, first + max);
}

/** Viewing a container's roles needs view-realm (realm roles) or view-clients (client roles). */
function requireView(emu: Emu, caller: Caller, c: Container): void {
  if (c.client === null) requireRole(emu, caller, 'view-realm', 'manage-realm');
  else requireRole(emu, caller, 'view-clients', 'manage-clients');
}

const rep = (c: Container, name: string, role: EmuRole): Record<string, unknown> =>
  roleRep(name, role, c.id, c.client !== null);

function containerOf(emu: Emu, clientUuid: string | null): Container {
  if (clientUuid === null) return { client: null, roles: emu.realm.realmRoles, id: emu.realm.settings.id };
  const client = emu.realm.clients.get(clientUuid);
  if (client === undefined) throw new HttpError(404, { error: 'Could not find client' });
  return { client, roles: client.roles, id: client.id };
}

/** The composites of a role: its own container's, then those of other containers. */
function compositesOf(emu: Emu, c: Container, role: EmuRole): Record<string, unknown>[] {
  const refs: RoleRef[] = [
    ...role.composites.map((name) => ({ client: c.client?.id ?? null, name })),
    ...(role.links ?? []),
  ];
  return refs.flatMap((ref) => {
    const found = roleAt(emu.realm, ref);
    return found === undefined ? [] : [rep(containerOf(emu, ref.client), ref.name, found)];
  });
}

const holds = (c: Container, name: string) => (h: EmuUser | EmuGroup) =>
  c.client === null ? h.realmRoles.has(name) : (h.clientRoles.get(c.client.id)?.has(name) ?? false);

function briefGroup(emu: Emu, g: EmuGroup, brief: boolean): Record<string, unknown> {
  const full = groupRep(emu.realm, g);
  if (!brief) return full;
  const { id, name, path, parentId, description, subGroupCount } = full;
  return { id, name, path, parentId, description, subGroupCount };
}

/** The role-level routes of one container kind (`prefix` resolves the container from the request). */
function containerRoutes(router: Router, emu: Emu, prefix: string, container: (req: Req) => Container): void {
  const target = (req: Req): { caller: Caller; c: Container; name: string; role: EmuRole } => {
    const caller = authenticate(emu, req);
    const c = container(req);
    requireView(emu, caller, c);
    const name = req.params.role ?? '';
    const role = c.roles.get(name);
    if (role === undefined) throw roleNotFound();
    return { caller, c, name, role };
  };
  router.on('GET', `${prefix}/roles`, (req) => {
    const caller = authenticate(emu, req);
    const c = container(req);
    // RolePermissions.canList: any admin role may list a container's roles.
    if (adminRoles(emu.realm, caller.user).size === 0) throw forbidden();
    const search = (req.query.get('search') ?? '').toLowerCase();
    const found = [...c.roles.entries()]
      .filter(([n]) => n.toLowerCase().includes(search))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([n, r]) => rep(c, n, r));
    return { status: 200, body: page(req, found, null) };
  });
  router.on('GET', `${prefix}/roles/:role`, (req) => {
    const { c, name, role } = target(req);
    return { status: 200, body: rep(c, name, role) };
  });
  router.on('GET', `${prefix}/roles/:role/composites`, (req) => {
    const { c, role } = target(req);
    return { status: 200, body: compositesOf(emu, c, role) };
  });
  router.on('GET', `${prefix}/roles/:role/users`, (req) => {
    const { caller, c, name } = target(req);
    requireRole(emu, caller, 'query-users', 'view-users', 'manage-users');
    const brief = req.query.get('briefRepresentation') === 'true';
    const users = [...emu.realm.users.values()]
      .filter(holds(c, name))
      .sort((a, b) => a.username.localeCompare(b.username));
    return { status: 200, body: page(req, users, DEFAULT_MAX).map((u) => userRep(u, brief)) };
  });
  router.on('GET', `${prefix}/roles/:role/groups`, (req) => {
    const { caller, c, name } = target(req);
    requireRole(emu, caller, 'query-groups', 'view-users', 'manage-users');
    const brief = req.query.get('briefRepresentation') !== 'false';
    const groups = [...emu.realm.groups.values()]
      .filter(holds(c, name))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { status: 200, body: page(req, groups, DEFAULT_MAX).map((g) => briefGroup(emu, g, brief)) };
  });
}

/** Finds a role by id in the realm or any client. */
function roleById(emu: Emu, id: string): { c: Container; name: string; role: EmuRole } {
  const containers: Container[] = [
    containerOf(emu, null),
    ...[...emu.realm.clients.values()].map((client) => ({ client, roles: client.roles, id: client.id })),
  ];
  for (const c of containers)
    for (const [name, role] of c.roles) if (role.id === id) return { c, name, role };
  throw new HttpError(404, { error: 'Could not find role with id' });
}

/** Registers the role routes. */
export function roleRoutes(router: Router, emu: Emu): void {
  containerRoutes(router, emu, R, () => containerOf(emu, null));
  containerRoutes(router, emu, `${R}/clients/:id`, (req) => containerOf(emu, req.params.id ?? ''));
  const byId = (req: Req) => {
    const caller = authenticate(emu, req);
    const found = roleById(emu, req.params.id ?? '');
    requireView(emu, caller, found.c);
    return found;
  };
  router.on('GET', `${R}/roles-by-id/:id`, (req) => {
    const { c, name, role } = byId(req);
    return { status: 200, body: rep(c, name, role) };
  });
  router.on('GET', `${R}/roles-by-id/:id/composites`, (req) => {
    const { c, role } = byId(req);
    const search = req.query.get('search')?.toLowerCase();
    const all = compositesOf(emu, c, role).filter(
      (r) => search === undefined || String(r.name).toLowerCase().includes(search),
    );
    return { status: 200, body: page(req, all, null) };
  });
}
