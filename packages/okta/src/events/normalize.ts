/**
 * System Log events (from polling or an event-hook delivery) normalised to core events. Events whose
 * actor is the gate's own principal never come back; failed actions and self-service changes are ignored.
 * @see https://developer.okta.com/docs/reference/api/event-types/
 * @module
 */

import {
  type AuthenticatorKind,
  type EventActor,
  type EventKind,
  type NormalizedEvent,
  RECOVERY_ACTIONS,
  type RecoveryAction,
} from '@recovery-gate/core';
import { field, isoOf, type Json, text } from '../client/context.js';

/** The event types the adapter reads (System Log filter and event-hook subscription). */
export const EVENT_TYPES: readonly string[] = [
  'group.user_membership.add',
  'group.user_membership.remove',
  'user.mfa.factor.reset_all',
  'user.mfa.factor.deactivate',
  'user.mfa.factor.activate',
  'user.account.reset_password',
  'user.account.expire_password',
  'user.account.unlock_by_admin',
  'user.session.clear',
  'user.account.update_profile',
];

/** Event types Okta will not deliver to hooks (read from the System Log only). */
export const NOT_HOOK_ELIGIBLE: ReadonlySet<string> = new Set(['user.account.expire_password']);

const CHANNEL_ATTRIBUTES = new Set(['email', 'secondEmail', 'mobilePhone', 'primaryPhone']);

/** What normalisation needs from the adapter. */
export interface NormalizeOptions {
  readonly requestPrefix: string;
  /** Actor ids of the gate itself. */
  readonly principals: ReadonlySet<string>;
}

function kindOfAuthenticator(name: string | null): AuthenticatorKind | null {
  const n = (name ?? '').toLowerCase();
  if (n.includes('temporary access')) return 'temporary_access';
  if (n.includes('okta verify') || n === 'push') return 'push';
  if (n.includes('password')) return 'password';
  if (n.includes('security key') || n.includes('webauthn') || n.includes('biometric')) return 'webauthn';
  if (n.includes('phone') || n === 'sms') return 'sms';
  if (n.includes('email')) return 'email';
  if (n.includes('totp') || n.includes('google')) return 'totp';
  return null;
}

function actorOf(raw: Json): EventActor {
  const actor = field(raw, 'actor');
  const type = text(actor, 'type');
  return {
    id: text(actor, 'id'),
    type: type === 'User' ? 'user' : type === 'SystemPrincipal' ? 'system' : 'app',
    displayName: text(actor, 'displayName'),
  };
}

function targetOf(raw: Json, type: string): Json | undefined {
  const targets = field(raw, 'target');
  return Array.isArray(targets) ? (targets as Json[]).find((t) => text(t, 'type') === type) : undefined;
}

function requestAction(group: Json | undefined, prefix: string): RecoveryAction | null {
  const name = text(group, 'displayName');
  if (!name?.startsWith(prefix)) return null;
  const action = name.slice(prefix.length);
  return (RECOVERY_ACTIONS as readonly string[]).includes(action) ? (action as RecoveryAction) : null;
}

/** Classifies an event for a subject, or null when it is not recovery-relevant. */
function classify(
  raw: Json,
  eventType: string,
  byOther: boolean,
): { kind: EventKind; authenticatorKind: AuthenticatorKind | null } | null {
  const enrollment = kindOfAuthenticator(text(targetOf(raw, 'AuthenticatorEnrollment'), 'displayName'));
  switch (eventType) {
    case 'user.mfa.factor.reset_all':
      return { kind: 'native_authenticator_reset', authenticatorKind: null };
    case 'user.mfa.factor.deactivate':
      return byOther ? { kind: 'native_authenticator_reset', authenticatorKind: enrollment } : null;
    case 'user.mfa.factor.activate':
      if (enrollment === 'temporary_access')
        return { kind: 'native_temporary_credential', authenticatorKind: enrollment };
      return byOther ? { kind: 'native_authenticator_enrolled', authenticatorKind: enrollment } : null;
    case 'user.account.reset_password':
    case 'user.account.expire_password':
      return byOther ? { kind: 'native_password_reset', authenticatorKind: 'password' } : null;
    // `user.account.unlock` is the password policy's automatic unlock, whatever actor it names: not a bypass.
    // @see https://developer.okta.com/docs/reference/api/event-types/ ("Auto-unlock user account for Okta")
    case 'user.account.unlock_by_admin':
      return byOther ? { kind: 'native_unlock', authenticatorKind: null } : null;
    case 'user.session.clear':
      return byOther ? { kind: 'native_sessions_revoked', authenticatorKind: null } : null;
    case 'user.account.update_profile': {
      const listed = text(field(field(raw, 'debugContext'), 'debugData'), 'changedAttributes');
      const touchesChannel =
        listed === null || listed.split(',').some((a) => CHANNEL_ATTRIBUTES.has(a.trim()));
      return byOther && touchesChannel ? { kind: 'native_contact_changed', authenticatorKind: null } : null;
    }
    default:
      return null;
  }
}

/** Normalises one LogEvent (SDK model or raw JSON); null when it is not recovery-relevant. */
export function normalizeEvent(raw: Json, options: NormalizeOptions): NormalizedEvent | null {
  const eventType = text(raw, 'eventType');
  const id = text(raw, 'uuid');
  const occurredAt = isoOf(field(raw, 'published'));
  if (!eventType || !id || !occurredAt) return null;
  const outcome = text(field(raw, 'outcome'), 'result');
  if (outcome !== null && outcome !== 'SUCCESS') return null;
  const actor = actorOf(raw);
  if (actor.id !== null && options.principals.has(actor.id)) return null;
  const user = targetOf(raw, 'User');
  const userId = text(user, 'id');
  if (!userId) return null;
  const subject = { userId, login: text(user, 'alternateId') };
  const base = { id, idp: 'okta' as const, sourceType: eventType, occurredAt, actor, subject };
  if (eventType === 'group.user_membership.add' || eventType === 'group.user_membership.remove') {
    const action = requestAction(targetOf(raw, 'UserGroup'), options.requestPrefix);
    if (!action) return null;
    const kind: EventKind = eventType.endsWith('.add') ? 'recovery_requested' : 'recovery_request_withdrawn';
    return { ...base, kind, action, authenticatorKind: null };
  }
  const classified = classify(raw, eventType, actor.id !== userId);
  return classified ? { ...base, ...classified, action: null } : null;
}

/** Normalises a batch: drops irrelevant events and duplicates (same `uuid`), orders by `published`. */
export function normalizeAll(raws: readonly Json[], options: NormalizeOptions): NormalizedEvent[] {
  const seen = new Set<string>();
  const events: NormalizedEvent[] = [];
  for (const raw of raws) {
    const event = normalizeEvent(raw, options);
    if (event && !seen.has(event.id)) {
      seen.add(event.id);
      events.push(event);
    }
  }
  return events.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
}
