/**
 * Application permissions (Microsoft Graph app roles granted with admin consent): which ones an app-only
 * caller needs per Graph resource, as the permission tables of the Graph reference list them (any one of
 * the listed, least privileged first), and the `roles` claim of an app-only access token. Resources not
 * listed here are not checked.
 * @see https://learn.microsoft.com/en-us/graph/permissions-reference
 * @module
 */

import { randomBytes } from 'node:crypto';
import { forbidden } from './http.js';
import type { EmuPrincipal, TenantState } from './state.js';

/** The application permissions the gate's app registration is granted (docs/install-entra.md). */
export const GATE_APP_PERMISSIONS: readonly string[] = [
  'User.ReadWrite.All',
  'User-LifeCycleInfo.Read.All',
  'UserAuthenticationMethod.ReadWrite.All',
  'GroupMember.ReadWrite.All',
  'Group.Create',
  'AuditLog.Read.All',
  'Directory.Read.All',
  'Policy.ReadWrite.AuthenticationMethod',
  'AdministrativeUnit.ReadWrite.All',
  'RoleManagement.ReadWrite.Directory',
  'Application.ReadWrite.OwnedBy',
  'PrivilegedEligibilitySchedule.Read.AzureADGroup',
];

interface Rule {
  /** Path prefix of the route template. */
  readonly prefix: string;
  /** Permissions that allow a GET (any one). */
  readonly read: readonly string[];
  /** Permissions that allow a write (any one). */
  readonly write: readonly string[];
}

const DIR_READ = ['Directory.Read.All', 'Directory.ReadWrite.All'];

// Longest prefix first: authentication methods are their own area under /users.
const RULES: readonly Rule[] = [
  {
    prefix: '/users/:id/authentication',
    read: ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
    write: ['UserAuthenticationMethod.ReadWrite.All'],
  },
  {
    prefix: '/users',
    read: ['User.Read.All', 'User.ReadWrite.All', ...DIR_READ],
    write: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    prefix: '/groups',
    read: [
      'GroupMember.Read.All',
      'Group.Read.All',
      'GroupMember.ReadWrite.All',
      'Group.ReadWrite.All',
      ...DIR_READ,
    ],
    write: ['GroupMember.ReadWrite.All', 'Group.Create', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  { prefix: '/auditLogs', read: ['AuditLog.Read.All'], write: [] },
  {
    prefix: '/policies',
    read: ['Policy.Read.All', 'Policy.ReadWrite.AuthenticationMethod'],
    write: ['Policy.ReadWrite.AuthenticationMethod'],
  },
  {
    prefix: '/directory/administrativeUnits',
    read: ['AdministrativeUnit.Read.All', 'AdministrativeUnit.ReadWrite.All', ...DIR_READ],
    write: ['AdministrativeUnit.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    // Eligibility schedules are PIM data: Directory.Read.All does not reach them.
    prefix: '/roleManagement/directory/roleEligibilitySchedules',
    read: [
      'RoleEligibilitySchedule.Read.Directory',
      'RoleEligibilitySchedule.ReadWrite.Directory',
      'RoleManagement.Read.Directory',
      'RoleManagement.Read.All',
      'RoleManagement.ReadWrite.Directory',
    ],
    write: ['RoleEligibilitySchedule.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'],
  },
  {
    prefix: '/identityGovernance/privilegedAccess/group',
    read: [
      'PrivilegedEligibilitySchedule.Read.AzureADGroup',
      'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
    ],
    write: ['PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup'],
  },
  {
    prefix: '/roleManagement',
    read: [
      'RoleManagement.Read.Directory',
      'RoleManagement.Read.All',
      'RoleManagement.ReadWrite.Directory',
      ...DIR_READ,
    ],
    write: ['RoleManagement.ReadWrite.Directory'],
  },
];

/** The application permissions granted to an app, or none for an unknown one. */
export function appPermissions(tenant: TenantState, appId: string): readonly string[] {
  return tenant.apps.get(appId)?.permissions ?? [];
}

/**
 * Refuses an app-only call to a route whose resource needs a permission the app was not granted, with
 * Graph's 403 `Authorization_RequestDenied`. Delegated (user) calls are governed by the user's roles instead.
 * @throws GraphFail 403
 */
export function assertAppPermission(
  tenant: TenantState,
  principal: EmuPrincipal,
  method: string,
  template: string,
): void {
  if (principal.kind !== 'app') return;
  const rule = RULES.find((r) => template === r.prefix || template.startsWith(`${r.prefix}/`));
  if (!rule) return;
  const needed = method === 'GET' ? rule.read : rule.write;
  const granted = new Set(appPermissions(tenant, principal.appId));
  if (!needed.some((p) => granted.has(p)))
    throw forbidden('Insufficient privileges to complete the operation.');
}

/**
 * An app-only access token shaped as Entra issues them (a JWT whose `roles` claim lists the granted
 * application permissions). The emulator looks tokens up by value, so the signature is random bytes.
 */
export function appAccessToken(tenant: TenantState, appId: string, expiresMs: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = { typ: 'JWT', alg: 'RS256' };
  const claims = {
    aud: 'https://graph.microsoft.com',
    tid: tenant.tenantId,
    appid: appId,
    idtyp: 'app',
    roles: [...appPermissions(tenant, appId)],
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(expiresMs / 1000),
  };
  return `${part(header)}.${part(claims)}.${randomBytes(32).toString('base64url')}`;
}
