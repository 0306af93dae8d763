/**
 * `/groups`: list, create, read, members (`$ref` add/remove, with the audit records and change
 * notifications Entra produces) and `/groups/delta` with next and delta links.
 * @module
 */

import { appendAudit, userTarget } from './audit.js';
import { compileFilter } from './filter.js';
import {
  badRequest,
  type Ctx,
  GRAPH_ORIGIN,
  isoNow,
  notFound,
  objectBody,
  page,
  type Reply,
  type Route,
  select,
} from './http.js';
import { newId } from './ids.js';
import { groupOf, refId } from './lookup.js';
import { notifyGroupChange } from './routes-subscriptions.js';
import { groupJson, userJson } from './serialize.js';
import type { EmuGroup, TenantState } from './state.js';

function listGroups(ctx: Ctx): Reply {
  const filter = ctx.query.get('$filter');
  const predicate = filter ? compileFilter(filter) : () => true;
  const items = [...ctx.env.tenant.groups.values()]
    .map(groupJson)
    .filter((g) => predicate(g))
    .map((g) => select(ctx, g));
  return page(ctx, items, 'groups');
}

function createGroup(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const body = objectBody(ctx);
  for (const key of ['displayName', 'mailNickname', 'mailEnabled', 'securityEnabled']) {
    if (!(key in body)) throw badRequest(`Property '${key}' is required.`);
  }
  const group: EmuGroup = {
    id: newId(),
    displayName: String(body.displayName),
    description: typeof body.description === 'string' ? body.description : null,
    mailNickname: String(body.mailNickname),
    securityEnabled: body.securityEnabled === true,
    mailEnabled: body.mailEnabled === true,
    isAssignableToRole: body.isAssignableToRole === true,
    createdDateTime: isoNow(ctx.env),
    members: new Set(),
  };
  tenant.groups.set(group.id, group);
  recordChange(tenant, group.id, null, 'group');
  appendAudit(tenant, isoNow(ctx.env), ctx.principal, {
    activity: 'Add group',
    category: 'GroupManagement',
    service: 'Core Directory',
    operationType: 'Add',
    targets: [
      {
        id: group.id,
        displayName: group.displayName,
        type: 'Group',
        userPrincipalName: null,
        modifiedProperties: [],
      },
    ],
  });
  return { status: 201, body: groupJson(group) };
}

function recordChange(
  tenant: TenantState,
  groupId: string,
  memberId: string | null,
  op: 'add' | 'remove' | 'group',
): void {
  tenant.seq += 1;
  tenant.groupChanges.push({ seq: tenant.seq, groupId, memberId, op });
}

function members(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const group = groupOf(ctx, ctx.params.id ?? '');
  const items = [...group.members].flatMap((id) => {
    const user = tenant.users.get(id);
    if (user) return [select(ctx, userJson(tenant, user))];
    const nested = tenant.groups.get(id);
    return nested ? [groupJson(nested)] : [];
  });
  return page(ctx, items, 'directoryObjects');
}

function membershipAudit(ctx: Ctx, group: EmuGroup, memberId: string, add: boolean): void {
  const tenant = ctx.env.tenant;
  const user = tenant.users.get(memberId);
  const groupTarget = {
    id: group.id,
    displayName: group.displayName,
    type: 'Group',
    userPrincipalName: null,
    modifiedProperties: [],
  };
  appendAudit(tenant, isoNow(ctx.env), ctx.principal, {
    activity: add ? 'Add member to group' : 'Remove member from group',
    category: 'GroupManagement',
    service: 'Core Directory',
    operationType: add ? 'Assign' : 'Unassign',
    resultReason: add ? 'Successfully added member to group' : '',
    targets: [
      user ? userTarget(user) : { ...groupTarget, id: memberId, displayName: null },
      {
        ...groupTarget,
        modifiedProperties: [
          {
            displayName: 'Group.ObjectID',
            oldValue: add ? null : `"${group.id}"`,
            newValue: add ? `"${group.id}"` : null,
          },
          {
            displayName: 'Group.DisplayName',
            oldValue: add ? null : `"${group.displayName}"`,
            newValue: add ? `"${group.displayName}"` : null,
          },
        ],
      },
    ],
  });
}

function addMember(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const group = groupOf(ctx, ctx.params.id ?? '');
  const id = refId(ctx.body);
  if (!id) throw badRequest('Invalid object identifier in @odata.id.', 'Request_BadRequest');
  if (!tenant.users.has(id) && !tenant.groups.has(id)) throw notFound(id);
  if (group.members.has(id)) {
    throw badRequest(
      "One or more added object references already exist for the following modified properties: 'members'.",
    );
  }
  group.members.add(id);
  recordChange(tenant, group.id, id, 'add');
  membershipAudit(ctx, group, id, true);
  notifyGroupChange(ctx.env, group.id);
  return { status: 204 };
}

