/**
 * Seeds the demo cast (shared across IdPs), the gate's app registration and optional synthetic users.
 * @module
 */

import { stableId } from './ids.js';
import { GATE_APP_PERMISSIONS } from './permissions.js';
import { CAST, type CastEntry, GROUPS } from './seed-cast.js';
import { type EmuUser, emptyTenant, ROLE_IDS, type TenantState } from './state.js';

/** Every seeded user's password (emulator only). */
export const DEMO_PASSWORD = 'Demo-Passw0rd!';
/** The emulator tenant id. */
export const EMULATOR_TENANT_ID = stableId('tenant:example.com');
/** The gate's app registration in the emulator. */
export const GATE_APP = {
  clientId: stableId('app:recovery-gate'),
  clientSecret: 'emulator-only-gate-client-secret',
  displayName: 'Recovery Gate',
} as const;
/** The first-party app agents use in the admin center (Azure Portal's well-known app id). */
export const PORTAL_APP = {
  clientId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
  displayName: 'Azure Portal',
} as const;

const DAY = 86_400_000;

/** Seeds the gate's app (with User Administrator and Privileged Authentication Administrator) and the portal app. */
export function seedApps(tenant: TenantState): void {
  const gate = {
    appId: GATE_APP.clientId,
    objectId: stableId('appobj:recovery-gate'),
    servicePrincipalId: stableId('sp:recovery-gate'),
    displayName: GATE_APP.displayName,
    secrets: [GATE_APP.clientSecret],
    certificates: [],
    extensionProperties: [],
    permissions: [...GATE_APP_PERMISSIONS],
  };
  tenant.apps.set(gate.appId, gate);
  tenant.apps.set(PORTAL_APP.clientId, {
    appId: PORTAL_APP.clientId,
    objectId: stableId('appobj:portal'),
    servicePrincipalId: stableId('sp:portal'),
    displayName: PORTAL_APP.displayName,
    secrets: [],
    certificates: [],
    extensionProperties: [],
    permissions: [],
  });
  for (const role of [ROLE_IDS.userAdministrator, ROLE_IDS.privilegedAuthenticationAdministrator]) {
    const id = stableId(`ra:gate:${role}`);
    tenant.roleAssignments.set(id, {
      id,
      principalId: gate.servicePrincipalId,
      roleDefinitionId: role,
      directoryScopeId: '/',
    });
  }
}

function makeUser(login: string, name: string, nowMs: number): EmuUser {
  const [given = name, surname = ''] = name.split(' ');
  const created = new Date(nowMs - 800 * DAY).toISOString();
  return {
    id: stableId(`user:${login}`),
    userPrincipalName: `${login}@example.com`,
    displayName: name,
    givenName: given,
    surname,
    mail: `${login}@example.com`,
    otherMails: [],
    mobilePhone: null,
    accountEnabled: true,
    employeeType: 'employee',
    employeeLeaveDateTime: null,
    createdDateTime: created,
    managerId: null,
    sponsorIds: [],
    password: DEMO_PASSWORD,
    forceChangePasswordNextSignIn: false,
    lastPasswordChangeDateTime: created,
    signInSessionsValidFromDateTime: created,
    extensions: {},
    lockedOut: false,
    defaultMfaMethod: null,
  };
}

/** The fixed id Graph gives every user's password method. */
export const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';
/** The fixed id of the mobile phone method. */
export const MOBILE_PHONE_ID = '3179e48a-750b-4051-897c-87b9720928f7';

/** The lost-phone case: alice's default MFA method is SMS to that phone, which Graph will not delete. */
const SMS_DEFAULT: ReadonlySet<string> = new Set(['alice']);

function addMethods(tenant: TenantState, user: EmuUser, entry: CastEntry, nowMs: number): void {
  const at = (days: number): string => new Date(nowMs - days * DAY).toISOString();
  const add = (id: string, type: EmuMethodType, created: string | null, props: Record<string, unknown>) =>
    tenant.methods.set(`${user.id}:${id}`, { id, userId: user.id, type, createdDateTime: created, props });
  add(PASSWORD_METHOD_ID, 'password', at(800), { password: null });
  for (const kind of entry.methods) {
    if (kind === 'push') {
      add(stableId(`ma:${entry.login}`), 'microsoftAuthenticator', at(400), {
        displayName: `${entry.name.split(' ')[0]}'s iPhone`,
        deviceTag: 'SoftwareTokenActivated',
        phoneAppVersion: '6.8.12',
      });
    } else {
      add(stableId(`fido:${entry.login}`), 'fido2', at(300), {
        displayName: 'YubiKey 5 NFC',
        aaGuid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
        model: 'YubiKey 5 NFC',
        attestationLevel: 'attested',
      });
    }
  }
  if (entry.phone) {
    add(MOBILE_PHONE_ID, 'phone', at(entry.phoneAgeDays ?? 400), {
      phoneNumber: entry.phone,
      phoneType: 'mobile',
      smsSignInState: 'notAllowedByPolicy',
    });
    user.mobilePhone = entry.phone;
  }
  user.defaultMfaMethod = SMS_DEFAULT.has(entry.login)
    ? 'sms'
    : entry.methods.includes('push')
      ? 'push'
      : entry.phone
        ? 'sms'
        : null;
  if (entry.personalEmail) {
    add(stableId(`email:${entry.login}`), 'email', at(400), { emailAddress: entry.personalEmail });
    user.otherMails = [entry.personalEmail];
  }
}

type EmuMethodType = Parameters<TenantState['methods']['set']>[1]['type'];

