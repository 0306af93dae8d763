/**
 * The Entra ID preflight (`recovery-gate doctor`): the app-only credential, the application permissions in
 * its token against what the gate's operations need, the directory role password resets need, one read
 * per permission area, directoryAudits reading, and the clock. Only GETs; nothing in the tenant changes.
 * @module
 */

import type { AccessToken } from '@azure/identity';
import { ResponseType } from '@microsoft/microsoft-graph-client';
import {
  clockCheck,
  type DoctorCheck,
  type DoctorProbe,
  type DoctorReport,
  doctorFail,
  doctorOk,
  runDoctor,
} from '@recovery-gate/core';
import { type EntraContext, odataString } from './client.js';
import { FACT_PERMISSIONS, type FactRead, PIM_READS } from './facts/reads.js';

/** The application permissions the gate's app needs (docs/install-entra.md). */
export const REQUIRED_PERMISSIONS: readonly string[] = [
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
];

/** User Administrator's role template id: app-only password resets of non-admins need it. */
const USER_ADMINISTRATOR = 'fe930be7-5e62-47db-91af-98c3a49a38b1';

interface DoctorContext {
  readonly entra: EntraContext;
  readonly token: () => Promise<AccessToken | null>;
  roles: readonly string[] | null;
  clock: { date: string | null; sentAt: Date; receivedAt: Date } | null;
}

interface Read {
  readonly id: string;
  readonly path: string;
  readonly permission: string;
  readonly use: string;
}

/** One read per permission area; `events` is the directoryAudits stream the poller reads. */
export const DOCTOR_READS: readonly Read[] = [
  {
    id: 'users',
    path: '/users?$top=1&$select=id',
    permission: 'User.ReadWrite.All',
    use: 'read subject facts',
  },
  {
    id: 'groups',
    path: '/groups?$top=1&$select=id',
    permission: 'GroupMember.ReadWrite.All',
    use: 'find request groups',
  },
  {
    id: 'events',
    path: '/auditLogs/directoryAudits?$top=1',
    permission: 'AuditLog.Read.All',
    use: 'poll directoryAudits (native resets)',
  },
  {
    id: 'tap-policy',
    path: '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass',
    permission: 'Policy.ReadWrite.AuthenticationMethod',
    use: 'plan the Temporary Access Pass policy',
  },
  {
    id: 'admin-units',
    path: '/directory/administrativeUnits?$top=1',
    permission: 'AdministrativeUnit.ReadWrite.All',
    use: 'plan the restricted administrative unit',
  },
];

const consentFix = (permission: string) =>
  `grant the application permission ${permission} (Microsoft Graph) to the gate's app registration and grant admin consent`;

async function get(ctx: DoctorContext, path: string): Promise<{ status: number; body: unknown }> {
  const sentAt = ctx.entra.now();
  const res = (await ctx.entra.client.api(path).responseType(ResponseType.RAW).get()) as Response;
  ctx.clock ??= { date: res.headers.get('date'), sentAt, receivedAt: ctx.entra.now() };
  const body: unknown = await res.json().catch(() => null);
  return { status: res.status, body };
}

/** The AADSTS code and first sentence of an identity-platform error (they name no secret). */
function aadsts(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = /AADSTS\d+/.exec(message)?.[0];
  const sentence = code ? (message.slice(message.indexOf(code)).split(/\.\s|\n/)[0] ?? code) : '';
  return sentence.slice(0, 200);
}

function rolesOf(token: string): readonly string[] | null {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      roles?: unknown;
    };
    return Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  } catch {
    return null;
  }
}

async function credential(ctx: DoctorContext): Promise<DoctorCheck> {
  const { config, clientId } = ctx.entra;
  let token: AccessToken | null;
  try {
    token = await ctx.token();
  } catch (error) {
    const code = aadsts(error);
    if (code === '') {
      return doctorFail(
        'credential',
        `cannot reach ${config.authorityHost}`,
        'check providers.entra.authorityHost (and the proxy settings)',
      );
    }
    const fix = /AADSTS(90002|900023)/.test(code)
      ? 'check providers.entra.tenantId'
      : /AADSTS700016/.test(code)
        ? 'check providers.entra.auth.clientId: no such app registration in the tenant'
        : "create a new client secret or certificate on the gate's app registration and set the variable providers.entra.auth references";
    return doctorFail('credential', `Entra refuses the credential of app ${clientId}: ${code}`, fix);
  }
  if (!token) return doctorFail('credential', 'Entra issued no access token', 'check the app registration');
  ctx.roles = rolesOf(token.token);
  return doctorOk('credential', `app ${clientId}: token granted`);
}

