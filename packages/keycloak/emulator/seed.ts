/**
 * Creates a realm with Keycloak's built-ins: realm-management roles, admin clients, client scopes, the
 * gate's client and service account, an app client for probes; and helpers to add users, groups, clients.
 * @module
 */

import { randomBytes } from 'node:crypto';
import { createRealmKeys } from './jwt.js';
import type { EmuClient, EmuGroup, EmuUser, Realm } from './state.js';
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
    realm.clientScopes.set(uuidFrom(`scope:${s}`), { id: uuidFrom(`scope:${s}`), name: s });
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
