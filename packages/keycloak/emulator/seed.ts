/**
 * Creates a realm with Keycloak's built-ins: realm-management roles, admin clients, client scopes, the
 * gate's client and service account, an app client for probes; and helpers to add users, groups, clients.
 * @module
 */

import { randomBytes } from 'node:crypto';
import { createRealmKeys } from './jwt.js';
import type {
  EmuAuthConfig,
  EmuClient,
  EmuExecution,
  EmuGroup,
  EmuUser,
  Realm,
  RealmAuthentication,
} from './state.js';
import { uuidFrom } from './state.js';

/** The version the emulator reports by default: the one the shared admin API description is of. */
export const DEFAULT_SERVER_VERSION = '26.5.2';
/** Every seeded user's password (emulator only). */
export const DEMO_PASSWORD = 'Demo-Passw0rd!';
/** The gate's client id and secret in the seeded realm (emulator only). */
export const GATE_CLIENT_ID = 'recovery-gate';
export const GATE_CLIENT_SECRET = 'emulator-gate-secret';
/** The confidential app client the probes sign users in with. */
export const APP_CLIENT_ID = 'demo-app';
export const APP_CLIENT_SECRET = 'emulator-app-secret';

/** realm-management client roles; realm-admin is the composite of all. */
export const REALM_MANAGEMENT_ROLES = [
  'manage-users',
  'view-users',
  'query-users',
  'query-groups',
  'view-events',
  'manage-events',
  'manage-realm',
  'view-realm',
  'manage-authorization',
  'view-authorization',
  'manage-clients',
  'view-clients',
  'query-clients',
  'query-realms',
  'create-client',
  'impersonation',
  'manage-identity-providers',
  'view-identity-providers',
] as const;

/** The gate's service-account roles (what the README documents). */
export const GATE_ROLES = [
  'manage-users',
  'view-users',
  'query-users',
  'query-groups',
  'view-events',
  'manage-events',
  'manage-realm',
  'view-realm',
  'manage-authorization',
  'view-authorization',
  'manage-clients',
  'view-clients',
  'query-clients',
];

const CLIENT_SCOPES = [
  'profile',
  'email',
  'roles',
  'web-origins',
  'acr',
  'basic',
  'offline_access',
  'kc-admin-api',
];

/** The reference value (`default.reference.value`) each sign-in step's execution carries in the seeded realm. */
export const REFERENCE_VALUES = {
  'auth-username-password-form': 'pwd',
  'auth-otp-form': 'otp',
  'auth-recovery-authn-code-form': 'recovery-code',
} as const;

/**
 * Keycloak's default `browser` flow, with the Recovery Authentication Code Form added as an alternative to
 * the OTP form and a reference value on each sign-in step: the set-up docs/install-keycloak.md asks an
 * admin for, so the AMR mapper can name the steps a sign-in completed.
 */
function browserFlow(realmName: string): RealmAuthentication {
  const id = (name: string) => uuidFrom(`${realmName}:execution:${name}`);
  const configs = new Map<string, EmuAuthConfig>();
  const withReference = (execution: EmuExecution): EmuExecution => {
    const value = REFERENCE_VALUES[execution.providerId as keyof typeof REFERENCE_VALUES];
    if (value === undefined) return execution;
    const config = {
      id: uuidFrom(`${realmName}:config:${execution.providerId}`),
      alias: `${value}-amr`,
      config: { 'default.reference.value': value },
    };
    configs.set(config.id, config);
    return { ...execution, authenticationConfig: config.id };
  };
  const step = (
    providerId: string,
    displayName: string,
    requirement: EmuExecution['requirement'],
    level: number,
    index: number,
  ): EmuExecution =>
    withReference({
      id: id(`${providerId}:${level}:${index}`),
      providerId,
      displayName,
      requirement,
      level,
      index,
    });
  const executions = [
    step('auth-cookie', 'Cookie', 'ALTERNATIVE', 0, 0),
    step('auth-spnego', 'Kerberos', 'DISABLED', 0, 1),
    step('identity-provider-redirector', 'Identity Provider Redirector', 'ALTERNATIVE', 0, 2),
    step('basic-flow', 'forms', 'ALTERNATIVE', 0, 3),
    step('auth-username-password-form', 'Username Password Form', 'REQUIRED', 1, 0),
    step('basic-flow', 'Browser - Conditional OTP', 'CONDITIONAL', 1, 1),
    step('conditional-user-configured', 'Condition - user configured', 'REQUIRED', 2, 0),
    step('auth-otp-form', 'OTP Form', 'ALTERNATIVE', 2, 1),
    step('auth-recovery-authn-code-form', 'Recovery Authentication Code Form', 'ALTERNATIVE', 2, 2),
  ];
  return { flows: new Map([['browser', executions]]), configs };
}

