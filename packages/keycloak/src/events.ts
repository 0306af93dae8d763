/**
 * The `admin_events` stream: admin-event polling with a persisted cursor (last time + ids read in an overlap window),
 * `dateFrom` in epoch milliseconds (the SDK would send `Date.toString()`), `direction=asc`, first/max paging.
 * Native-console triggers (request-group membership) and bypasses (reset-password, credential removal,
 * execute-actions-email, logout, consent revocation, brute-force clear) by anyone but the gate.
 * @module
 */

import { createHash } from 'node:crypto';
import type AdminEventRepresentation from '@keycloak/keycloak-admin-client/lib/defs/adminEventRepresentation.js';
import type { EventKind, EventPage, NormalizedEvent, RecoveryAction } from '@recovery-gate/core';
import { GateError } from '@recovery-gate/core';
import type { KcSession } from './client.js';
import { type RequestGroups, requestGroups } from './status.js';

/** The one stream this adapter reads. */
export const ADMIN_EVENTS = 'admin_events';
/**
 * Admin events per request. `max` defaults to 100 and the admin API sets no upper bound; 1000 (as Okta's
 * System Log maximum) reads a backlog in a tenth of the calls, each response well under a megabyte.
 */
export const PAGE_SIZE = 1000;
const LOOKBACK_MS = 3_600_000;
const MAX_SKIP_PAGES = 50;

/** The cursor: the newest event time read, and the ids (with times) read within the overlap window before it. */
interface Cursor {
  readonly t: number;
  readonly seen: readonly (readonly [string, number])[];
}

/**
 * Admin events are stamped on the node that handled the request and committed later, so one with an earlier
 * time can appear after a later one was read. Each poll re-reads this window and drops ids already seen.
 */
export const OVERLAP_MS = 5_000;

const encode = (c: Cursor): string =>
  Buffer.from(
    JSON.stringify({
      v: 2,
      t: c.t,
      seen: [...c.seen].sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0])),
    }),
  ).toString('base64url');

const isSeen = (x: unknown): x is [string, number] =>
  Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'number';

function decode(cursor: string): Cursor {
  try {
    const raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      v?: unknown;
      t?: unknown;
      seen?: unknown;
    };
    if (raw.v === 2 && typeof raw.t === 'number' && Array.isArray(raw.seen) && raw.seen.every(isSeen)) {
      return { t: raw.t, seen: raw.seen as [string, number][] };
    }
  } catch {
    // fall through
  }
  throw new GateError('ERR_INPUT_INVALID', 'The admin_events cursor is not one this adapter wrote.');
}

/** The event's id (older servers had none: then a digest of its content). */
export const eventId = (e: AdminEventRepresentation): string =>
  (e as { id?: string }).id ??
  createHash('sha256')
    .update(`${e.time}|${e.operationType}|${e.resourcePath}|${e.authDetails?.userId}`)
    .digest('hex')
    .slice(0, 32);

interface Classified {
  readonly kind: EventKind;
  readonly userId: string;
  readonly action: RecoveryAction | null;
  readonly template: string;
}

/** Maps an admin event to a recovery-relevant kind, or null. */
export function classify(e: AdminEventRepresentation, groups: RequestGroups): Classified | null {
  const path = e.resourcePath ?? '';
  const op = e.operationType;
  const membership = /^users\/([^/]+)\/groups\/([^/]+)$/.exec(path);
  if (e.resourceType === 'GROUP_MEMBERSHIP' && membership !== null) {
    const action = groups.actionById.get(membership[2] as string);
    if (action === undefined) return null;
    const kind =
      op === 'CREATE' ? 'recovery_requested' : op === 'DELETE' ? 'recovery_request_withdrawn' : null;
    return kind === null
      ? null
      : { kind, userId: membership[1] as string, action, template: 'users/{id}/groups/{groupId}' };
  }
  // Clearing a lockout in the console (Attack detection), or re-enabling the user, which removes the login
  // failure on the user's own path (UserResource.updateUser).
  const unlock = /^attack-detection\/brute-force\/users\/([^/]+)$/.exec(path);
  const reEnabled = /^users\/([^/]+)$/.exec(path);
  if (e.resourceType === 'USER_LOGIN_FAILURE' && op === 'DELETE' && (unlock ?? reEnabled) !== null) {
    return {
      kind: 'native_unlock',
      userId: (unlock ?? reEnabled)?.[1] as string,
      action: null,
      template: unlock !== null ? 'attack-detection/brute-force/users/{id}' : 'users/{id}',
    };
  }
  const user = /^users\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (e.resourceType !== 'USER' || user === null || (op !== 'ACTION' && op !== 'DELETE')) return null;
  const [, userId, sub, tail] = user as unknown as [string, string, string, string | undefined];
  const table: Record<string, EventKind> = {
    'reset-password': 'native_password_reset',
    'reset-password-email': 'native_temporary_credential',
    'execute-actions-email': 'native_temporary_credential',
    credentials: 'native_authenticator_reset',
    logout: 'native_sessions_revoked',
    consents: 'native_sessions_revoked',
  };
  const kind = table[sub];
  if (kind === undefined || (sub === 'credentials' && tail === undefined)) return null;
  return {
    kind,
    userId,
    action: null,
    template: `users/{id}/${sub}${tail === undefined ? '' : `/{${sub === 'credentials' ? 'credentialId' : 'clientId'}}`}`,
  };
}

