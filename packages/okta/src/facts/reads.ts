/**
 * The Okta reads subject facts depend on: the OAuth scope (or admin permission) each needs, which facts
 * stay unknown without it, and what policy then does. A refused read is noted on the facts for the case
 * view; `plan` prints the table.
 * @module
 */

import type { UnreadableFact } from '@recovery-gate/core';

/** Each fact read, by SDK operation. */
export const FACT_PERMISSIONS = {
  getUser: {
    endpoint: 'GET /api/v1/users/{id}',
    permission: 'okta.users.read',
    facts: ['*'],
    without: 'no case: the subject cannot be read',
  },
  listUserGroups: {
    endpoint: 'GET /api/v1/users/{id}/groups',
    permission: 'okta.users.read',
    facts: ['groups'],
    without: 'groups unknown: the riskiest class',
  },
  listAssignedRolesForUser: {
    endpoint: 'GET /api/v1/users/{id}/roles',
    permission: 'okta.roles.read',
    facts: ['adminRoles'],
    without: 'admin roles (direct and through groups) unknown: the riskiest class',
  },
  listFactors: {
    endpoint: 'GET /api/v1/users/{id}/factors',
    permission: 'okta.users.read',
    facts: ['authenticators'],
    without: 'authenticators unknown: no device challenge, no possession proof',
  },
  listAuthenticatorEnrollments: {
    endpoint: 'GET /api/v1/users/{id}/authenticator-enrollments',
    permission: 'okta.users.read',
    facts: ['authenticators'],
    without: 'authenticators unknown: no possession proof',
  },
  listLogEvents: {
    endpoint: 'GET /api/v1/logs',
    permission: 'okta.logs.read',
    facts: ['channels.lastChangedAt'],
    without: 'channel change dates unknown: every channel counts as changed just now',
  },
  getManager: {
    endpoint: 'GET /api/v1/users/{managerId}',
    permission: 'okta.users.read',
    facts: ['manager'],
    without: 'manager unknown: no manager approval',
  },
  getSponsor: {
    endpoint: 'GET /api/v1/users/{sponsorId}',
    permission: 'okta.users.read',
    facts: ['sponsor'],
    without: 'sponsor unknown: no sponsor approval (contractors are denied)',
  },
} as const;

/** A read named in {@link FACT_PERMISSIONS}. */
export type FactRead = keyof typeof FACT_PERMISSIONS;

/** The refusals of one facts read. */
export type Refusals = UnreadableFact[];

/** Notes that Okta refused `read`, leaving its facts unknown (an unknown operation is noted as is). */
export function refuse(refusals: Refusals, read: string): void {
  const known = (FACT_PERMISSIONS as Record<string, (typeof FACT_PERMISSIONS)[FactRead]>)[read];
  for (const fact of known?.facts ?? [read]) {
    const endpoint = known?.endpoint ?? read;
    if (!refusals.some((r) => r.fact === fact && r.endpoint === endpoint))
      refusals.push({ fact, reason: 'forbidden', permission: known?.permission ?? null, endpoint });
  }
}
