/**
 * Admin API: the authorization services of a client (policies and permissions), used here as the data of
 * fine-grained admin permissions v2 on the `admin-permissions` client.
 * @module
 */

import { adminEvent, authenticate, type Caller, type Emu, requireRole } from './context.js';
import { HttpError, messageError, type Req, type Res, type Router } from './http.js';
import type { EmuClient, EmuPolicy } from './state.js';
import { groupPath, newId } from './state.js';

const A = '/admin/realms/:realm/clients/:id/authz/resource-server';

/** Scopes of the FGAP v2 resource types, in the newest version modelled. */
const ALL_FGAP_SCOPES: Readonly<Record<string, readonly string[]>> = {
  Users: ['view', 'manage', 'manage-group-membership', 'map-roles', 'impersonate', 'reset-password'],
  Groups: [
    'view',
    'manage',
    'view-members',
    'manage-members',
    'manage-membership',
    'impersonate-members',
    'manage-membership-of-members',
  ],
  Clients: ['view', 'manage', 'map-roles', 'map-roles-client-scope', 'map-roles-composite'],
  Roles: ['map-role', 'map-role-client-scope', 'map-role-composite'],
};

/** The release that added each scope that not every FGAP v2 release has. */
const ADDED_IN: Readonly<Record<string, string>> = {
  'reset-password': '26.4.0',
  'manage-membership-of-members': '26.6.2',
};

function atLeast(version: string, min: string): boolean {
  const n = (v: string) =>
    v
      .split(/[.-]/)
      .slice(0, 3)
      .map((p) => Number.parseInt(p, 10) || 0);
  const [a, b] = [n(version), n(min)];
  for (let i = 0; i < 3; i += 1) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/**
 * The FGAP v2 schema of a server version (`AdminPermissionsSchema`): `reset-password` from 26.4,
 * `manage-membership-of-members` from 26.6.2 (`MigrateTo26_6_2`).
 */
export function fgapScopes(version: string): Readonly<Record<string, readonly string[]>> {
  return Object.fromEntries(
    Object.entries(ALL_FGAP_SCOPES).map(([type, scopes]) => [
      type,
      scopes.filter((s) => ADDED_IN[s] === undefined || atLeast(version, ADDED_IN[s] as string)),
    ]),
  );
}

function policyRep(emu: Emu, p: EmuPolicy, typed: boolean): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: p.id,
    name: p.name,
    type: p.type,
    logic: p.logic,
    decisionStrategy: p.decisionStrategy,
    ...(p.description === undefined ? {} : { description: p.description }),
    ...(p.resourceType === undefined ? {} : { resourceType: p.resourceType }),
  };
  if (!typed) {
    const config: Record<string, string> = {};
    if (p.type === 'group') config.groups = JSON.stringify(p.groups);
    if (p.type === 'role') config.roles = JSON.stringify(p.roles);
    return { ...base, config };
  }
  if (p.type === 'group') {
    return {
      ...base,
      groups: p.groups.map((g) => ({
        ...g,
        path: emu.realm.groups.has(g.id) ? groupPath(emu.realm, emu.realm.groups.get(g.id) as never) : '',
      })),
    };
  }
  if (p.type === 'role') return { ...base, roles: p.roles };
  return base;
}

function parsePolicy(
  emu: Emu,
  client: EmuClient,
  type: string,
  body: unknown,
  existing?: EmuPolicy,
): EmuPolicy {
  const rep = body as Record<string, unknown> | undefined;
  if (typeof rep !== 'object' || rep === null) throw messageError(400, 'Invalid policy representation');
  const name = rep.name;
  if (typeof name !== 'string' || name === '') throw messageError(400, 'Policy name is required');
  if (client.policies.some((p) => p.name === name && p.id !== existing?.id))
    throw messageError(409, `Policy with name [${name}] already exists`);
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  const policy: EmuPolicy = {
    id: existing?.id ?? newId(),
    name,
    type,
    logic: rep.logic === 'NEGATIVE' ? 'NEGATIVE' : 'POSITIVE',
    decisionStrategy:
      rep.decisionStrategy === 'AFFIRMATIVE'
        ? 'AFFIRMATIVE'
        : rep.decisionStrategy === 'CONSENSUS'
          ? 'CONSENSUS'
          : 'UNANIMOUS',
    groups: Array.isArray(rep.groups)
      ? (rep.groups as { id?: unknown; extendChildren?: unknown }[]).map((g) => ({
          id: String(g.id),
          extendChildren: g.extendChildren === true,
        }))
      : [],
    roles: Array.isArray(rep.roles)
      ? (rep.roles as { id?: unknown; required?: unknown }[]).map((r) => ({
          id: String(r.id),
          required: r.required === true,
        }))
      : [],
    resources: strings(rep.resources),
    scopes: strings(rep.scopes),
    policies: strings(rep.policies),
  };
  if (typeof rep.description === 'string') policy.description = rep.description;
  if (typeof rep.resourceType === 'string') policy.resourceType = rep.resourceType;
  if (type === 'group' && policy.groups.some((g) => !emu.realm.groups.has(g.id)))
    throw messageError(400, 'Group not found');
  if (type === 'scope') validateScopePermission(emu, policy, rep.decisionStrategy);
  for (const ref of policy.policies) {
    if (!client.policies.some((p) => p.id === ref || p.name === ref))
      throw messageError(400, `Policy with id [${ref}] not found`);
  }
  return policy;
}

