/**
 * Maps Graph authentication methods and contact data to the port's authenticators and channels.
 * @module
 */

import type { Authenticator, AuthenticatorKind, Channel } from '@recovery-gate/core';
import type { GraphUser } from './users.js';

/** A Graph authentication method (polymorphic on `@odata.type`). */
export interface GraphMethod {
  readonly '@odata.type'?: string;
  readonly id: string;
  readonly createdDateTime?: string | null;
  readonly [key: string]: unknown;
}

/** The short type name of a method, e.g. `phone` for `#microsoft.graph.phoneAuthenticationMethod`. */
export function methodType(method: GraphMethod): string {
  return /#microsoft\.graph\.(\w+)AuthenticationMethod$/.exec(method['@odata.type'] ?? '')?.[1] ?? 'unknown';
}

const KINDS: Readonly<Record<string, AuthenticatorKind>> = {
  password: 'password',
  phone: 'sms',
  email: 'email',
  microsoftAuthenticator: 'push',
  fido2: 'webauthn',
  windowsHelloForBusiness: 'webauthn',
  platformCredential: 'webauthn',
  softwareOath: 'totp',
  temporaryAccessPass: 'temporary_access',
};

/** The port's kind for a Graph method. */
export function kindOf(method: GraphMethod): AuthenticatorKind {
  return KINDS[methodType(method)] ?? 'other';
}

/** A phone number masked for labels: `+1 555*****01`. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\s/g, '');
  return digits.length <= 4 ? '****' : `${digits.slice(0, 5)}*****${digits.slice(-2)}`;
}

function label(method: GraphMethod): string | null {
  const type = methodType(method);
  if (type === 'phone' && typeof method.phoneNumber === 'string')
    return `${String(method.phoneType ?? 'phone')} ${maskPhone(method.phoneNumber)}`;
  if (type === 'email') return 'recovery email';
  return typeof method.displayName === 'string' ? method.displayName : null;
}

/** A Graph method as an authenticator. Entra has no API push, so no method supports a device challenge. */
export function authenticatorOf(method: GraphMethod): Authenticator {
  const usable = method.isUsable;
  return {
    id: method.id,
    kind: kindOf(method),
    label: label(method),
    enrolledAt: method.createdDateTime ?? null,
    status: usable === false ? 'inactive' : 'active',
    supportsDeviceChallenge: false,
  };
}

/** Latest of two ISO timestamps (nulls ignored). */
export function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** Last-change evidence: per channel kind, the newest audit time, and the floor when audits cover the window. */
export interface ChangeEvidence {
  readonly phone: string | null;
  readonly email: string | null;
  /** The start of the audit window when it was read; null when the audit log could not be read. */
  readonly floor: string | null;
}

function changed(created: string | null, audited: string | null, floor: string | null): string | null {
  // Without the audit log, a method's creation date says nothing of a later edit of the number (PATCH keeps
  // createdDateTime): the last change is unknown, which counts as "just now".
  if (floor === null) return null;
  const known = latest(created, audited);
  if (known !== null) return known;
  // Nothing in the retention window: the value is at least as old as the window (a lower bound).
  return floor;
}

/** The channels on file: phones and the recovery email from methods, and the account mailbox. */
export function channelsOf(
  user: GraphUser,
  methods: readonly GraphMethod[],
  evidence: ChangeEvidence,
): Channel[] {
  const channels: Channel[] = [];
  for (const method of methods) {
    const type = methodType(method);
    const created = method.createdDateTime ?? null;
    if (type === 'phone' && typeof method.phoneNumber === 'string') {
      channels.push({
        id: `phone:${String(method.phoneType ?? 'mobile')}`,
        kind: 'phone',
        value: method.phoneNumber,
        lastChangedAt: changed(created, evidence.phone, evidence.floor),
        verified: true,
        isAccountMailbox: false,
      });
    } else if (type === 'email' && typeof method.emailAddress === 'string') {
      channels.push({
        id: 'email:recovery',
        kind: 'email',
        value: method.emailAddress,
        lastChangedAt: changed(created, evidence.email, evidence.floor),
        verified: true,
        isAccountMailbox: false,
      });
    }
  }
  if (user.mail) {
    channels.push({
      id: 'email:primary',
      kind: 'email',
      value: user.mail,
      // "Update user" on mail is folded into the email evidence: the later of the two is the safe answer.
      lastChangedAt: changed(user.createdDateTime ?? null, evidence.email, evidence.floor),
      verified: true,
      isAccountMailbox: true,
    });
  }
  return channels;
}