/** The application permissions in the token's `roles` claim against {@link REQUIRED_PERMISSIONS}. */
async function permissions(ctx: DoctorContext): Promise<readonly DoctorCheck[]> {
  const roles = ctx.roles;
  if (roles === null) {
    return [
      doctorFail(
        'permissions',
        'the access token is not a JWT: its permissions cannot be listed',
        'the reads below show what works',
        'warn',
      ),
    ];
  }
  return REQUIRED_PERMISSIONS.map((p) =>
    roles.includes(p)
      ? doctorOk(`permission:${p}`, `${p} granted`)
      : doctorFail(`permission:${p}`, `${p} is not granted`, consentFix(p)),
  );
}

/** The directory roles of the app's service principal: User Administrator for password resets. */
async function directoryRoles(ctx: DoctorContext): Promise<DoctorCheck> {
  const sps = await get(
    ctx,
    `/servicePrincipals?$filter=${encodeURIComponent(`appId eq ${odataString(ctx.entra.clientId)}`)}&$select=id`,
  );
  const spId = ((sps.body as { value?: { id?: string }[] } | null)?.value ?? [])[0]?.id;
  if (sps.status !== 200 || spId === undefined) {
    return doctorFail(
      'directory-roles',
      `cannot find the app's service principal (HTTP ${sps.status})`,
      consentFix('Directory.Read.All'),
    );
  }
  const filter = encodeURIComponent(`principalId eq ${odataString(spId)}`);
  const assigned = await get(ctx, `/roleManagement/directory/roleAssignments?$filter=${filter}`);
  if (assigned.status !== 200) {
    return doctorFail(
      'directory-roles',
      `cannot read the app's directory roles (HTTP ${assigned.status})`,
      consentFix('RoleManagement.ReadWrite.Directory'),
    );
  }
  const values =
    (assigned.body as { value?: { roleDefinitionId?: string; directoryScopeId?: string }[] }).value ?? [];
  if (values.some((a) => a.roleDefinitionId === USER_ADMINISTRATOR && a.directoryScopeId === '/')) {
    return doctorOk('directory-roles', "the app's service principal is User Administrator (tenant scope)");
  }
  return doctorFail(
    'directory-roles',
    "the app's service principal is not User Administrator: password resets will fail",
    "assign the User Administrator directory role to the gate's service principal (Roles and administrators)",
  );
}

const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR = '7be44c8a-adaf-4e2a-84d6-ab2649e08a13';

/**
 * The restricted unit's role: the gate's service principal holds Privileged Authentication Administrator
 * scoped to the unit (`apply` assigns it), and, because a service principal cannot use a unit-scoped role
 * without reading the directory, some directory role at tenant scope (Directory Readers is enough).
 * @see https://learn.microsoft.com/entra/identity/role-based-access-control/manage-roles-portal
 */
