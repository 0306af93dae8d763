/**
 * Reads subject facts: account state, transitive groups and directory roles, manager and sponsor,
 * methods with dates, channels with their last change (from directoryAudits where Graph has no date),
 * restricted management unit membership, and employeeType / employeeLeaveDateTime.
 * @module
 */

import {
  type AdminRoleGrant,
  GateError,
  type IdpRefusal,
  type PersonRef,
  parseAttributeDate,
  type SubjectFacts,
} from '@recovery-gate/core';
import { type EntraContext, graphList, seg } from './client.js';
import { hasStatus, toGateError } from './errors.js';
import {
  ADMIN_DELETED,
  ADMIN_REGISTERED,
  ADMIN_UPDATED,
  UPDATE_USER,
  USER_SECURITY_INFO,
} from './events/audit-names.js';
import { type AuditRecord, userAuditsSince } from './events/audit-read.js';
import { authenticatorOf, type ChangeEvidence, channelsOf, type GraphMethod, latest } from './facts/map.js';
import { isRefusal, orUnknown, type Refusals, refuse } from './facts/reads.js';
import { type DirectoryObject, readRoles } from './facts/roles.js';
import { type GraphUser, lookupUser, personOf, USER_FIELDS } from './facts/users.js';

const DAY = 86_400_000;

async function managerOf(ctx: EntraContext, id: string, refusals: Refusals): Promise<PersonRef | null> {
  try {
    const user = (await ctx.client
      .api(`/users/${id}/manager`)
      .select(['id', 'userPrincipalName', 'displayName'])
      .get()) as GraphUser;
    return personOf(user);
  } catch (error) {
    // 404: no manager. 403: unknown, noted. Throttling or an outage is an IdP failure.
    if (hasStatus(error, 404)) return null;
    const mapped = toGateError(error, { operation: 'read manager' });
    if (!isRefusal(mapped)) throw mapped;
    refuse(refusals, 'manager', 'manager');
    return null;
  }
}

const CONTACT_ACTIVITIES = new Set([
  ...ADMIN_REGISTERED,
  ...ADMIN_UPDATED,
  ...ADMIN_DELETED,
  ...USER_SECURITY_INFO,
]);

/** When phone and email last changed, per the audit log window. */
export function changeEvidence(
  records: readonly AuditRecord[] | null,
  userId: string,
  floor: string,
): ChangeEvidence {
  if (records === null) return { phone: null, email: null, floor: null };
  let phone: string | null = null;
  let email: string | null = null;
  for (const record of records) {
    const target = record.targetResources?.find((t) => t.id === userId);
    if (!target) continue;
    const reason = (record.resultReason ?? '').toLowerCase();
    const props = (target.modifiedProperties ?? []).map((p) => (p.displayName ?? '').toLowerCase());
    const contact = CONTACT_ACTIVITIES.has(record.activityDisplayName);
    const update = record.activityDisplayName === UPDATE_USER;
    if ((contact && reason.includes('phone')) || (update && props.some((p) => p.includes('phone')))) {
      phone = latest(phone, record.activityDateTime);
    }
    if ((contact && reason.includes('email')) || (update && props.some((p) => p.includes('mail')))) {
      email = latest(email, record.activityDateTime);
    }
  }
  return { phone, email, floor };
}

/** Lifecycle fields that need their own permission (User-LifeCycleInfo.Read.All). */
const LIFECYCLE_FIELDS = new Set(['employeeLeaveDateTime']);

/** Reads the user; without the lifecycle permission, again without those fields (contractEnd unknown). */
async function readUser(ctx: EntraContext, userRef: string, refusals: Refusals): Promise<GraphUser | null> {
  try {
    return await lookupUser(ctx, userRef, USER_FIELDS);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    refuse(refusals, 'attributes.contractEnd', 'lifecycle');
    return lookupUser(
      ctx,
      userRef,
      USER_FIELDS.filter((field) => !LIFECYCLE_FIELDS.has(field)),
    );
  }
}

function statusOf(user: GraphUser): SubjectFacts['status'] {
  if (user.accountEnabled === false) return 'disabled';
  if (user.accountEnabled !== true) return 'unknown';
  return user.passwordProfile?.forceChangePasswordNextSignIn === true ? 'password_expired' : 'active';
}

function attributesOf(user: GraphUser): Record<string, string | null> {
  const leave = user.employeeLeaveDateTime ?? null;
  return {
    employeeType: user.employeeType ?? null,
    employeeLeaveDateTime: leave,
    // The day, when the leave date is ISO 8601; otherwise as written, which core reads as unknown (denies).
    contractEnd: leave === null || parseAttributeDate(leave) === null ? leave : leave.slice(0, 10),
    // Names for binding an identity verification to this record.
    ...(typeof user.givenName === 'string' && user.givenName.trim() !== ''
      ? { givenName: user.givenName }
      : {}),
    ...(typeof user.surname === 'string' && user.surname.trim() !== '' ? { familyName: user.surname } : {}),
  };
}