/** Creates an empty realm with built-in clients, scopes and roles. */
export function createRealm(name: string, now: number): Realm {
  const realm: Realm = {
    settings: {
      id: uuidFrom(`realm:${name}`),
      realm: name,
      enabled: true,
      accessTokenLifespan: 60,
      lightweightAccessTokens: false,
      actionTokenGeneratedByAdminLifespan: 43_200,
      adminPermissionsEnabled: false,
      browserFlow: 'browser',
      serverVersion: DEFAULT_SERVER_VERSION,
      notBefore: 0,
      eventsEnabled: false,
      eventsListeners: ['jboss-logging'],
      enabledEventTypes: [],
      adminEventsEnabled: true,
      adminEventsDetailsEnabled: true,
      bruteForceProtected: true,
      failureFactor: 5,
    },
    keys: createRealmKeys(uuidFrom(`key:${name}`), randomBytes(32)),
    users: new Map(),
    groups: new Map(),
    realmRoles: new Map(),
    clients: new Map(),
    clientScopes: new Map(),
    authentication: browserFlow(name),
    sessions: new Map(),
    consents: new Map(),
    loginFailures: new Map(),
    adminEvents: [],
    events: [],
    usedActionTokens: new Set(),
    tokenSubjects: new Map(),
    outbox: [],
    userProfile: {
      attributes: ['username', 'email', 'firstName', 'lastName'].map((name) => ({
        name,
        displayName: `\${${name}}`,
        permissions: { view: ['admin', 'user'], edit: ['admin', 'user'] },
        multivalued: false,
      })),
      groups: [{ name: 'user-metadata', displayHeader: 'User metadata' }],
      unmanagedAttributePolicy: 'ADMIN_EDIT',
    },
  };
  for (const s of CLIENT_SCOPES)
    realm.clientScopes.set(uuidFrom(`scope:${s}`), {
      id: uuidFrom(`scope:${s}`),
      name: s,
      protocolMappers: [],
    });
  // docs/install-keycloak.md section 3, step 2, done on a default scope: the AMR mapper, so a sign-in's
  // reference values (the browser flow's, above) reach the ID tokens of every client, the gate's pages too.
  realm.clientScopes.get(uuidFrom('scope:acr'))?.protocolMappers.push({
    id: uuidFrom(`${name}:mapper:amr`),
    name: 'authentication method reference',
    protocol: 'openid-connect',
    protocolMapper: 'oidc-amr-mapper',
    config: { 'id.token.claim': 'true', 'access.token.claim': 'true', 'introspection.token.claim': 'true' },
  });
  for (const r of ['offline_access', 'uma_authorization', 'employee'])
    realm.realmRoles.set(r, { id: uuidFrom(`role:${r}`), composites: [] });
  realm.realmRoles.set(`default-roles-${name}`, {
    id: uuidFrom('role:default'),
    composites: ['offline_access', 'uma_authorization'],
  });
  const rm = addClient(realm, { clientId: 'realm-management', publicClient: false });
  for (const r of REALM_MANAGEMENT_ROLES) rm.roles.set(r, { id: uuidFrom(`rm:${r}`), composites: [] });
  rm.roles.set('realm-admin', { id: uuidFrom('rm:realm-admin'), composites: [...REALM_MANAGEMENT_ROLES] });
  rm.roles.set('view-users', { id: uuidFrom('rm:view-users'), composites: ['query-users', 'query-groups'] });
  addClient(realm, { clientId: 'security-admin-console', publicClient: true, scopes: ['kc-admin-api'] });
  addClient(realm, {
    clientId: 'admin-cli',
    publicClient: true,
    directAccessGrantsEnabled: true,
    scopes: ['kc-admin-api'],
  });
  addClient(realm, { clientId: 'account', publicClient: true, redirectUris: ['/realms/*'] });
  const gate = addClient(realm, {
    clientId: GATE_CLIENT_ID,
    secret: GATE_CLIENT_SECRET,
    serviceAccountsEnabled: true,
    scopes: ['kc-admin-api'],
  });
  const sa = addUser(realm, { username: `service-account-${GATE_CLIENT_ID}`, createdTimestamp: now });
  sa.serviceAccountClientId = gate.id;
  sa.clientRoles.set(rm.id, new Set(GATE_ROLES));
  addClient(realm, {
    clientId: APP_CLIENT_ID,
    secret: APP_CLIENT_SECRET,
    directAccessGrantsEnabled: true,
    redirectUris: ['http://127.0.0.1/*'],
  });
  return realm;
}

