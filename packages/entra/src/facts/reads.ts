/**
 * Fact reads that may be refused: a refusal leaves the fact unknown (null) and is noted with the Graph
 * permission whose absence caused it, so the case view can say what to grant. Policy resolves unknown to the
 * riskier answer; an outage or throttling is not a refusal and fails the whole read (the case waits).
 * @module
 */

import { GateError, type UnreadableFact } from '@recovery-gate/core';

/**
 * Every Graph read the facts depend on, with the least-privileged application permission it needs and what
 * policy does without it. `plan` prints this table.
 */
export const FACT_PERMISSIONS = {
  user: {
    endpoint: 'GET /users/{id}',
    permission: 'User.Read.All',
    higher: ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    without: 'no case: the subject cannot be read',
  },
  lifecycle: {
    endpoint: 'GET /users/{id}?$select=employeeLeaveDateTime',
    permission: 'User-LifeCycleInfo.Read.All',
    higher: ['User-LifeCycleInfo.ReadWrite.All'],
    without: 'contract end unknown: contractor classes may match',
  },
  memberships: {
    endpoint: 'GET /users/{id}/transitiveMemberOf',
    permission: 'GroupMember.Read.All',
    higher: ['GroupMember.ReadWrite.All', 'Group.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    without: 'groups and admin roles unknown: the riskiest class',
  },
  methods: {
    endpoint: 'GET /users/{id}/authentication/methods',
    permission: 'UserAuthenticationMethod.Read.All',
    higher: ['UserAuthenticationMethod.ReadWrite.All'],
    without: 'authenticators and channels unknown: no possession proof, no channel counts',
  },
  manager: {
    endpoint: 'GET /users/{id}/manager',
    permission: 'User.Read.All',
    higher: ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    without: 'manager unknown: no manager approval',
  },
  sponsors: {
    endpoint: 'GET /users/{id}/sponsors',
    permission: 'User.Read.All',
    higher: ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    without: 'sponsor unknown: no sponsor approval',
  },
  audits: {
    endpoint: 'GET /auditLogs/directoryAudits',
    permission: 'AuditLog.Read.All',
    higher: [],
    without: 'channel change dates unknown: every channel counts as changed just now',
  },
  roleAssignments: {
    endpoint: 'GET /roleManagement/directory/roleAssignments',
    permission: 'RoleManagement.Read.Directory',
    higher: ['RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All'],
    without: 'roles held directly, through groups or on an administrative unit unknown: the riskiest class',
  },
  roleDefinitions: {
    endpoint: 'GET /roleManagement/directory/roleDefinitions',
    permission: 'RoleManagement.Read.Directory',
    higher: ['RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All'],
    without: 'role names unknown: the riskiest class',
  },
  roleEligibility: {
    endpoint: 'GET /roleManagement/directory/roleEligibilitySchedules',
    permission: 'RoleEligibilitySchedule.Read.Directory',
    higher: [
      'RoleEligibilitySchedule.ReadWrite.Directory',
      'RoleManagement.Read.Directory',
      'RoleManagement.Read.All',
      'RoleManagement.ReadWrite.Directory',
    ],
    without:
      'PIM-eligible roles unknown: the riskiest class (set pim: false only when the tenant has no PIM)',
  },
  groupEligibility: {
    endpoint: 'GET /identityGovernance/privilegedAccess/group/eligibilitySchedules',
    permission: 'PrivilegedEligibilitySchedule.Read.AzureADGroup',
    higher: ['PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup'],
    without: 'PIM for Groups eligible memberships unknown: the riskiest class',
  },
} as const;

/** Reads only a tenant with PIM needs (skipped when the configuration says `pim: false`). */
export const PIM_READS: ReadonlySet<FactRead> = new Set<FactRead>(['roleEligibility', 'groupEligibility']);

/** A read named in {@link FACT_PERMISSIONS}. */
export type FactRead = keyof typeof FACT_PERMISSIONS;

/** Collects the refusals of one facts read. */
export type Refusals = UnreadableFact[];

/** True for a refusal that leaves a fact unknown; anything else (outage, throttling) propagates. */
export function isRefusal(error: unknown): boolean {
  return error instanceof GateError && error.code === 'ERR_IDP_FORBIDDEN';
}

/** Notes that `fact` could not be read by `read`. */
export function refuse(refusals: Refusals, fact: string, read: FactRead): void {
  const { endpoint, permission } = FACT_PERMISSIONS[read];
  if (!refusals.some((r) => r.fact === fact && r.endpoint === endpoint))
    refusals.push({ fact, reason: 'forbidden', permission, endpoint });
}

/** Runs a read; a refusal gives null and a note on each fact it leaves unknown. */
export async function orUnknown<T>(
  refusals: Refusals,
  facts: readonly string[],
  read: FactRead,
  work: Promise<T>,
): Promise<T | null> {
  try {
    return await work;
  } catch (error) {
    if (!isRefusal(error)) throw error;
    for (const fact of facts) refuse(refusals, fact, read);
    return null;
  }
}
