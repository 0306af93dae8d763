/**
 * The System Log: every admin action appends the LogEvent Okta would write, and event hooks subscribed
 * to its type get it delivered (batched per tick, at least once, 3 s timeout, one retry).
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { EmuContext } from './context.js';
import {
  type EmuGroup,
  type EmuUser,
  iso,
  newId,
  newToken,
  type OrgState,
  type Principal,
  type StoredLogEvent,
} from './state.js';

/** A System Log actor or target. */
export interface LogRef {
  readonly id: string;
  readonly type: string;
  readonly alternateId: string;
  readonly displayName: string;
  readonly detailEntry?: Record<string, unknown> | null;
}

/** What a route tells the log about an action. */
export interface LogInput {
  readonly eventType: string;
  readonly actor: LogRef;
  readonly targets: readonly LogRef[];
  readonly outcome?: 'SUCCESS' | 'FAILURE' | 'DENY';
  readonly reason?: string | null;
  readonly debugData?: Record<string, string>;
  /** Backdated events (seeding); defaults to now. */
  readonly publishedMs?: number;
}

const DISPLAY: Readonly<Record<string, string>> = {
  'user.mfa.factor.reset_all': 'Reset all factors for user',
  'user.mfa.factor.deactivate': 'Reset factor for user',
  'user.mfa.factor.activate': 'Activate factor or authenticator enrollment method for user',
  'user.account.reset_password': "Fired when the user's Okta password is reset",
  'user.account.expire_password': "Fired when the user's Okta password is expired",
  'user.account.unlock_by_admin': 'User account unlock by admin',
  'user.account.unlock': 'Auto-unlock user account for Okta',
  'user.account.lock': 'Max sign in attempts exceeded',
  'user.account.update_profile': 'Update user profile for Okta',
  'user.lifecycle.suspend': 'Suspend Okta user',
  'user.lifecycle.unsuspend': 'Unsuspend Okta user',
  'user.session.clear': 'Clear user session',
  'user.session.start': 'User login to Okta',
  'group.user_membership.add': 'Add user to group membership',
  'group.user_membership.remove': 'Remove user from group membership',
  'user.account.privilege.grant': 'Grant user privilege',
  'user.authentication.auth_via_mfa': 'Authentication of user via MFA',
  'system.push.send_factor_verify_push': 'Push notification sent for verification',
};

/** The log reference of a user. */
export function userRef(user: EmuUser): LogRef {
  const first = String(user.profile.firstName ?? '');
  const last = String(user.profile.lastName ?? '');
  return {
    id: user.id,
    type: 'User',
    alternateId: String(user.profile.login),
    displayName: `${first} ${last}`.trim(),
    detailEntry: null,
  };
}

/** The log reference of a group. */
export function groupRef(group: EmuGroup): LogRef {
  return {
    id: group.id,
    type: 'UserGroup',
    alternateId: 'unknown',
    displayName: group.name,
    detailEntry: null,
  };
}

/** The log actor for the calling principal. */
export function actorRef(state: OrgState, principal: Principal): LogRef {
  if (principal.type === 'PublicClientApp') {
    return {
      id: principal.id,
      type: 'PublicClientApp',
      alternateId: principal.id,
      displayName: principal.name,
    };
  }
  const user = state.users.get(principal.id);
  return user
    ? userRef(user)
    : { id: principal.id, type: 'User', alternateId: 'unknown', displayName: 'unknown' };
}

/** Appends an event and schedules hook deliveries for it. */
export function appendEvent(ctx: EmuContext, input: LogInput): StoredLogEvent {
  const publishedMs = input.publishedMs ?? ctx.now();
  const event = {
    uuid: randomUUID(),
    published: iso(publishedMs),
    eventType: input.eventType,
    version: '0',
    severity: input.outcome === 'FAILURE' || input.outcome === 'DENY' ? 'WARN' : 'INFO',
    legacyEventType: null,
    displayMessage: DISPLAY[input.eventType] ?? input.eventType,
    actor: { ...input.actor, detailEntry: null },
    client: {
      userAgent: { rawUserAgent: 'okta-emulator', os: 'Unknown', browser: 'UNKNOWN' },
      zone: 'null',
      device: 'Unknown',
      id: null,
      ipAddress: '127.0.0.1',
      geographicalContext: null,
    },
    device: null,
    authenticationContext: {
      authenticationProvider: null,
      credentialProvider: null,
      credentialType: null,
      issuer: null,
      interface: null,
      authenticationStep: 0,
      externalSessionId: 'unknown',
    },
    outcome: { result: input.outcome ?? 'SUCCESS', reason: input.reason ?? null },
    target: input.targets.map((t) => ({ ...t, detailEntry: t.detailEntry ?? null })),
    transaction: { type: 'WEB', id: newToken(27), detail: {} },
    debugContext: { debugData: { requestId: newId('req'), ...(input.debugData ?? {}) } },
    request: { ipChain: [] },
    securityContext: { asNumber: null, asOrg: null, isp: null, domain: null, isProxy: null },
  };
  ctx.state.seq += 1;
  // The API description declares these fields non-nullable: absent rather than null.
  const stored: StoredLogEvent = {
    seq: ctx.state.seq,
    publishedMs,
    event: compact(event) as Record<string, unknown>,
  };
  ctx.state.log.push(stored);
  scheduleDelivery(ctx, stored);
  return stored;
}

/** Drops null-valued fields, recursively. */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, compact(v)]),
    );
  }
  return value;
}

const pending = new WeakMap<EmuContext, StoredLogEvent[]>();

function scheduleDelivery(ctx: EmuContext, stored: StoredLogEvent): void {
  const queue = pending.get(ctx);
  if (queue) {
    queue.push(stored);
    return;
  }
  pending.set(ctx, [stored]);
  setImmediate(() => {
    const batch = pending.get(ctx) ?? [];
    pending.delete(ctx);
    deliverBatch(ctx, batch);
  });
}

function deliverBatch(ctx: EmuContext, batch: readonly StoredLogEvent[]): void {
  for (const hook of ctx.state.hooks.values()) {
    if (hook.status !== 'ACTIVE' || hook.verificationStatus !== 'VERIFIED') continue;
    const events = batch.filter((s) => hook.events.items.includes(String(s.event.eventType)));
    if (events.length === 0) continue;
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const h of hook.headers) headers[h.key] = h.value;
    if (hook.authScheme) headers[hook.authScheme.key] = hook.authScheme.value;
    const body = {
      eventType: 'com.okta.event_hook',
      eventTypeVersion: '1.0',
      cloudEventsVersion: '0.1',
      source: `${ctx.baseUrl()}/api/v1/eventHooks/${hook.id}`,
      eventId: randomUUID(),
      eventTime: iso(ctx.now()),
      contentType: 'application/json',
      data: { events: events.map((s) => s.event) },
    };
    void ctx.dispatcher.deliver(hook.uri, { method: 'POST', headers, body });
  }
}
