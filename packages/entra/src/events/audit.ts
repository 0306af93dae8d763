/**
 * The `directory_audits` stream: native recoveries and bypasses read from directoryAudits, with a cursor
 * of (window start, high-water mark, ids already emitted, next link) so late records inside the overlap
 * window are caught once and never twice.
 * @module
 */

import {
  type AuthenticatorKind,
  type EventKind,
  GateError,
  type NormalizedEvent,
  RECOVERY_ACTIONS,
  type RecoveryAction,
} from '@recovery-gate/core';
import { type EntraContext, graphPage, type Page } from '../client.js';
import {
  ADMIN_DELETED,
  ADMIN_REGISTERED,
  ADMIN_UPDATED,
  ENABLE_ACTIVITIES,
  GROUP_REMOVE,
  PASSWORD_RESET_ACTIVITIES,
  REVOKE_ACTIVITIES,
  UPDATE_USER,
  USER_SECURITY_INFO,
} from './audit-names.js';
import type { AuditRecord } from './audit-read.js';

interface AuditCursor {
  readonly v: 1;
  /** Window start of the next fresh query. */
  readonly since: string;
  /** Newest activityDateTime seen. */
  readonly high: string;
  /** Emitted record ids with their time, pruned to the window. */
  readonly seen: readonly (readonly [string, string])[];
  /** Continuation of a paged query in progress. */
  readonly next?: string;
}

/**
 * directoryAudits per request. The list reference documents `$top` but no maximum; 999 is the documented
 * maximum of Graph's directory collections, and the largest page the emulator serves.
 * @see https://learn.microsoft.com/graph/api/directoryaudit-list
 */
const PAGE_SIZE = 999;

function decode(cursor: string): AuditCursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as AuditCursor;
    if (parsed.v !== 1 || typeof parsed.since !== 'string' || !Array.isArray(parsed.seen))
      throw new Error('bad cursor');
    return parsed;
  } catch (error) {
    throw new GateError('ERR_INPUT_INVALID', 'The directory_audits cursor is not one this adapter wrote.', {
      cause: error,
    });
  }
}

