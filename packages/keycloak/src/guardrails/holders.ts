/**
 * Who holds a privileged (reset-capable) role, found from the roles rather than by walking groups: the
 * realm's and every client's roles are read, the composites of the composite ones give the roles that
 * include a privileged role (at any depth), and the groups and users mapped to each of those roles are
 * listed page by page. Subgroups inherit their ancestors' roles, so the subtree of each holding group is
 * walked too. The number of calls grows with the roles, clients and holders, never with the number of users
 * or groups in the realm. Every lookup failure propagates: a plan that missed a holder would leave the help
 * desk able to act on an admin.
 * @module
 */

import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type GroupRepresentation from '@keycloak/keycloak-admin-client/lib/defs/groupRepresentation.js';
import type RoleRepresentation from '@keycloak/keycloak-admin-client/lib/defs/roleRepresentation.js';
import Resource from '@keycloak/keycloak-admin-client/lib/resources/resource.js';
import type { KcSession } from '../client.js';

/** A group or user the plan names: id and readable label (group path or username). */
export interface Holder {
  readonly id: string;
  readonly label: string;
}

/** The holders of the configured privileged roles. */
export interface PrivilegedHolders {
  /** Groups granting a privileged role, directly, through a composite or from an ancestor (help desk aside). */
  readonly groups: readonly Holder[];
  /** Users a privileged role (or a composite including one) is mapped to directly. */
  readonly users: readonly Holder[];
  /** Ids of the direct members of `groups` (they hold the role through the group). */
  readonly members: ReadonlySet<string>;
  /** Roles that make the help-desk group privileged and that the plan cannot remove (not realm-management's). */
  readonly helpDeskVia: readonly string[];
  /** True when the realm's default role includes a privileged role: every user holds it. */
  readonly defaultRolePrivileged: boolean;
}

/** A role of the realm (client null) or of a client. */
interface RoleNode {
  readonly id: string;
  readonly name: string;
  readonly client: { readonly id: string; readonly clientId: string } | null;
  readonly composite: boolean;
}

const PAGE = 1000;
const PARALLEL = 8;

