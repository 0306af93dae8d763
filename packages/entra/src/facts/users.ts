/**
 * Finding users by object id, UPN or mail nickname.
 * @module
 */

import type { PersonRef } from '@recovery-gate/core';
import { type EntraContext, graphList, odataString, seg } from '../client.js';
import { hasStatus, toGateError } from '../errors.js';

/** The Graph user fields the adapter reads. */
export interface GraphUser {
  readonly id: string;
  readonly userPrincipalName?: string | null;
  readonly displayName?: string | null;
  readonly accountEnabled?: boolean | null;
  readonly mail?: string | null;
  readonly otherMails?: readonly string[] | null;
  readonly employeeType?: string | null;
  readonly employeeLeaveDateTime?: string | null;
  readonly createdDateTime?: string | null;
  readonly isManagementRestricted?: boolean | null;
  readonly passwordProfile?: { readonly forceChangePasswordNextSignIn?: boolean | null } | null;
  readonly [key: string]: unknown;
}

/** Fields read for facts. */
export const USER_FIELDS = [
  'id',
  'userPrincipalName',
  'displayName',
  'givenName',
  'surname',
  'accountEnabled',
  'mail',
  'otherMails',
  'employeeType',
  'employeeLeaveDateTime',
  'createdDateTime',
  'isManagementRestricted',
  'passwordProfile',
];

/** A PersonRef from a Graph user. */
export function personOf(user: GraphUser): PersonRef {
  return { id: user.id, login: user.userPrincipalName ?? null, displayName: user.displayName ?? null };
}

/** Reads a user by id or UPN; a bare login (`alice`) is matched as a UPN prefix. Null when none. */
export async function lookupUser(
  ctx: EntraContext,
  user: string,
  fields: readonly string[] = USER_FIELDS,
): Promise<GraphUser | null> {
  if (user.trim() === '') return null;
  if (!user.includes('@') && !/^[0-9a-f-]{36}$/i.test(user)) {
    const found = await graphList<GraphUser>(ctx, '/users', 'find user', {
      $filter: `startswith(userPrincipalName,${odataString(`${user}@`)})`,
      $select: fields.join(','),
    });
    return found.length === 1 ? (found[0] ?? null) : null;
  }
  try {
    return (await ctx.client
      .api(`/users/${seg(user)}`)
      .select([...fields])
      .get()) as GraphUser;
  } catch (error) {
    if (hasStatus(error, 404)) return null;
    throw toGateError(error, { operation: 'read user', notFound: 'user' });
  }
}
