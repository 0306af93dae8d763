/**
 * System Log polling with a persisted cursor: a polling request (no `until`, ascending) whose `next`
 * link is always present; the cursor is that link's `after` value. One call reads at most one page.
 * @see https://developer.okta.com/docs/reference/system-log-query/
 * @module
 */

import { type EventPage, GateError } from '@recovery-gate/core';
import type { Json, OktaContext } from './client/context.js';
import { EVENT_TYPES, normalizeAll } from './events/normalize.js';

/** The one stream this adapter reads. */
export const SYSTEM_LOG = 'system_log';

/** Events per page (Okta's maximum). */
export const PAGE_SIZE = 1000;

/** How far back a first read (no cursor, no `since`) looks. */
const DEFAULT_LOOKBACK_MS = 15 * 60_000;

const SINCE_PREFIX = 'since:';

/** The SCIM filter over the event types the adapter reads. */
export function eventFilter(): string {
  return EVENT_TYPES.map((t) => `eventType eq "${t}"`).join(' or ');
}

function startParams(
  ctx: OktaContext,
  cursor: string | null,
  since: string | undefined,
): { since?: string; after?: string } {
  if (cursor !== null && cursor !== '') {
    if (cursor.startsWith(SINCE_PREFIX)) return { since: cursor.slice(SINCE_PREFIX.length) };
    return { after: cursor };
  }
  if (since !== undefined) {
    if (!Number.isFinite(Date.parse(since)))
      throw new GateError('ERR_INPUT_INVALID', 'since must be an ISO-8601 timestamp');
    return { since: new Date(since).toISOString() };
  }
  return { since: new Date(ctx.now().getTime() - DEFAULT_LOOKBACK_MS).toISOString() };
}

function afterOf(nextUri: string | undefined): string | null {
  if (!nextUri) return null;
  try {
    return new URL(nextUri).searchParams.get('after');
  } catch {
    return null;
  }
}

/** Reads recovery-relevant events after `cursor` (or since `since`, or the last 15 minutes). */
export async function readEvents(
  ctx: OktaContext,
  stream: string,
  cursor: string | null,
  options?: { readonly since?: string },
): Promise<EventPage> {
  if (stream !== SYSTEM_LOG) throw new GateError('ERR_INPUT_INVALID', `Unknown Okta event stream: ${stream}`);
  const start = startParams(ctx, cursor, options?.since);
  const principals = await ctx.principalIds();
  const requestPrefix = ctx.config.requestGroups.prefix;
  const { items, nextUri, full } = await ctx.call('listLogEvents', 'other', async () => {
    const collection = await ctx.client.systemLogApi.listLogEvents({
      ...start,
      filter: eventFilter(),
      limit: PAGE_SIZE,
      sortOrder: 'ASCENDING',
    });
    const read: Json[] = [];
    for await (const event of collection) {
      // Polling mode yields null (with done: false) forever once a page is empty (okta.md §9.6 #5).
      if (event === null) break;
      read.push(event as unknown as Json);
      if (read.length === PAGE_SIZE) break;
    }
    return {
      items: read,
      nextUri: collection.nextUri as string | undefined,
      full: read.length === PAGE_SIZE,
    };
  });
  const events = normalizeAll(items, { requestPrefix, principals });
  const after = afterOf(nextUri);
  let next = after ?? cursor ?? '';
  if (after === null) {
    // No next link (not a polling reply): resume from the newest event seen; duplicates are deduped by id.
    const last = items.at(-1);
    const published = last
      ? new Date(String(last.published instanceof Date ? last.published.toISOString() : last.published))
      : null;
    if (published && Number.isFinite(published.getTime())) next = `${SINCE_PREFIX}${published.toISOString()}`;
    else if (next === '') next = `${SINCE_PREFIX}${start.since ?? ctx.now().toISOString()}`;
  }
  return { events, cursor: next, more: full };
}
