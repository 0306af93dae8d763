/**
 * The Keycloak admin reads subject facts depend on: the `realm-management` role the gate's service account
 * needs for each, which facts stay unknown without it, and what policy then does. A refused read is noted
 * on the facts for the case view; `plan` prints the table.
 * @module
 */

import { GateError, type UnreadableFact } from '@recovery-gate/core';

/** Each fact read. */
export const FACT_PERMISSIONS = {
  user: {
    endpoint: 'GET /admin/realms/{realm}/users/{id}',
    permission: 'realm-management view-users',
    facts: ['*'],
    without: 'no case: the subject cannot be read',
  },
  realmManagement: {
    endpoint: 'GET /admin/realms/{realm}/clients?clientId=realm-management',
    permission: 'realm-management view-clients',
    facts: ['adminRoles'],
    without: 'admin roles unknown: the riskiest class',
  },
  clientRoles: {
    endpoint: 'GET /admin/realms/{realm}/users/{id}/role-mappings/clients/{client}/composite',
    permission: 'realm-management view-users',
    facts: ['adminRoles'],
    without: 'admin roles (direct, composite, through groups and parent groups) unknown: the riskiest class',
  },
  realmRoles: {
    endpoint: 'GET /admin/realms/{realm}/users/{id}/role-mappings/realm/composite',
    permission: 'realm-management view-users',
    facts: ['adminRoles'],
    without: 'privileged realm roles unknown: the riskiest class',
  },
  groups: {
    endpoint: 'GET /admin/realms/{realm}/users/{id}/groups',
    permission: 'realm-management view-users',
    facts: ['groups'],
    without: 'groups unknown: the riskiest class',
  },
  bruteForce: {
    endpoint: 'GET /admin/realms/{realm}/attack-detection/brute-force/users/{id}',
    permission: 'realm-management view-users',
    facts: ['status'],
    without: 'lockout unknown: account status unknown',
  },
  credentials: {
    endpoint: 'GET /admin/realms/{realm}/users/{id}/credentials',
    permission: 'realm-management view-users',
    facts: ['authenticators'],
    without: 'authenticators unknown: no possession proof',
  },
  events: {
    endpoint: 'GET /admin/realms/{realm}/admin-events, /events, /events/config',
    permission: 'realm-management view-events',
    facts: ['channels.lastChangedAt'],
    without: 'channel change dates unknown: every channel counts as changed just now',
  },
  manager: {
    endpoint: 'GET /admin/realms/{realm}/users?username=',
    permission: 'realm-management view-users',
    facts: ['manager'],
    without: 'manager unknown: no manager approval',
  },
  sponsor: {
    endpoint: 'GET /admin/realms/{realm}/users?username=',
    permission: 'realm-management view-users',
    facts: ['sponsor'],
    without: 'sponsor unknown: no sponsor approval',
  },
} as const;

/** A read named in {@link FACT_PERMISSIONS}. */
export type FactRead = keyof typeof FACT_PERMISSIONS;

/** The refusals of one facts read. */
export type Refusals = UnreadableFact[];

/** Notes that Keycloak refused `read`, leaving its facts unknown. */
export function refuse(refusals: Refusals, read: FactRead): void {
  const { endpoint, permission, facts } = FACT_PERMISSIONS[read];
  for (const fact of facts)
    if (!refusals.some((r) => r.fact === fact && r.endpoint === endpoint))
      refusals.push({ fact, reason: 'forbidden', permission, endpoint });
}

/** Runs a read: a refusal gives null (unknown) and a note, anything else propagates. */
export async function optional<T>(
  refusals: Refusals,
  read: FactRead,
  work: () => Promise<T>,
): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof GateError && error.code === 'ERR_IDP_FORBIDDEN')) throw error;
    refuse(refusals, read);
    return null;
  }
}