/** FGAP v2 rules: a scope permission names its resource type and scopes, and only UNANIMOUS is allowed. */
function validateScopePermission(emu: Emu, p: EmuPolicy, strategy: unknown): void {
  const schema = fgapScopes(emu.realm.settings.serverVersion);
  const allowed = p.resourceType === undefined ? undefined : schema[p.resourceType];
  if (allowed === undefined || p.scopes.length === 0)
    throw messageError(400, 'Resource type or scopes not provided');
  if (strategy !== undefined && strategy !== 'UNANIMOUS')
    throw messageError(400, 'Only UNANIMOUS decision strategy is allowed');
  // AdminPermissionsSchema.getScope: a scope the server has not got, then one of another resource type.
  const existing = new Set(Object.values(schema).flat());
  const missing = p.scopes.find((s) => !existing.has(s));
  if (missing !== undefined) throw messageError(400, `Scope [${missing}] does not exist.`);
  const bad = p.scopes.find((s) => !allowed.includes(s));
  if (bad !== undefined)
    throw messageError(400, `Scope ${bad} was not found for resource type ${p.resourceType}.`);
  const known =
    p.resourceType === 'Users'
      ? emu.realm.users
      : p.resourceType === 'Groups'
        ? emu.realm.groups
        : emu.realm.clients;
  if (p.resources.some((r) => !known.has(r))) throw messageError(400, 'Resource not found');
}

function resourceServer(emu: Emu, req: Req, write: boolean): { client: EmuClient; caller: Caller } {
  const caller = authenticate(emu, req);
  requireRole(
    emu,
    caller,
    ...(write
      ? ['manage-authorization', 'manage-realm']
      : ['view-authorization', 'manage-authorization', 'view-realm']),
  );
  const client = emu.realm.clients.get(req.params.id ?? '');
  if (client === undefined) throw new HttpError(404, { error: 'Could not find client' });
  return { client, caller };
}

function list(emu: Emu, req: Req, permissionsOnly: boolean): Res {
  const { client } = resourceServer(emu, req, false);
  const name = req.query.get('name')?.toLowerCase() ?? null;
  const type = req.query.get('type');
  const found = client.policies.filter(
    (p) =>
      (!permissionsOnly || p.type === 'scope' || p.type === 'resource') &&
      (name === null || p.name.toLowerCase().includes(name)) &&
      (type === null || p.type === type),
  );
  const first = Number(req.query.get('first') ?? 0);
  return {
    status: 200,
    body: found
      .slice(first, first + Number(req.query.get('max') ?? 100))
      .map((p) => policyRep(emu, p, false)),
  };
}

function find(client: EmuClient, id: string): EmuPolicy {
  const p = client.policies.find((x) => x.id === id);
  if (p === undefined) throw new HttpError(404, { error: 'Policy not found' });
  return p;
}

function create(emu: Emu, req: Req, type: string): Res {
  const { client, caller } = resourceServer(emu, req, true);
  const policy = parsePolicy(emu, client, type, req.body);
  client.policies.push(policy);
  adminEvent(
    emu,
    caller,
    'CREATE',
    type === 'scope' ? 'AUTHORIZATION_SCOPE' : 'AUTHORIZATION_POLICY',
    `clients/${client.id}/authz/resource-server/${type === 'scope' ? 'permission' : 'policy'}/${type}`,
    req.body,
  );
  return { status: 201, body: policyRep(emu, policy, true) };
}

