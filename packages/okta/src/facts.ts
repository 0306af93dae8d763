/**
 * Subject facts: status, groups, admin roles, manager / sponsor, factors and authenticator enrollments
 * with dates, and the channels on file with their last change (from the System Log).
 * @module
 */

import type { User, UserFactor } from '@okta/okta-sdk-nodejs';
import {
  type AccountStatus,
  type Authenticator,
  type AuthenticatorKind,
  GateError,
  type PersonRef,
  type SubjectFacts,
} from '@recovery-gate/core';
import { field, isoOf, type Json, type OktaContext, text } from './client/context.js';
import { channelsOf } from './facts/channels.js';
import { type Refusals, refuse } from './facts/reads.js';

const STATUS: Readonly<Record<string, AccountStatus>> = {
  ACTIVE: 'active',
  LOCKED_OUT: 'locked',
  PASSWORD_EXPIRED: 'password_expired',
  RECOVERY: 'recovery',
  STAGED: 'staged',
  PROVISIONED: 'provisioned',
  SUSPENDED: 'suspended',
  DEPROVISIONED: 'deprovisioned',
};

/** Profile attributes policy selectors may read. */
const ATTRIBUTES = [
  'employeeType',
  'contractEnd',
  'userType',
  'department',
  'title',
  'costCenter',
  'organization',
  'division',
  'employeeNumber',
];

const FACTOR_KIND: Readonly<Record<string, AuthenticatorKind>> = {
  push: 'push',
  'token:software:totp': 'totp',
  'token:hotp': 'totp',
  'token:hardware': 'totp',
  sms: 'sms',
  call: 'voice',
  email: 'email',
  webauthn: 'webauthn',
  u2f: 'webauthn',
  signed_nonce: 'push',
  question: 'other',
};

const ENROLLMENT_KIND: Readonly<Record<string, AuthenticatorKind>> = {
  okta_password: 'password',
  okta_email: 'email',
  tac: 'temporary_access',
  phone_number: 'sms',
  webauthn: 'webauthn',
  okta_verify: 'push',
  google_otp: 'totp',
  security_question: 'other',
};

/** Reads a user by id or login. @throws GateError ERR_USER_NOT_FOUND */
export async function getUser(ctx: OktaContext, user: string): Promise<User> {
  if (user.trim() === '') throw new GateError('ERR_INPUT_INVALID', 'A user id or login is required');
  return ctx.call('getUser', 'user', () => ctx.client.userApi.getUser({ userId: user }));
}

/** Okta user ids: `00u` and 17 more letters or digits. */
const USER_ID = /^00u[0-9A-Za-z]{17}$/;

/**
 * The Okta id of a user given by id or login. An id is used as is, with no read: the user-scoped call
 * that follows answers 404 (ERR_USER_NOT_FOUND) for a user that does not exist. A login costs one read,
 * since only `GET /users/{id}` accepts one.
 * @throws GateError ERR_USER_NOT_FOUND, ERR_INPUT_INVALID
 */
export async function userIdOf(ctx: OktaContext, user: string): Promise<string> {
  if (USER_ID.test(user)) return user;
  return String((await getUser(ctx, user)).id);
}

/** A person reference from a user. */
export function personOf(user: User): PersonRef {
  const p = user.profile as Json | undefined;
  const first = text(p, 'firstName');
  const last = text(p, 'lastName');
  const name = text(p, 'displayName') ?? ([first, last].filter(Boolean).join(' ') || null);
  return { id: String(user.id), login: text(p, 'login'), displayName: name };
}

/** Finds a user by id or login; null when none. */
export async function findUser(ctx: OktaContext, user: string): Promise<PersonRef | null> {
  if (user.trim() === '') return null;
  const found = await ctx.optional('getUser', () => ctx.client.userApi.getUser({ userId: user }));
  return found ? personOf(found) : null;
}

async function collect<T>(
  ctx: OktaContext,
  op: string,
  fn: () => Promise<AsyncIterable<T | null>>,
  refusals?: Refusals,
): Promise<T[] | null> {
  try {
    return await ctx.call(op, 'user', async () => {
      const out: T[] = [];
      for await (const item of await fn()) {
        if (item === null) break;
        out.push(item);
      }
      return out;
    });
  } catch (error) {
    // Unreadable for lack of permission is "unknown" (null), which policy treats as the riskier answer.
    if (error instanceof GateError && error.code === 'ERR_IDP_FORBIDDEN') {
      if (refusals) refuse(refusals, op);
      return null;
    }
    throw error;
  }
}

