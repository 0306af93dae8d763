/**
 * Reads subject facts: account state, transitive groups and directory roles, manager and sponsor,
 * methods with dates, channels with their last change (from directoryAudits where Graph has no date),
 * restricted management unit membership, and employeeType / employeeLeaveDateTime.
 * @module
 */

import { GateError, type PersonRef, type SubjectFacts } from '@recovery-gate/core';
import {
  ADMIN_DELETED,
  ADMIN_REGISTERED,
  ADMIN_UPDATED,
  UPDATE_USER,
  USER_SECURITY_INFO,
} from './audit-names.js';
import { type AuditRecord, userAuditsSince } from './audit-read.js';
import { hasStatus, toGateError } from './errors.js';
import { authenticatorOf, type ChangeEvidence, channelsOf, type GraphMethod, latest } from './facts-map.js';
import { type EntraContext, graphList, seg } from './graph.js';
import { extraRoles } from './roles.js';
import { type GraphUser, lookupUser, personOf, USER_FIELDS } from './users.js';

const DAY = 86_400_000;

interface DirectoryObject {
  readonly '@odata.type'?: string;
  readonly id: string;
  readonly displayName?: string | null;
  readonly isMemberManagementRestricted?: boolean | null;
}

/** Null when Graph refuses to show it (forbidden): unknown facts never lower the subject class. */
async function orNull<T>(work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof GateError && error.code === 'ERR_IDP_FORBIDDEN') return null;
    throw error;
  }
}

async function personAt(ctx: EntraContext, path: string): Promise<PersonRef | null> {
  try {
    const user = (await ctx.client
      .api(path)
      .select(['id', 'userPrincipalName', 'displayName'])
      .get()) as GraphUser;
    return personOf(user);
  } catch (error) {
    // No manager (404) or not readable (403): unknown. Throttling or an outage is an IdP failure.
    if (hasStatus(error, 404) || hasStatus(error, 403)) return null;
    throw toGateError(error, 'read manager');
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
async function readUser(ctx: EntraContext, userRef: string): Promise<GraphUser | null> {
  try {
    return await lookupUser(ctx, userRef, USER_FIELDS);
  } catch (error) {
    if (!(error instanceof GateError && error.code === 'ERR_IDP_FORBIDDEN')) throw error;
    return lookupUser(
      ctx,
      userRef,
      USER_FIELDS.filter((field) => !LIFECYCLE_FIELDS.has(field)),
    );
  }
}

/** Active roles (transitive) plus eligible and unit-scoped ones; null when memberships were unreadable. */
function adminRolesOf(active: readonly DirectoryObject[] | null, extra: readonly string[]): string[] | null {
  if (active === null) return null;
  return [...new Set([...active.map((r) => r.displayName ?? r.id), ...extra])];
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
    contractEnd: leave === null ? null : leave.slice(0, 10),
  };
}

/** Reads the subject facts of `userRef` (object id, UPN or login). @throws ERR_USER_NOT_FOUND */
export async function readSubjectFacts(ctx: EntraContext, userRef: string): Promise<SubjectFacts> {
  const user = await readUser(ctx, userRef);
  if (!user) throw new GateError('ERR_USER_NOT_FOUND', undefined, { details: { user: userRef } });
  const id = seg(user.id);
  const floor = new Date(ctx.now().getTime() - ctx.config.auditRetentionDays * DAY).toISOString();
  const [memberships, methods, manager, sponsors, audits, roles] = await Promise.all([
    orNull(graphList<DirectoryObject>(ctx, `/users/${id}/transitiveMemberOf`, 'read memberships')),
    orNull(graphList<GraphMethod>(ctx, `/users/${id}/authentication/methods`, 'read methods')),
    personAt(ctx, `/users/${id}/manager`),
    orNull(
      graphList<GraphUser>(ctx, `/users/${id}/sponsors`, 'read sponsors', {
        $select: 'id,userPrincipalName,displayName',
      }),
    ),
    orNull(userAuditsSince(ctx, user.id, floor)),
    extraRoles(ctx, user.id),
  ]);
  const byType = (type: string) =>
    memberships === null ? null : memberships.filter((m) => m['@odata.type'] === `#microsoft.graph.${type}`);
  const units = byType('administrativeUnit');
  const restricted =
    user.isManagementRestricted ??
    (units === null ? null : units.some((u) => u.isMemberManagementRestricted === true));
  const sponsor = sponsors?.[0];
  return {
    idp: 'entra',
    userId: user.id,
    login: user.userPrincipalName ?? user.id,
    displayName: user.displayName ?? null,
    status: statusOf(user),
    groups: byType('group')?.map((g) => g.displayName ?? g.id) ?? null,
    adminRoles: adminRolesOf(byType('directoryRole'), roles),
    attributes: attributesOf(user),
    manager,
    sponsor: sponsor ? personOf(sponsor) : null,
    authenticators: methods?.map(authenticatorOf) ?? null,
    channels: methods === null ? null : channelsOf(user, methods, changeEvidence(audits, user.id, floor)),
    protectedUnit: restricted,
    readAt: ctx.now().toISOString(),
  };
}