function addGroup(tenant: TenantState, name: string, nowMs: number): string {
  const id = stableId(`group:${name}`);
  tenant.groups.set(id, {
    id,
    displayName: name,
    description: null,
    mailNickname: name.replace(/[^A-Za-z0-9]/g, ''),
    securityEnabled: true,
    mailEnabled: false,
    isAssignableToRole: false,
    createdDateTime: new Date(nowMs - 900 * DAY).toISOString(),
    members: new Set(),
  });
  return id;
}

function addRoles(tenant: TenantState, nowMs: number): void {
  const assign = (login: string, role: string) => {
    const id = stableId(`ra:${login}:${role}`);
    tenant.roleAssignments.set(id, {
      id,
      principalId: stableId(`user:${login}`),
      roleDefinitionId: role,
      directoryScopeId: '/',
    });
    return id;
  };
  assign('carol', ROLE_IDS.globalAdministrator);
  // frank holds Authentication Administrator permanently (a finding); gina activated it through PIM.
  const frank = assign('frank', ROLE_IDS.authenticationAdministrator);
  tenant.roleInstances.set(frank, {
    id: frank,
    principalId: stableId('user:frank'),
    roleDefinitionId: ROLE_IDS.authenticationAdministrator,
    directoryScopeId: '/',
    assignmentType: 'Assigned',
    startDateTime: new Date(nowMs - 300 * DAY).toISOString(),
    endDateTime: null,
  });
  const gina = assign('gina', ROLE_IDS.authenticationAdministrator);
  tenant.roleInstances.set(gina, {
    id: gina,
    principalId: stableId('user:gina'),
    roleDefinitionId: ROLE_IDS.authenticationAdministrator,
    directoryScopeId: '/',
    assignmentType: 'Activated',
    startDateTime: new Date(nowMs - 3_600_000).toISOString(),
    endDateTime: new Date(nowMs + 3_600_000).toISOString(),
  });
  const eligible = stableId('re:gina');
  tenant.eligibilities.set(eligible, {
    id: eligible,
    principalId: stableId('user:gina'),
    roleDefinitionId: ROLE_IDS.authenticationAdministrator,
    directoryScopeId: '/',
  });
}

/** Seeds the demo cast into `tenant` with the clock at `nowMs`. */
export function seedDemo(tenant: TenantState, nowMs: number): void {
  const groupIds = new Map(GROUPS.map((name) => [name, addGroup(tenant, name, nowMs)]));
  for (const entry of CAST) {
    const user = makeUser(entry.login, entry.name, nowMs);
    if (entry.employeeType) user.employeeType = entry.employeeType;
    if (entry.leave) user.employeeLeaveDateTime = entry.leave;
    if (entry.manager) user.managerId = stableId(`user:${entry.manager}`);
    if (entry.sponsor) user.sponsorIds = [stableId(`user:${entry.sponsor}`)];
    tenant.users.set(user.id, user);
    addMethods(tenant, user, entry, nowMs);
    for (const group of entry.groups) tenant.groups.get(groupIds.get(group) ?? '')?.members.add(user.id);
  }
  addRoles(tenant, nowMs);
  // The demo tenant's TAP policy already allows the short passes tiers ask for (Microsoft's default minimum is 60).
  tenant.tapPolicy.minimumLifetimeInMinutes = 10;
  const bob = tenant.users.get(stableId('user:bob'));
  const gina = tenant.users.get(stableId('user:gina'));
  if (bob && gina) {
    tenant.audits.push({
      id: `Directory_${stableId('audit:bob-phone')}`,
      category: 'UserManagement',
      correlationId: stableId('corr:bob-phone'),
      result: 'success',
      resultReason: 'Admin updated phone method for user',
      activityDisplayName: 'Admin updated security info',
      activityDateTime: new Date(nowMs - 2 * DAY).toISOString(),
      loggedByService: 'Authentication Methods',
      operationType: 'Update',
      initiatedBy: {
        user: {
          id: gina.id,
          displayName: gina.displayName,
          userPrincipalName: gina.userPrincipalName,
          ipAddress: '203.0.113.10',
        },
      },
      targetResources: [
        {
          id: bob.id,
          displayName: bob.displayName,
          type: 'User',
          userPrincipalName: bob.userPrincipalName,
          modifiedProperties: [],
        },
      ],
      additionalDetails: [],
    });
  }
}

/** Adds `count` synthetic staff users (for benchmarks), each with a phone and an Authenticator. */
export function seedSynthetic(tenant: TenantState, count: number, nowMs: number): void {
  const staff = stableId('group:Staff');
  for (let i = 0; i < count; i += 1) {
    const login = `user${i}`;
    const user = makeUser(login, `User ${i}`, nowMs);
    tenant.users.set(user.id, user);
    addMethods(
      tenant,
      user,
      { login, name: `User ${i}`, groups: [], methods: ['push'], phone: '+1 5550109999' },
      nowMs,
    );
    tenant.groups.get(staff)?.members.add(user.id);
  }
}

/** Builds a tenant: `demo` (the cast), `empty` (only the apps), or a custom seeding function. */
export function buildTenant(
  seed: 'demo' | 'empty' | ((tenant: TenantState, nowMs: number) => void),
  nowMs: number,
  syntheticUsers = 0,
): TenantState {
  const tenant = emptyTenant(EMULATOR_TENANT_ID);
  seedApps(tenant);
  if (seed === 'demo') seedDemo(tenant, nowMs);
  else if (typeof seed === 'function') seed(tenant, nowMs);
  if (syntheticUsers > 0) {
    if (!tenant.groups.has(stableId('group:Staff'))) addGroup(tenant, 'Staff', nowMs);
    seedSynthetic(tenant, syntheticUsers, nowMs);
  }
  return tenant;
}
