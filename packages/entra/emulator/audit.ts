/**
 * Appends directoryAudits records in the shapes Entra writes for the actions the emulator performs.
 * @module
 */

import { newId } from './ids.js';
import type { EmuAudit, EmuPrincipal, EmuUser, TenantState } from './state.js';

/** What an audit record is about. */
export interface AuditInput {
  readonly activity: string;
  readonly category:
    | 'UserManagement'
    | 'GroupManagement'
    | 'RoleManagement'
    | 'AdministrativeUnit'
    | 'Policy';
  readonly service: string;
  readonly operationType: 'Add' | 'Update' | 'Delete' | 'Assign' | 'Unassign';
  readonly resultReason?: string;
  readonly targets: EmuAudit['targetResources'];
  readonly additionalDetails?: EmuAudit['additionalDetails'];
  /** Records of one operation share a correlation id, as in Entra. */
  readonly correlationId?: string;
}

/** The initiatedBy block for a principal (a user through the portal, or an app with app-only rights). */
export function initiator(tenant: TenantState, principal: EmuPrincipal | null): EmuAudit['initiatedBy'] {
  if (principal === null) return {};
  if (principal.kind === 'user') {
    const user = tenant.users.get(principal.userId);
    return {
      user: {
        id: principal.userId,
        displayName: user?.displayName ?? '',
        userPrincipalName: user?.userPrincipalName ?? '',
        ipAddress: '203.0.113.10',
      },
    };
  }
  const app = tenant.apps.get(principal.appId);
  return {
    app: {
      appId: principal.appId,
      displayName: app?.displayName ?? '',
      servicePrincipalId: app?.servicePrincipalId ?? '',
      servicePrincipalName: null,
    },
  };
}

/** A targetResources entry for a user. */
export function userTarget(
  user: EmuUser,
  modified: EmuAudit['targetResources'][number]['modifiedProperties'] = [],
): EmuAudit['targetResources'][number] {
  return {
    id: user.id,
    displayName: user.displayName,
    type: 'User',
    userPrincipalName: user.userPrincipalName,
    modifiedProperties: modified,
  };
}

/** Appends one record at `atIso`, initiated by `principal`. */
export function appendAudit(
  tenant: TenantState,
  atIso: string,
  principal: EmuPrincipal | null,
  input: AuditInput,
): EmuAudit {
  const record: EmuAudit = {
    id: `Directory_${newId()}`,
    category: input.category,
    correlationId: input.correlationId ?? newId(),
    result: 'success',
    resultReason: input.resultReason ?? '',
    activityDisplayName: input.activity,
    activityDateTime: atIso,
    loggedByService: input.service,
    operationType: input.operationType,
    initiatedBy: initiator(tenant, principal),
    targetResources: input.targets,
    additionalDetails: input.additionalDetails ?? [],
  };
  tenant.audits.push(record);
  if (tenant.auditLatencyMs > 0)
    tenant.auditVisibleAt.set(record.id, Date.parse(atIso) + tenant.auditLatencyMs);
  return record;
}

/** Whether Entra has ingested the record by `nowMs` (readable through directoryAudits). */
export function auditVisible(tenant: TenantState, record: EmuAudit, nowMs: number): boolean {
  return (tenant.auditVisibleAt.get(record.id) ?? 0) <= nowMs;
}

/** Audit wording for method changes, by method type (the "resultReason" Entra writes). */
export function methodWord(type: string): string {
  switch (type) {
    case 'temporaryAccessPass':
      return 'temporary access pass';
    case 'microsoftAuthenticator':
      return 'Microsoft Authenticator';
    case 'softwareOath':
      return 'software OATH token';
    case 'fido2':
      return 'FIDO2 security key';
    default:
      return type;
  }
}
