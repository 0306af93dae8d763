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
  type RequesterQuery,
} from '@recovery-gate/core';
import { type EntraContext, graphList, graphPage, odataString } from '../client.js';
import { requesterIn } from './requester.js';

interface DeltaCursor {
  readonly v: 1;
  /** The next or delta link to read; null before the request groups exist. */
  readonly link: string | null;
  /** Request group id -> action. */
  readonly groups: Readonly<Record<string, RecoveryAction>>;
  /** When the link was read last: what the next page reports was added after it. */
  readonly readAt?: string;
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

/** Clock skew allowed between Graph's timestamps and ours. */
const SKEW_MS = 2 * 60_000;
/** How far back the first read looks for who added the members it finds. */
const FIRST_READ_LOOKBACK_MS = 24 * 60 * 60_000;

/** The port's `findRequester`: the request group of `action`, then the audit record in the window. */
export async function findRequester(ctx: EntraContext, query: RequesterQuery): Promise<EventActor | null> {
  const groups = await requestGroups(ctx);
  const groupId = Object.entries(groups).find(([, action]) => action === query.action)?.[0];
  return groupId ? requesterIn(ctx, query.subjectId, groupId, query) : null;
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
  const now = ctx.now().getTime();
  const window = {
    from: new Date(
      state.readAt ? Date.parse(state.readAt) - SKEW_MS : now - FIRST_READ_LOOKBACK_MS,
    ).toISOString(),
    to: new Date(now + SKEW_MS).toISOString(),
  };
  const events: NormalizedEvent[] = [];
  for (const group of page.value) {
    const action = state.groups[group.id];
    if (!action) continue;
    for (const member of group['members@delta'] ?? []) {
      if (member['@removed'] !== undefined || member['@odata.type'] === '#microsoft.graph.group') continue;
      // Null while the audit record lags the change: the gate re-reads it through findRequester.
      const actor = await requesterIn(ctx, member.id, group.id, window);
      events.push({
        id: eventId(link, group.id, member.id),
        idp: 'entra',
        kind: 'recovery_requested',
        sourceType: 'groups/delta members@delta',
        occurredAt: ctx.now().toISOString(),
        actor: actor ?? { id: null, type: 'system', displayName: null },
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
  // A next link continues the same round, so it keeps the round's lower bound.
  const readAt = next
    ? (state.readAt ?? new Date(now - FIRST_READ_LOOKBACK_MS).toISOString())
    : new Date(now).toISOString();
  return {
    events,
    cursor: encode({ ...state, link: next ?? delta ?? null, readAt }),
    more: next !== undefined,
  };
}