/** Adds a client. */
export function addClient(
  realm: Realm,
  spec: {
    clientId: string;
    publicClient?: boolean;
    secret?: string;
    serviceAccountsEnabled?: boolean;
    directAccessGrantsEnabled?: boolean;
    redirectUris?: string[];
    scopes?: string[];
  },
): EmuClient {
  const defaults = ['profile', 'email', 'roles', 'web-origins', 'acr', 'basic', ...(spec.scopes ?? [])];
  const client: EmuClient = {
    id: uuidFrom(`client:${realm.settings.realm}:${spec.clientId}`),
    clientId: spec.clientId,
    enabled: true,
    publicClient: spec.publicClient ?? false,
    serviceAccountsEnabled: spec.serviceAccountsEnabled ?? false,
    directAccessGrantsEnabled: spec.directAccessGrantsEnabled ?? false,
    redirectUris: spec.redirectUris ?? [],
    roles: new Map(),
    defaultClientScopes: defaults.map((s) => uuidFrom(`scope:${s}`)),
    policies: [],
    protocolMappers: [],
  };
  if (spec.secret !== undefined) client.secret = spec.secret;
  realm.clients.set(client.id, client);
  return client;
}

/** Adds a user. */
export function addUser(
  realm: Realm,
  spec: { username: string; email?: string; firstName?: string; lastName?: string; createdTimestamp: number },
): EmuUser {
  const user: EmuUser = {
    id: uuidFrom(`user:${realm.settings.realm}:${spec.username}`),
    username: spec.username,
    emailVerified: spec.email !== undefined,
    enabled: true,
    createdTimestamp: spec.createdTimestamp,
    attributes: {},
    requiredActions: [],
    groups: new Set(),
    realmRoles: new Set([`default-roles-${realm.settings.realm}`]),
    clientRoles: new Map(),
    credentials: [],
    notBefore: 0,
  };
  if (spec.email !== undefined) user.email = spec.email;
  if (spec.firstName !== undefined) user.firstName = spec.firstName;
  if (spec.lastName !== undefined) user.lastName = spec.lastName;
  realm.users.set(user.id, user);
  return user;
}

/** Adds a group (top level or under `parentId`). */
export function addGroup(realm: Realm, name: string, parentId: string | null = null): EmuGroup {
  const group: EmuGroup = {
    id: uuidFrom(`group:${realm.settings.realm}:${parentId ?? ''}:${name}`),
    name,
    parentId,
    attributes: {},
    realmRoles: new Set(),
    clientRoles: new Map(),
  };
  realm.groups.set(group.id, group);
  return group;
}