/** A directory object id in Graph's own (lower-case) form. */
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The user-scoped reads of the facts, by object id, in parallel (the roles follow the memberships). */
function userRead(ctx: EntraContext, userId: string, floor: string, refusals: Refusals) {
  const id = seg(userId);
  const membershipsRead = orUnknown(
    refusals,
    ['groups', 'adminRoles', 'protectedUnit'],
    'memberships',
    graphList<DirectoryObject>(ctx, `/users/${id}/transitiveMemberOf`, 'read memberships'),
  );
  return Promise.all([
    membershipsRead,
    orUnknown(
      refusals,
      ['authenticators', 'channels'],
      'methods',
      graphList<GraphMethod>(ctx, `/users/${id}/authentication/methods`, 'read methods'),
    ),
    managerOf(ctx, id, refusals),
    orUnknown(
      refusals,
      ['sponsor'],
      'sponsors',
      graphList<GraphUser>(ctx, `/users/${id}/sponsors`, 'read sponsors', {
        $select: 'id,userPrincipalName,displayName',
      }),
    ),
    orUnknown(refusals, ['channels.lastChangedAt'], 'audits', userAuditsSince(ctx, userId, floor)),
    readRoles(ctx, userId, membershipsRead, refusals),
  ]);
}

/** Reads the subject facts of `userRef` (object id, UPN or login). @throws ERR_USER_NOT_FOUND */
export async function readSubjectFacts(ctx: EntraContext, userRef: string): Promise<SubjectFacts> {
  const refusals: Refusals = [];
  const floor = new Date(ctx.now().getTime() - ctx.config.auditRetentionDays * DAY).toISOString();
  // An object id addresses every user-scoped read: they go out with the user read (one round, not two).
  // A UPN or login is resolved first.
  const early = OBJECT_ID.test(userRef) ? userRead(ctx, userRef, floor, refusals) : null;
  // A user that does not exist makes the early reads fail too: the user read's answer is the one that counts.
  early?.catch(() => undefined);
  const user = await readUser(ctx, userRef, refusals);
  if (!user) throw new GateError('ERR_USER_NOT_FOUND', undefined, { details: { user: userRef } });
  const [memberships, methods, manager, sponsors, audits, roles] = await (user.id === userRef && early
    ? early
    : userRead(ctx, user.id, floor, refusals));
  const byType = (type: string) =>
    memberships === null ? null : memberships.filter((m) => m['@odata.type'] === `#microsoft.graph.${type}`);
  const units = byType('administrativeUnit');
  const restricted =
    user.isManagementRestricted ??
    (units === null ? null : units.some((u) => u.isMemberManagementRestricted === true));
  const sponsor = sponsors?.[0];
  const idpRefuses = refusalsFor(restricted, roles.names, roles.grants);
  return {
    idp: 'entra',
    userId: user.id,
    login: user.userPrincipalName ?? user.id,
    displayName: user.displayName ?? null,
    status: statusOf(user),
    groups: byType('group')?.map((g) => g.displayName ?? g.id) ?? null,
    adminRoles: roles.names,
    attributes: attributesOf(user),
    manager,
    sponsor: sponsor ? personOf(sponsor) : null,
    authenticators: methods?.map(authenticatorOf) ?? null,
    channels: methods === null ? null : channelsOf(user, methods, changeEvidence(audits, user.id, floor)),
    protectedUnit: restricted,
    readAt: ctx.now().toISOString(),
    unreadable: refusals,
    adminRoleGrants: roles.grants,
    ...(idpRefuses.length > 0 ? { idpRefuses } : {}),
  };
}

const GLOBAL_ADMINISTRATOR = ['Global Administrator', '62e90394-69f5-4237-9190-012177145e10'];

/**
 * What Entra will not let the gate do: nobody can reset the password of a Global Administrator in a
 * restricted management unit ("there's no administrator role that can be assigned at the administrative unit
 * scope that can reset the password of a Global Administrator"), so a password reset is refused up front
 * instead of failing after the sessions were revoked. Roles unknown inside a unit count as that case.
 * @see https://learn.microsoft.com/entra/identity/role-based-access-control/admin-units-restricted-management
 */
function refusalsFor(
  restricted: boolean | null,
  names: readonly string[] | null,
  grants: readonly AdminRoleGrant[],
): IdpRefusal[] {
  if (restricted !== true) return [];
  const active = grants.some((g) => g.state === 'active' && GLOBAL_ADMINISTRATOR.includes(g.role));
  if (names !== null && !active) return [];
  const who =
    names === null
      ? 'whose roles could not be read (a Global Administrator cannot be ruled out)'
      : 'who is a Global Administrator';
  return [
    {
      action: 'password_reset',
      reason: `Entra lets no administrator reset the password of a Global Administrator in a restricted management administrative unit, and this subject is in one ${who}; the subject resets it with self-service password reset, or is recovered with an MFA reset instead`,
    },
  ];
}