async function unitRole(ctx: DoctorContext): Promise<DoctorCheck> {
  const unit = ctx.entra.config.privilegedUnit;
  if (!unit) return doctorOk('unit-role', 'no restricted administrative unit configured');
  const sps = await get(
    ctx,
    `/servicePrincipals?$filter=${encodeURIComponent(`appId eq ${odataString(ctx.entra.clientId)}`)}&$select=id`,
  );
  const spId = ((sps.body as { value?: { id?: string }[] } | null)?.value ?? [])[0]?.id;
  const units = await get(
    ctx,
    `/directory/administrativeUnits?$filter=${encodeURIComponent(`displayName eq ${odataString(unit.displayName)}`)}&$select=id`,
  );
  const unitId = ((units.body as { value?: { id?: string }[] } | null)?.value ?? [])[0]?.id;
  const filter = encodeURIComponent(`principalId eq ${odataString(spId ?? '')}`);
  const assigned = spId
    ? await get(ctx, `/roleManagement/directory/roleAssignments?$filter=${filter}`)
    : null;
  if (!spId || units.status !== 200 || assigned?.status !== 200) {
    return doctorFail(
      'unit-role',
      "cannot read the app's role assignments or the administrative units",
      consentFix('RoleManagement.ReadWrite.Directory'),
    );
  }
  const values =
    (assigned.body as { value?: { roleDefinitionId?: string; directoryScopeId?: string }[] }).value ?? [];
  const scoped =
    unitId !== undefined &&
    values.some(
      (a) =>
        a.roleDefinitionId === PRIVILEGED_AUTHENTICATION_ADMINISTRATOR &&
        a.directoryScopeId === `/administrativeUnits/${unitId}`,
    );
  if (!values.some((a) => a.directoryScopeId === '/')) {
    return doctorFail(
      'unit-role',
      "the app's service principal holds no directory role at tenant scope, so Entra ignores its role scoped to the restricted unit: every change to a privileged user will be refused",
      "assign the Directory Readers role to the gate's service principal at tenant scope",
    );
  }
  if (!scoped) {
    return doctorFail(
      'unit-role',
      `the app's service principal is not Privileged Authentication Administrator of "${unit.displayName}" yet`,
      'run recovery-gate plan and apply',
      'warn',
    );
  }
  return doctorOk(
    'unit-role',
    `Privileged Authentication Administrator of "${unit.displayName}", with a tenant-scoped role to read it`,
  );
}

/**
 * Each subject-fact read against the token's permissions: what stays unknown without it, and what policy then
 * does (the riskier answer). A gap is a warning: the gate still works, fail-closed, at a higher tier.
 */
async function factReads(ctx: DoctorContext): Promise<readonly DoctorCheck[]> {
  const roles = ctx.roles;
  if (roles === null) return [];
  const reads = (Object.keys(FACT_PERMISSIONS) as FactRead[]).filter(
    (read) => ctx.entra.config.pim || !PIM_READS.has(read),
  );
  return reads.map((read) => {
    const { endpoint, permission, higher, without } = FACT_PERMISSIONS[read];
    const granted = [permission, ...higher].find((p) => roles.includes(p));
    return granted
      ? doctorOk(`fact:${read}`, `${endpoint} readable (${granted})`)
      : doctorFail(
          `fact:${read}`,
          `${permission} is not granted: ${without}`,
          consentFix(permission),
          'warn',
        );
  });
}

function readProbe(read: Read): DoctorProbe<DoctorContext> {
  return async (ctx) => {
    const answer = await get(ctx, read.path);
    if (answer.status === 200) return doctorOk(read.id, `can ${read.use}`);
    const why = answer.status === 403 ? `refused (403, needs ${read.permission})` : `HTTP ${answer.status}`;
    return doctorFail(read.id, `${why}: the gate cannot ${read.use}`, consentFix(read.permission));
  };
}

async function notification(ctx: DoctorContext): Promise<DoctorCheck> {
  const url = ctx.entra.config.notification?.url;
  return doctorOk(
    'hook',
    url ? `change notifications go to ${url}` : 'no change notifications: group delta polling only',
  );
}

async function clock(ctx: DoctorContext): Promise<DoctorCheck> {
  if (ctx.clock === null) await get(ctx, '/organization?$select=id');
  const c = ctx.clock as DoctorContext['clock'];
  return c === null
    ? clockCheck(null, ctx.entra.now(), ctx.entra.now())
    : clockCheck(c.date, c.sentAt, c.receivedAt);
}

/** Runs the Entra preflight; `token` gets an app-only Graph token with the adapter's credential. */
export function doctor(entra: EntraContext, token: DoctorContext['token']): Promise<DoctorReport> {
  const ctx: DoctorContext = { entra, token, roles: null, clock: null };
  const reads = Object.fromEntries(DOCTOR_READS.map((read) => [read.id, readProbe(read)]));
  const probes = {
    permissions,
    facts: factReads,
    'directory-roles': directoryRoles,
    'unit-role': unitRole,
    ...reads,
    hook: notification,
    clock,
  };
  return runDoctor('entra', ctx, credential, probes, entra.config.notification?.url ?? null);
}