/** Reads every page of a first/max listing. */
export async function everyPage<T>(read: (first: number) => Promise<readonly T[] | null>): Promise<T[]> {
  const out: T[] = [];
  for (let first = 0; ; first += PAGE) {
    const page = (await read(first)) ?? [];
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

/** Maps with at most PARALLEL calls in flight (every rejection propagates). */
async function mapLimit<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  return out;
}

type GroupsWithRole = (q: {
  realm: string;
  first: number;
  max: number;
  briefRepresentation: boolean;
  name?: string;
  id?: string;
  roleName?: string;
}) => Promise<GroupRepresentation[]>;

const groupRequests = new WeakMap<KcAdminClient, { realm: GroupsWithRole; client: GroupsWithRole }>();

/**
 * `GET roles/{role}/groups` and `GET clients/{id}/roles/{role}/groups`: admin-client 26.7.4 has no method
 * for them, so they are declared with the SDK's own request builder (same token provider, timeout, errors).
 * @see https://www.keycloak.org/docs-api/latest/rest-api/index.html#_roles
 */
function groupsWithRole(kc: KcAdminClient): { realm: GroupsWithRole; client: GroupsWithRole } {
  let requests = groupRequests.get(kc);
  if (requests === undefined) {
    const base = new Resource<{ realm?: string }>(kc, {
      path: '/admin/realms/{realm}',
      getUrlParams: () => ({ realm: kc.realmName }),
      getBaseUrl: () => kc.baseUrl,
    });
    requests = {
      realm: base.makeRequest({ method: 'GET', path: '/roles/{name}/groups', urlParamKeys: ['name'] }),
      client: base.makeRequest({
        method: 'GET',
        path: '/clients/{id}/roles/{roleName}/groups',
        urlParamKeys: ['id', 'roleName'],
      }),
    };
    groupRequests.set(kc, requests);
  }
  return requests;
}

const nodeOf = (r: RoleRepresentation, client: RoleNode['client']): RoleNode | null =>
  typeof r.id === 'string' && typeof r.name === 'string'
    ? { id: r.id, name: r.name, client, composite: r.composite === true }
    : null;

/** Every role of the realm and of every client (Keycloak returns them all when no first/max is sent). */
async function readRoles(s: KcSession): Promise<RoleNode[]> {
  const [realmRoles, clients] = await Promise.all([
    s.call((kc) => kc.roles.find({ realm: s.realm })),
    s.call((kc) => kc.clients.find({ realm: s.realm })),
  ]);
  const withIds = clients.flatMap((c) =>
    typeof c.id === 'string' ? [{ id: c.id, clientId: c.clientId ?? c.id }] : [],
  );
  const perClient = await mapLimit(withIds, async (client) =>
    (await s.call((kc) => kc.clients.listRoles({ realm: s.realm, id: client.id }))).map((r) =>
      nodeOf(r, client),
    ),
  );
  return [...realmRoles.map((r) => nodeOf(r, null)), ...perClient.flat()].filter(
    (n): n is RoleNode => n !== null,
  );
}

/** The roles that are, or include at any depth, one of the privileged roles. */
async function grantingRoles(s: KcSession, rmId: string, roles: readonly RoleNode[]): Promise<RoleNode[]> {
  const wanted = new Set(s.config.privilegedRoles);
  const parents = new Map<string, RoleNode[]>();
  const composites = roles.filter((r) => r.composite);
  const children = await mapLimit(composites, (r) =>
    s.call((kc) => kc.roles.getCompositeRoles({ realm: s.realm, id: r.id })),
  );
  composites.forEach((parent, i) => {
    for (const child of children[i] ?? []) {
      if (typeof child.id !== 'string') continue;
      parents.set(child.id, [...(parents.get(child.id) ?? []), parent]);
    }
  });
  const found = new Map<string, RoleNode>();
  const stack = roles.filter((r) => wanted.has(r.name) && (r.client === null || r.client.id === rmId));
  while (stack.length > 0) {
    const role = stack.pop() as RoleNode;
    if (found.has(role.id)) continue;
    found.set(role.id, role);
    stack.push(...(parents.get(role.id) ?? []));
  }
  return [...found.values()];
}

async function directHolders(
  s: KcSession,
  role: RoleNode,
  withUsers: boolean,
): Promise<{ groups: GroupRepresentation[]; users: Holder[] }> {
  const client = role.client;
  const q = (first: number) => ({ realm: s.realm, first, max: PAGE, briefRepresentation: true });
  const [groups, users] = await Promise.all([
    everyPage((first) =>
      s.call((kc) =>
        client === null
          ? groupsWithRole(kc).realm({ ...q(first), name: role.name })
          : groupsWithRole(kc).client({ ...q(first), id: client.id, roleName: role.name }),
      ),
    ),
    withUsers
      ? everyPage((first) =>
          s.call((kc) =>
            client === null
              ? kc.roles.findUsersWithRole({ ...q(first), name: role.name })
              : kc.clients.findUsersWithRole({ ...q(first), id: client.id, roleName: role.name }),
          ),
        )
      : [],
  ]);
  return {
    groups,
    users: users.flatMap((u) => (typeof u.id === 'string' ? [{ id: u.id, label: u.username ?? u.id }] : [])),
  };
}

/** The group and its subgroups at any depth (they inherit its roles). */
async function subtree(s: KcSession, root: Holder, out: Map<string, Holder>): Promise<void> {
  if (out.has(root.id)) return;
  out.set(root.id, root);
  const kids = await everyPage((first) =>
    s.call(
      (kc) =>
        kc.groups.listSubGroups({
          realm: s.realm,
          parentId: root.id,
          first,
          max: PAGE,
          briefRepresentation: true,
        }),
      'group',
    ),
  );
  for (const k of kids)
    if (typeof k.id === 'string')
      await subtree(s, { id: k.id, label: k.path ?? `${root.label}/${k.name ?? ''}` }, out);
}

const roleLabel = (r: RoleNode): string => (r.client === null ? r.name : `${r.client.clientId}/${r.name}`);

/** Finds every holder of a privileged role. */
export async function privilegedHolders(
  s: KcSession,
  rmId: string,
  helpDeskId: string | null,
  defaultRoleId: string | null,
): Promise<PrivilegedHolders> {
  const granting = await grantingRoles(s, rmId, await readRoles(s));
  const roots = new Map<string, Holder>();
  const users = new Map<string, string>();
  const helpDeskVia: string[] = [];
  const found = await mapLimit(granting, (role) => directHolders(s, role, role.id !== defaultRoleId));
  granting.forEach((role, i) => {
    for (const g of found[i]?.groups ?? []) {
      if (typeof g.id !== 'string') continue;
      if (g.id === helpDeskId) {
        // The plan strips the help desk's realm-management roles; any other grant it must report.
        if (role.client?.id !== rmId) helpDeskVia.push(roleLabel(role));
        continue;
      }
      roots.set(g.id, { id: g.id, label: g.path ?? `/${g.name ?? g.id}` });
    }
    for (const u of found[i]?.users ?? []) users.set(u.id, u.label);
  });
  const groups = new Map<string, Holder>();
  for (const root of roots.values()) await subtree(s, root, groups);
  const members = new Set<string>();
  const lists = await mapLimit([...groups.keys()], (id) =>
    everyPage((first) =>
      s.call(
        (kc) => kc.groups.listMembers({ realm: s.realm, id, first, max: PAGE, briefRepresentation: true }),
        'group',
      ),
    ),
  );
  for (const m of lists.flat()) if (typeof m.id === 'string') members.add(m.id);
  return {
    groups: [...groups.values()],
    users: [...users].map(([id, label]) => ({ id, label })),
    members,
    helpDeskVia: [...new Set(helpDeskVia)].sort(),
    defaultRolePrivileged: defaultRoleId !== null && granting.some((r) => r.id === defaultRoleId),
  };
}