function encode(cursor: AuditCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function authenticatorKindOf(reason: string): AuthenticatorKind | null {
  const text = reason.toLowerCase();
  if (text.includes('temporary access pass')) return 'temporary_access';
  if (text.includes('phone')) return 'sms';
  if (text.includes('authenticator')) return 'push';
  if (
    text.includes('fido') ||
    text.includes('passkey') ||
    text.includes('security key') ||
    text.includes('hello')
  )
    return 'webauthn';
  if (text.includes('oath')) return 'totp';
  if (text.includes('email')) return 'email';
  if (text.includes('password')) return 'password';
  return null;
}

function unquote(value: string | null | undefined): string {
  return (value ?? '').replace(/^\[?"?|"?\]?$/g, '');
}

/** The request action of a group membership record, when the group is a request group. */
function requestActionOf(ctx: EntraContext, record: AuditRecord): RecoveryAction | null {
  const names: string[] = [];
  for (const target of record.targetResources ?? []) {
    if ((target.type ?? '').toLowerCase() === 'group' && target.displayName) names.push(target.displayName);
    for (const prop of target.modifiedProperties ?? []) {
      if (prop.displayName === 'Group.DisplayName')
        names.push(unquote(prop.oldValue), unquote(prop.newValue));
    }
  }
  const prefix = ctx.config.requestGroups.prefix;
  for (const name of names) {
    const action = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    if ((RECOVERY_ACTIONS as readonly string[]).includes(action)) return action as RecoveryAction;
  }
  return null;
}

function contactChange(record: AuditRecord): boolean {
  const reason = (record.resultReason ?? '').toLowerCase();
  if (reason.includes('phone') || reason.includes('email')) return true;
  const props = (record.targetResources ?? []).flatMap((t) => t.modifiedProperties ?? []);
  return props.some((p) => /phone|mail/i.test(p.displayName ?? ''));
}

function kindOf(record: AuditRecord): EventKind | null {
  const name = record.activityDisplayName;
  const reason = (record.resultReason ?? '').toLowerCase();
  if (PASSWORD_RESET_ACTIVITIES.has(name)) return 'native_password_reset';
  if (ADMIN_REGISTERED.has(name)) {
    if (reason.includes('temporary access pass')) return 'native_temporary_credential';
    return contactChange(record) ? 'native_contact_changed' : 'native_authenticator_enrolled';
  }
  if (ADMIN_UPDATED.has(name))
    return contactChange(record) ? 'native_contact_changed' : 'native_authenticator_enrolled';
  if (ADMIN_DELETED.has(name)) return 'native_authenticator_reset';
  if (USER_SECURITY_INFO.has(name)) return contactChange(record) ? 'native_contact_changed' : null;
  if (REVOKE_ACTIVITIES.has(name)) return 'native_sessions_revoked';
  if (ENABLE_ACTIVITIES.has(name)) return 'native_unlock';
  if (name === UPDATE_USER) return contactChange(record) ? 'native_contact_changed' : null;
  if (name === GROUP_REMOVE) return 'recovery_request_withdrawn';
  return null;
}

/** Normalises one audit record; null when irrelevant or initiated by the gate's own app. */
export function normaliseAudit(ctx: EntraContext, record: AuditRecord): NormalizedEvent | null {
  const app = record.initiatedBy?.app;
  if (app?.appId && app.appId.toLowerCase() === ctx.clientId.toLowerCase()) return null;
  if (record.result && record.result !== 'success') return null;
  const kind = kindOf(record);
  if (kind === null) return null;
  const action = kind === 'recovery_request_withdrawn' ? requestActionOf(ctx, record) : null;
  if (kind === 'recovery_request_withdrawn' && action === null) return null;
  const target =
    (record.targetResources ?? []).find((t) => (t.type ?? '').toLowerCase() === 'user') ??
    record.targetResources?.[0];
  if (!target?.id) return null;
  const user = record.initiatedBy?.user;
  const actor = user?.id
    ? { id: user.id, type: 'user' as const, displayName: user.displayName ?? user.userPrincipalName ?? null }
    : app?.appId
      ? { id: app.appId, type: 'app' as const, displayName: app.displayName ?? null }
      : { id: 'system', type: 'system' as const, displayName: null };
  return {
    id: record.id,
    idp: 'entra',
    kind,
    sourceType: record.activityDisplayName,
    occurredAt: record.activityDateTime,
    actor,
    subject: { userId: target.id, login: target.userPrincipalName ?? null },
    action,
    authenticatorKind: kind.startsWith('native_') ? authenticatorKindOf(record.resultReason ?? '') : null,
  };
}

function later(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** Reads one page of the directory_audits stream. */
export async function readAuditEvents(ctx: EntraContext, cursor: string | null, since: string | undefined) {
  const start = since ?? new Date(ctx.now().getTime() - 15 * 60_000).toISOString();
  const state: AuditCursor = cursor ? decode(cursor) : { v: 1, since: start, high: start, seen: [] };
  const page: Page<AuditRecord> = state.next
    ? await graphPage<AuditRecord>(ctx, state.next, 'read audit log')
    : await graphPage<AuditRecord>(ctx, '/auditLogs/directoryAudits', 'read audit log', {
        $filter: `activityDateTime ge ${state.since}`,
        $orderby: 'activityDateTime asc',
        $top: PAGE_SIZE,
      });
  const seen = new Map(state.seen.map(([id, at]) => [id, at]));
  const events: NormalizedEvent[] = [];
  let high = state.high;
  for (const record of page.value) {
    high = later(high, record.activityDateTime);
    if (seen.has(record.id)) continue;
    const event = normaliseAudit(ctx, record);
    if (event === null) continue;
    seen.set(record.id, record.activityDateTime);
    // One operation writes several records (e.g. "Admin started password reset" and "Reset password (by
    // admin)") under one correlation id: report it once.
    const operation = record.correlationId
      ? `op:${record.correlationId}:${event.kind}:${event.subject.userId}`
      : null;
    if (operation !== null && seen.has(operation)) continue;
    if (operation !== null) seen.set(operation, record.activityDateTime);
    events.push(event);
  }
  // Only what the next read can meet again needs remembering: records at or after the overlap window
  // below the newest seen (the next query starts there; pages of one query never repeat a record). Pruning
  // on every page keeps the cursor small during a long catch-up (it held every id of the backlog before).
  // Measured back from the read (or the newest record, if earlier): a record Entra ingests late carries an
  // old activityDateTime, so it is caught only while the window still reaches back to it.
  const base = Math.min(Date.parse(high), ctx.now().getTime());
  const windowStart = new Date(base - ctx.config.auditOverlapSeconds * 1000).toISOString();
  const kept = [...seen]
    .filter(([, at]) => Date.parse(at) >= Date.parse(windowStart))
    .sort((a, b) => a[0].localeCompare(b[0]));
  const next = page['@odata.nextLink'];
  if (next) {
    return { events, cursor: encode({ v: 1, since: state.since, high, seen: kept, next }), more: true };
  }
  const newSince = later(state.since, windowStart);
  return { events, cursor: encode({ v: 1, since: newSince, high, seen: kept }), more: false };
}
