/**
 * The `group_delta` stream: `/groups/delta` over the request groups is the source of truth for
 * native-console requests; the cursor is the delta (or next) link. The requester is looked up in
 * directoryAudits ("Add member to group"), since delta does not say who added a member.
 * @module
 */

import { createHash } from 'node:crypto';
import {
  type EventActor,
  GateError,
  type NormalizedEvent,
  RECOVERY_ACTIONS,
  type RecoveryAction,
} from '@recovery-gate/core';
import { GROUP_ADD } from './audit-names.js';
import type { AuditRecord } from './audit-read.js';
import { type EntraContext, graphList, graphPage, odataString } from './graph.js';

interface DeltaCursor {
  readonly v: 1;
  /** The next or delta link to read; null before the request groups exist. */
  readonly link: string | null;
  /** Request group id -> action. */
  readonly groups: Readonly<Record<string, RecoveryAction>>;
}

interface DeltaGroup {
  readonly id: string;
  readonly 'members@delta'?: readonly {
    readonly id: string;
    readonly '@odata.type'?: string;
    readonly '@removed'?: unknown;
  }[];
}

function decode(cursor: string): DeltaCursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as DeltaCursor;
    if (parsed.v !== 1 || typeof parsed.groups !== 'object') throw new Error('bad cursor');
    return parsed;
  } catch (error) {
    throw new GateError('ERR_INPUT_INVALID', 'The group_delta cursor is not one this adapter wrote.', {
      cause: error,
    });
  }
}

function encode(cursor: DeltaCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** The request groups that exist now, by id. */
export async function requestGroups(ctx: EntraContext): Promise<Record<string, RecoveryAction>> {
  const prefix = ctx.config.requestGroups.prefix;
  const found = await graphList<{ id: string; displayName?: string | null }>(
    ctx,
    '/groups',
    'find request groups',
    {
      $filter: `startswith(displayName,${odataString(prefix)})`,
      $select: 'id,displayName',
    },
  );
  const groups: Record<string, RecoveryAction> = {};
  for (const group of found) {
    const action = (group.displayName ?? '').slice(prefix.length);
    if ((RECOVERY_ACTIONS as readonly string[]).includes(action)) groups[group.id] = action as RecoveryAction;
  }
  return groups;
}

async function requester(
  ctx: EntraContext,
  userId: string,
  groupId: string,
): Promise<{ actor: EventActor; at: string | null }> {
  const page = await graphPage<AuditRecord>(ctx, '/auditLogs/directoryAudits', 'read audit log', {
    $filter: `activityDisplayName eq ${odataString(GROUP_ADD)} and targetResources/any(t:t/id eq ${odataString(userId)})`,
    $orderby: 'activityDateTime desc',
    $top: 10,
  });
  const record = page.value.find((r) => (r.targetResources ?? []).some((t) => t.id === groupId));
  const user = record?.initiatedBy?.user;
  const app = record?.initiatedBy?.app;
  if (user?.id)
    return {
      actor: { id: user.id, type: 'user', displayName: user.displayName ?? null },
      at: record?.activityDateTime ?? null,
    };
  if (app?.appId)
    return {
      actor: { id: app.appId, type: 'app', displayName: app.displayName ?? null },
      at: record?.activityDateTime ?? null,
    };
  // Audit records lag behind delta: the requester is not known yet.
  return { actor: { id: 'unknown', type: 'system', displayName: null }, at: null };
}

function eventId(link: string, groupId: string, userId: string): string {
  return `group_delta:${createHash('sha256').update(`${link}\n${groupId}\n${userId}`).digest('base64url').slice(0, 32)}`;
}

/** Reads one page of the group_delta stream. */
export async function readDeltaEvents(ctx: EntraContext, cursor: string | null) {
  let state = cursor ? decode(cursor) : { v: 1 as const, link: null, groups: {} };
  if (state.link === null) {
    const groups = await requestGroups(ctx);
    if (Object.keys(groups).length === 0) return { events: [], cursor: encode(state), more: false };
    state = { v: 1, link: null, groups };
  }
  const filter = Object.keys(state.groups)
    .map((id) => `id eq ${odataString(id)}`)
    .join(' or ');
  const link = state.link ?? `initial:${filter}`;
  const page = state.link
    ? await graphPage<DeltaGroup>(ctx, state.link, 'read group delta')
    : await graphPage<DeltaGroup>(ctx, '/groups/delta', 'read group delta', {
        $filter: filter,
        $select: 'displayName,members',
      });
  const events: NormalizedEvent[] = [];
  for (const group of page.value) {
    const action = state.groups[group.id];
    if (!action) continue;
    for (const member of group['members@delta'] ?? []) {
      if (member['@removed'] !== undefined || member['@odata.type'] === '#microsoft.graph.group') continue;
      const who = await requester(ctx, member.id, group.id);
      events.push({
        id: eventId(link, group.id, member.id),
        idp: 'entra',
        kind: 'recovery_requested',
        sourceType: 'groups/delta members@delta',
        occurredAt: who.at ?? ctx.now().toISOString(),
        actor: who.actor,
        subject: { userId: member.id, login: null },
        action,
        authenticatorKind: null,
      });
    }
  }
  const next = page['@odata.nextLink'];
  const delta = page['@odata.deltaLink'];
  if (!next && !delta)
    throw new GateError('ERR_IDP_RESPONSE_INVALID', 'Group delta returned neither a next nor a delta link.');
  return { events, cursor: encode({ ...state, link: next ?? delta ?? null }), more: next !== undefined };
}
