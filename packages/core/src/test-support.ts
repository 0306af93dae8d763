/**
 * Builders for unit tests of the core (not part of the public API; excluded from the package).
 * @module
 */

import type { RecoveryRequest } from './decision-types.js';
import type { Approval, ApprovalRole, Evidence, EvidenceKind } from './evidence.js';
import type { Authenticator, Channel, RecoveryAction, SubjectFacts } from './port.js';

/** The fixed "now" of decision tests. */
export const NOW = '2026-03-10T12:00:00.000Z';
const NOW_MS = Date.parse(NOW);

/** An ISO time `minutes` before {@link NOW} (negative: after). */
export function ago(minutes: number): string {
  return new Date(NOW_MS - minutes * 60_000).toISOString();
}

/** An ISO time `days` before {@link NOW}. */
export function daysAgo(days: number): string {
  return ago(days * 24 * 60);
}

/** A bound push authenticator enrolled a year ago. */
export const PUSH: Authenticator = {
  id: 'auth-push',
  kind: 'push',
  label: 'Phone',
  enrolledAt: daysAgo(365),
  status: 'active',
  supportsDeviceChallenge: true,
};

/** A verified mobile phone on file for a year. */
export const PHONE: Channel = {
  id: 'phone:mobile',
  kind: 'phone',
  value: '+15550100',
  lastChangedAt: daysAgo(365),
  verified: true,
  isAccountMailbox: false,
};

/** The account's own mailbox. */
export const MAILBOX: Channel = {
  id: 'email:primary',
  kind: 'email',
  value: 'sam@example.com',
  lastChangedAt: daysAgo(365),
  verified: true,
  isAccountMailbox: true,
};

/** Facts of an ordinary, active user `sam` with a manager, a push authenticator and a phone. */
export function facts(overrides: Partial<SubjectFacts> = {}): SubjectFacts {
  return {
    idp: 'okta',
    userId: 'sam',
    login: 'sam@example.com',
    displayName: 'Sam',
    status: 'active',
    groups: ['Everyone'],
    adminRoles: [],
    attributes: { employeeType: 'employee' },
    manager: { id: 'mgr', login: 'mgr@example.com', displayName: 'Manager' },
    sponsor: null,
    authenticators: [PUSH],
    channels: [PHONE, MAILBOX],
    protectedUnit: null,
    readAt: NOW,
    ...overrides,
  };
}

/** A request by agent `agent` about `sam`. */
export function request(action: RecoveryAction, overrides: Partial<RecoveryRequest> = {}): RecoveryRequest {
  return {
    action,
    subjectId: 'sam',
    requesterId: 'agent',
    origin: 'native_console',
    requestedAt: ago(5),
    ...overrides,
  };
}

/** Evidence produced by the subject `minutes` ago. */
export function ev(kind: EvidenceKind | string, minutes = 1, overrides: Partial<Evidence> = {}): Evidence {
  const channelId = kind === 'phone_otp' ? PHONE.id : null;
  const authenticatorId = kind === 'device_challenge' ? PUSH.id : null;
  const by = kind.endsWith('_approval') || kind === 'supervised_proofing' ? 'officer' : 'sam';
  return { kind: kind as Evidence['kind'], at: ago(minutes), by, channelId, authenticatorId, ...overrides };
}

/** An approval `minutes` ago. */
export function approval(
  approverId: string,
  role: ApprovalRole,
  minutes = 1,
  decision: Approval['decision'] = 'approve',
): Approval {
  return { approverId, role, decision, at: ago(minutes), reason: 'checked' };
}