function update(emu: Emu, req: Req): Res {
  const { client, caller } = resourceServer(emu, req, true);
  const existing = find(client, req.params.policyId ?? '');
  const policy = parsePolicy(emu, client, existing.type, req.body, existing);
  client.policies = client.policies.map((p) => (p.id === policy.id ? policy : p));
  adminEvent(
    emu,
    caller,
    'UPDATE',
    'AUTHORIZATION_POLICY',
    `clients/${client.id}/authz/resource-server/policy/${existing.type}/${policy.id}`,
    req.body,
  );
  return { status: 201 };
}

/** Registers the authorization routes. */
export function authzRoutes(router: Router, emu: Emu): void {
  router.on('GET', `${A}/policy`, (req) => list(emu, req, false));
  router.on('GET', `${A}/permission`, (req) => list(emu, req, true));
  router.on('GET', `${A}/policy/search`, (req) => {
    const { client } = resourceServer(emu, req, false);
    const p = client.policies.find((x) => x.name === req.query.get('name'));
    return p === undefined ? { status: 204 } : { status: 200, body: policyRep(emu, p, false) };
  });
  router.on('GET', `${A}/resource`, (req) => {
    const { client } = resourceServer(emu, req, false);
    const schema = fgapScopes(emu.realm.settings.serverVersion);
    const specific = client.policies.flatMap((p) =>
      p.resources.map((r) => ({ name: r, type: p.resourceType ?? '' })),
    );
    const types = Object.keys(schema).map((t) => ({ name: t, type: t }));
    const unique = new Map([...types, ...specific].map((r) => [r.name, r]));
    const body = [...unique.values()].map((r) => ({
      _id: r.name,
      name: r.name,
      type: r.type,
      scopes: (schema[r.type] ?? []).map((n) => ({ id: n, name: n })),
    }));
    return { status: 200, body };
  });
  router.on('GET', `${A}/scope`, (req) => {
    resourceServer(emu, req, false);
    const names = [...new Set(Object.values(fgapScopes(emu.realm.settings.serverVersion)).flat())].sort();
    return { status: 200, body: names.map((n) => ({ id: n, name: n })) };
  });
  // Specific sub-resources first: `policy/:type/:id` would shadow them.
  router.on('GET', `${A}/policy/:policyId/associatedPolicies`, (req) => {
    const { client } = resourceServer(emu, req, false);
    const p = find(client, req.params.policyId ?? '');
    const assoc = p.policies
      .map((ref) => client.policies.find((x) => x.id === ref || x.name === ref))
      .filter((x): x is EmuPolicy => x !== undefined);
    return { status: 200, body: assoc.map((x) => policyRep(emu, x, false)) };
  });
  router.on('GET', `${A}/policy/:policyId/resources`, (req) => {
    const { client } = resourceServer(emu, req, false);
    const p = find(client, req.params.policyId ?? '');
    const names = p.resources.length > 0 ? p.resources : p.resourceType === undefined ? [] : [p.resourceType];
    return { status: 200, body: names.map((n) => ({ _id: n, name: n })) };
  });
  router.on('GET', `${A}/policy/:policyId/scopes`, (req) => {
    const { client } = resourceServer(emu, req, false);
    return {
      status: 200,
      body: find(client, req.params.policyId ?? '').scopes.map((s) => ({ id: s, name: s })),
    };
  });
  for (const kind of ['policy', 'permission'] as const) {
    router.on('POST', `${A}/${kind}/:type`, (req) => create(emu, req, req.params.type ?? ''));
    router.on('PUT', `${A}/${kind}/:type/:policyId`, (req) => update(emu, req));
    router.on('GET', `${A}/${kind}/:type/:policyId`, (req) => {
      const { client } = resourceServer(emu, req, false);
      const p = find(client, req.params.policyId ?? '');
      if (p.type !== req.params.type) throw new HttpError(404, { error: 'Policy not found' });
      return { status: 200, body: policyRep(emu, p, true) };
    });
  }
  router.on('DELETE', `${A}/policy/:policyId`, (req) => {
    const { client, caller } = resourceServer(emu, req, true);
    const p = find(client, req.params.policyId ?? '');
    client.policies = client.policies.filter((x) => x.id !== p.id);
    adminEvent(
      emu,
      caller,
      'DELETE',
      'AUTHORIZATION_POLICY',
      `clients/${client.id}/authz/resource-server/policy/${p.id}`,
    );
    return { status: 204 };
  });
}