function normalise(e: AdminEventRepresentation, c: Classified): NormalizedEvent {
  const details = (e as { details?: Record<string, string> }).details;
  return {
    id: eventId(e),
    idp: 'keycloak',
    kind: c.kind,
    sourceType: `${e.operationType} ${e.resourceType} ${c.template}`,
    occurredAt: new Date(e.time ?? 0).toISOString(),
    actor: { id: e.authDetails?.userId ?? null, type: 'user', displayName: null },
    subject: { userId: c.userId, login: details?.username ?? null },
    action: c.action,
    authenticatorKind: null,
  };
}

async function fetchPage(s: KcSession, from: number, first: number): Promise<AdminEventRepresentation[]> {
  // dateFrom must be epoch millis (the SDK types it as Date and would send Date.toString(), a 400).
  const query = {
    realm: s.realm,
    dateFrom: String(from) as unknown as Date,
    direction: 'asc',
    resourceTypes: ['USER', 'GROUP_MEMBERSHIP', 'USER_LOGIN_FAILURE'] as unknown as string,
    first,
    max: PAGE_SIZE,
  };
  return s.call((kc) => kc.realms.findAdminEvents(query));
}

/** Reads recovery-relevant admin events since the cursor. */
export async function readEvents(
  s: KcSession,
  stream: string,
  cursor: string | null,
  options?: { readonly since?: string },
): Promise<EventPage> {
  if (stream !== ADMIN_EVENTS)
    throw new GateError('ERR_INPUT_INVALID', `Unknown stream ${stream}; Keycloak has only ${ADMIN_EVENTS}.`);
  const since = options?.since === undefined ? Number.NaN : Date.parse(options.since);
  const start: Cursor =
    cursor !== null
      ? decode(cursor)
      : {
          t: Number.isFinite(since) ? since + OVERLAP_MS : s.now().getTime() - LOOKBACK_MS + OVERLAP_MS,
          seen: [],
        };
  const seen = new Set(start.seen.map(([id]) => id));
  let page: AdminEventRepresentation[] = [];
  let fresh: AdminEventRepresentation[] = [];
  for (let i = 0; i < MAX_SKIP_PAGES; i++) {
    page = await fetchPage(s, start.t - OVERLAP_MS, i * PAGE_SIZE);
    fresh = page.filter((e) => !seen.has(eventId(e)));
    if (fresh.length > 0 || page.length < PAGE_SIZE) break;
  }
  if (fresh.length === 0) return { events: [], cursor: cursor ?? encode(start), more: false };
  const t = Math.max(start.t, ...fresh.map((e) => e.time ?? 0));
  const window = [...start.seen, ...fresh.map((e) => [eventId(e), e.time ?? 0] as const)].filter(
    ([, time]) => time >= t - OVERLAP_MS,
  );
  const next: Cursor = { t, seen: window };
  const [self, cached] = await Promise.all([s.selfUserId(), requestGroups(s)]);
  // A membership of a group the cache does not know may be a request group created since: look again.
  const unknownGroup = fresh.some((e) => {
    const m = /^users\/[^/]+\/groups\/([^/]+)$/.exec(e.resourcePath ?? '');
    return e.resourceType === 'GROUP_MEMBERSHIP' && m !== null && !cached.actionById.has(m[1] as string);
  });
  const groups = unknownGroup ? await requestGroups(s, true) : cached;
  const events: NormalizedEvent[] = [];
  for (const e of fresh) {
    if (e.authDetails?.userId === self) continue; // the gate's own writes are not native actions
    const c = classify(e, groups);
    if (c !== null) events.push(normalise(e, c));
  }
  return { events, cursor: encode(next), more: page.length === PAGE_SIZE };
}