/** The manager or sponsor named on the profile; null when none, or when Okta refuses the read (noted). */
async function personByRef(
  ctx: OktaContext,
  ref: string | null,
  fact: 'manager' | 'sponsor',
  refusals: Refusals,
): Promise<PersonRef | null> {
  if (!ref) return null;
  try {
    return await findUser(ctx, ref);
  } catch (error) {
    if (!(error instanceof GateError && error.code === 'ERR_IDP_FORBIDDEN')) throw error;
    refuse(refusals, fact === 'manager' ? 'getManager' : 'getSponsor');
    return null;
  }
}

/** Reads the OIE authenticator enrollments; null when unreadable for lack of permission. */
async function enrollmentsOf(ctx: OktaContext, userId: string, refusals?: Refusals): Promise<Json[] | null> {
  // SDK 8.1.0 deserialises listAuthenticatorEnrollments as one empty object instead of the array
  // (okta.md §9.6 #2), so this one read goes through the SDK's raw HTTP helper.
  // @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserAuthenticatorEnrollments/#tag/UserAuthenticatorEnrollments/operation/listAuthenticatorEnrollments
  const url = `${ctx.client.baseUrl}/api/v1/users/${encodeURIComponent(userId)}/authenticator-enrollments`;
  try {
    const body = await ctx.call('listAuthenticatorEnrollments', 'user', () => ctx.client.http.getJson(url));
    return Array.isArray(body) ? (body as Json[]) : null;
  } catch (error) {
    if (error instanceof GateError && error.code === 'ERR_IDP_FORBIDDEN') {
      if (refusals) refuse(refusals, 'listAuthenticatorEnrollments');
      return null;
    }
    throw error;
  }
}

function fromFactor(f: UserFactor): Authenticator {
  const status = String(f.status);
  return {
    id: String(f.id),
    kind: FACTOR_KIND[String(f.factorType)] ?? 'other',
    label:
      text(f.profile, 'name') ??
      text(f.profile, 'authenticatorName') ??
      text(f.profile, 'phoneNumber') ??
      String(f.factorType),
    enrolledAt: isoOf(f.created),
    status: status === 'ACTIVE' ? 'active' : status.startsWith('PENDING') ? 'pending' : 'inactive',
    supportsDeviceChallenge: f.factorType === 'push' && f.provider === 'OKTA' && status === 'ACTIVE',
  };
}

function fromEnrollment(e: Json): Authenticator {
  return {
    id: String(field(e, 'id')),
    kind: ENROLLMENT_KIND[String(field(e, 'key'))] ?? 'other',
    label: text(e, 'name'),
    enrolledAt: isoOf(field(e, 'created')),
    status: text(e, 'status') === 'ACTIVE' ? 'active' : 'inactive',
    supportsDeviceChallenge: false,
  };
}

/** v1 factors plus the OIE enrollments they do not already cover (password, email, TAC...). */
function mergeAuthenticators(
  factors: UserFactor[] | null,
  enrollments: Json[] | null,
): Authenticator[] | null {
  if (factors === null && enrollments === null) return null;
  const out = (factors ?? []).map(fromFactor);
  const ids = new Set(out.map((a) => a.id));
  const kinds = new Set(out.map((a) => a.kind));
  for (const enrollment of (enrollments ?? []).map(fromEnrollment)) {
    // The factors API already listed these under the same ids (or the same kind, e.g. okta_verify = push).
    const covered =
      kinds.has(enrollment.kind) && enrollment.kind !== 'password' && enrollment.kind !== 'temporary_access';
    if (!ids.has(enrollment.id) && !(factors !== null && covered)) out.push(enrollment);
  }
  return out;
}

/** Lists factors; null when unreadable for lack of permission. */
function factorsOf(ctx: OktaContext, userId: string, refusals?: Refusals): Promise<UserFactor[] | null> {
  return collect(ctx, 'listFactors', () => ctx.client.userFactorApi.listFactors({ userId }), refusals);
}