function removeMember(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const group = groupOf(ctx, ctx.params.id ?? '');
  const id = ctx.params.mid ?? '';
  if (!group.members.has(id)) throw notFound(id);
  group.members.delete(id);
  recordChange(tenant, group.id, id, 'remove');
  membershipAudit(ctx, group, id, false);
  notifyGroupChange(ctx.env, group.id);
  return { status: 204 };
}

interface DeltaState {
  readonly from: number;
  readonly to: number;
  readonly ids: readonly string[] | null;
  readonly offset: number;
}

function encode(state: unknown): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decode(token: string): DeltaState {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as DeltaState;
  } catch {
    throw badRequest('Invalid delta or skip token.', 'BadRequest');
  }
}

function filterIds(filter: string | null): string[] | null {
  if (!filter) return null;
  const ids = [...filter.matchAll(/id eq '([^']+)'/g)].map((m) => m[1] as string);
  if (ids.length === 0) throw badRequest('Only id filters are supported on group delta.', 'BadRequest');
  if (ids.length > 50) throw badRequest('Too many ids in the filter (50 at most).', 'BadRequest');
  return ids;
}

type MemberDelta = { '@odata.type': string; id: string; '@removed'?: { reason: string } };

function deltaEntries(tenant: TenantState, state: DeltaState): { group: EmuGroup; members: MemberDelta[] }[] {
  const wanted = (id: string) => state.ids === null || state.ids.includes(id);
  const perGroup = new Map<string, Map<string, boolean>>();
  if (state.from === 0) {
    for (const group of tenant.groups.values()) {
      if (wanted(group.id)) perGroup.set(group.id, new Map([...group.members].map((m) => [m, true])));
    }
  } else {
    for (const change of tenant.groupChanges) {
      if (change.seq <= state.from || change.seq > state.to || !wanted(change.groupId)) continue;
      const entry = perGroup.get(change.groupId) ?? new Map<string, boolean>();
      perGroup.set(change.groupId, entry);
      if (change.memberId !== null) entry.set(change.memberId, change.op === 'add');
    }
  }
  const out: { group: EmuGroup; members: MemberDelta[] }[] = [];
  for (const [groupId, changes] of perGroup) {
    const group = tenant.groups.get(groupId);
    if (!group) continue;
    const list: MemberDelta[] = [...changes].map(([id, present]) => ({
      '@odata.type': tenant.users.has(id) ? '#microsoft.graph.user' : '#microsoft.graph.group',
      id,
      ...(present ? {} : { '@removed': { reason: 'deleted' } }),
    }));
    // Large member lists are spread over several pages, as Graph does: at most 20 members per entry.
    for (let i = 0; i === 0 || i < list.length; i += 20) out.push({ group, members: list.slice(i, i + 20) });
  }
  return out;
}

function groupDelta(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const skip = ctx.query.get('$skiptoken');
  const delta = ctx.query.get('$deltatoken');
  const state: DeltaState = skip
    ? decode(skip)
    : delta
      ? { ...decode(delta), from: decode(delta).to, to: tenant.seq, offset: 0 }
      : { from: 0, to: tenant.seq, ids: filterIds(ctx.query.get('$filter')), offset: 0 };
  const entries = deltaEntries(tenant, state);
  const size = ctx.env.pageSize;
  const slice = entries.slice(state.offset, state.offset + size).map(({ group, members: list }) => ({
    ...groupJson(group),
    'members@delta': list,
  }));
  const body: Record<string, unknown> = {
    '@odata.context': `${GRAPH_ORIGIN}/v1.0/$metadata#groups`,
    value: slice,
  };
  if (state.offset + size < entries.length) {
    body['@odata.nextLink'] =
      `${GRAPH_ORIGIN}/v1.0/groups/delta?$skiptoken=${encode({ ...state, offset: state.offset + size })}`;
  } else {
    body['@odata.deltaLink'] =
      `${GRAPH_ORIGIN}/v1.0/groups/delta?$deltatoken=${encode({ from: state.to, to: state.to, ids: state.ids, offset: 0 })}`;
  }
  return { status: 200, body };
}

/** The `/groups` routes. */
export const groupRoutes: readonly Route[] = [
  { method: 'GET', template: '/groups', handler: listGroups },
  { method: 'POST', template: '/groups', handler: createGroup },
  { method: 'GET', template: '/groups/delta', handler: groupDelta },
  {
    method: 'GET',
    template: '/groups/:id',
    handler: (ctx) => ({ status: 200, body: select(ctx, groupJson(groupOf(ctx, ctx.params.id ?? ''))) }),
  },
  { method: 'GET', template: '/groups/:id/members', handler: members },
  { method: 'POST', template: '/groups/:id/members/$ref', handler: addMember },
  { method: 'DELETE', template: '/groups/:id/members/:mid/$ref', handler: removeMember },
];