/**
 * The authenticators of a user: factors and enrollments, read in parallel (one round trip). Either list
 * refused leaves them unknown: half a list could hide a factor enrolled yesterday.
 */
async function authenticatorsOf(
  ctx: OktaContext,
  userId: string,
  factorsRead: Promise<UserFactor[] | null>,
  refusals: Refusals,
): Promise<Authenticator[] | null> {
  const [factors, enrollments] = await Promise.all([factorsRead, enrollmentsOf(ctx, userId, refusals)]);
  return factors === null || enrollments === null ? null : mergeAuthenticators(factors, enrollments);
}

/**
 * What a reset needs and nothing more: the factor and enrollment lists, read in parallel. Unlike the facts
 * read, a list it may not read is an error: a reset that cannot see every authenticator could leave one.
 * @throws GateError ERR_USER_NOT_FOUND, ERR_IDP_FORBIDDEN
 */
export async function readAuthenticators(ctx: OktaContext, userId: string): Promise<Authenticator[]> {
  const [factors, enrollments] = await Promise.all([factorsOf(ctx, userId), enrollmentsOf(ctx, userId)]);
  const merged = factors === null || enrollments === null ? null : mergeAuthenticators(factors, enrollments);
  if (merged === null) {
    throw new GateError('ERR_IDP_FORBIDDEN', 'Okta did not let the gate list the authenticators to reset', {
      details: { factors: factors !== null, enrollments: enrollments !== null },
    });
  }
  return merged;
}

/** Reads the facts policy needs about a user (by id or login). */
export async function readSubjectFacts(ctx: OktaContext, userRef: string): Promise<SubjectFacts> {
  const user = await getUser(ctx, userRef);
  const userId = String(user.id);
  const profile = (user.profile ?? {}) as Json;
  const refusals: Refusals = [];
  const factorsRead = factorsOf(ctx, userId, refusals);
  const [groups, roles, authenticators, manager, sponsor, channels] = await Promise.all([
    collect(ctx, 'listUserGroups', () => ctx.client.userApi.listUserGroups({ userId }), refusals),
    collect(
      ctx,
      'listAssignedRolesForUser',
      () => ctx.client.roleAssignmentApi.listAssignedRolesForUser({ userId }),
      refusals,
    ),
    authenticatorsOf(ctx, userId, factorsRead, refusals),
    personByRef(ctx, text(profile, 'managerId') ?? text(profile, 'manager'), 'manager', refusals),
    personByRef(ctx, text(profile, 'sponsorId') ?? text(profile, 'sponsor'), 'sponsor', refusals),
    channelsOf(ctx, user, factorsRead, refusals),
  ]);
  const attributes: Record<string, string | null> = {};
  for (const key of ATTRIBUTES) {
    const value = field(profile, key);
    if (value !== undefined) attributes[key] = value === null ? null : String(value);
  }
  // Names for binding an identity verification to this record (profile firstName / lastName).
  for (const [key, name] of [
    ['firstName', 'givenName'],
    ['lastName', 'familyName'],
  ] as const) {
    const value = field(profile, key);
    if (typeof value === 'string' && value.trim() !== '') attributes[name] = value;
  }
  const person = personOf(user);
  return {
    idp: 'okta',
    userId,
    login: person.login ?? userId,
    displayName: person.displayName,
    status: STATUS[String(user.status)] ?? 'unknown',
    groups: groups === null ? null : groups.map((g) => String(g.profile?.name ?? g.id)),
    adminRoles: roles === null ? null : [...new Set(roles.map(roleName))],
    attributes,
    manager,
    sponsor,
    authenticators,
    channels,
    protectedUnit: null,
    readAt: ctx.now().toISOString(),
    unreadable: refusals,
    adminRoleGrants: (roles ?? []).map((r) => ({
      role: roleName(r),
      state: 'active' as const,
      // Okta says a role came through a group, not which one (the user's groups are listed beside it).
      via: field(r, 'assignmentType') === 'GROUP' ? 'a group' : null,
      scope: field(r, 'type') === 'CUSTOM' ? `resource set ${String(field(r, 'resource-set') ?? '')}` : 'org',
    })),
  };
}

/** A role's name as selectors match it: the type, or a custom role's label. */
function roleName(r: unknown): string {
  return String(field(r, 'type') === 'CUSTOM' ? field(r, 'label') : field(r, 'type'));
}
