/**
 * The emulator's realm state: users, groups, clients, roles, credentials, sessions, consents,
 * login failures, admin and login events, fine-grained admin permissions (v2) as data, the action-token outbox.
 * @module
 */

import { createHash, randomUUID } from 'node:crypto';
import type { RealmKeys } from './jwt.js';

/** A stored credential (the secret never leaves the emulator). */
export interface EmuCredential {
  id: string;
  type: string;
  userLabel?: string;
  createdDate: number;
  credentialData?: string;
  priority: number;
  secret?: string;
  /** recovery-authn-codes only: the codes not used yet (Keycloak keeps hashes; never over the admin API). */
  codes?: string[];
}

/** A stored user. */
export interface EmuUser {
  id: string;
  username: string;
  email?: string;
  emailVerified: boolean;
  firstName?: string;
  lastName?: string;
  enabled: boolean;
  createdTimestamp: number;
  attributes: Record<string, string[]>;
  requiredActions: string[];
  groups: Set<string>;
  realmRoles: Set<string>;
  clientRoles: Map<string, Set<string>>;
  credentials: EmuCredential[];
  /** Per-user not-before, epoch seconds (set by logout). */
  notBefore: number;
  serviceAccountClientId?: string;
}

/** A stored group. */
export interface EmuGroup {
  id: string;
  name: string;
  parentId: string | null;
  description?: string;
  attributes: Record<string, string[]>;
  realmRoles: Set<string>;
  clientRoles: Map<string, Set<string>>;
}

/** A stored authorization policy or permission (FGAP v2 lives on the admin-permissions client). */
export interface EmuPolicy {
  id: string;
  name: string;
  type: string;
  description?: string;
  logic: 'POSITIVE' | 'NEGATIVE';
  decisionStrategy: 'UNANIMOUS' | 'AFFIRMATIVE' | 'CONSENSUS';
  groups: { id: string; extendChildren: boolean }[];
  roles: { id: string; required: boolean }[];
  resourceType?: string;
  resources: string[];
  scopes: string[];
  policies: string[];
}

/** A role address: a realm role (`client` null) or a role of the client with that UUID. */
export interface RoleRef {
  readonly client: string | null;
  readonly name: string;
}

/** A stored role: `composites` names roles of its own container, `links` roles of other containers. */
export interface EmuRole {
  id: string;
  composites: string[];
  links?: RoleRef[];
}

/** A stored client. */
export interface EmuClient {
  id: string;
  clientId: string;
  name?: string;
  enabled: boolean;
  publicClient: boolean;
  secret?: string;
  serviceAccountsEnabled: boolean;
  directAccessGrantsEnabled: boolean;
  redirectUris: string[];
  roles: Map<string, EmuRole>;
  defaultClientScopes: string[];
  policies: EmuPolicy[];
  /** The client's own protocol mappers (its default client scopes' mappers apply too). */
  protocolMappers: EmuProtocolMapper[];
}

/** A protocol mapper (`ProtocolMapperRepresentation`): what a claim in the client's tokens is built from. */
export interface EmuProtocolMapper {
  id: string;
  name: string;
  protocol: string;
  /** The mapper type, e.g. `oidc-amr-mapper`. */
  protocolMapper: string;
  config: Record<string, string>;
}

/** A client scope; its mappers apply to every client that has it as a default scope. */
export interface EmuClientScope {
  id: string;
  name: string;
  protocolMappers: EmuProtocolMapper[];
}

/** A user session (online or offline). */
export interface EmuSession {
  id: string;
  userId: string;
  clients: Set<string>;
  start: number;
  lastAccess: number;
  offline: boolean;
}

/** A brute-force record. */
export interface EmuLoginFailure {
  numFailures: number;
  numTemporaryLockouts: number;
  lastFailure: number;
  lastIPFailure: string;
  failedLoginNotBefore: number;
}

/** An admin event, exactly as `GET admin-events` returns it. */
export interface EmuAdminEvent {
  id: string;
  time: number;
  realmId: string;
  authDetails: { realmId: string; clientId: string; userId: string; ipAddress: string };
  operationType: 'CREATE' | 'UPDATE' | 'DELETE' | 'ACTION';
  resourceType: string;
  resourcePath: string;
  representation?: string;
  details?: Record<string, string>;
}

/** A login (user) event. */
export interface EmuEvent {
  id: string;
  time: number;
  type: string;
  realmId: string;
  clientId: string;
  userId: string;
  ipAddress: string;
  details?: Record<string, string>;
}

/** An email the realm sent (the in-emulator outbox). */
export interface OutboxMessage {
  readonly to: string;
  readonly userId: string;
  readonly subject: string;
  readonly link: string;
  readonly actions: readonly string[];
  readonly sentAt: number;
  readonly expiresAt: number;
}

/** One execution of an authentication flow (`AuthenticationExecutionInfoRepresentation`, the fields modelled). */
export interface EmuExecution {
  readonly id: string;
  readonly providerId: string;
  readonly displayName: string;
  requirement: 'REQUIRED' | 'ALTERNATIVE' | 'CONDITIONAL' | 'DISABLED';
  readonly level: number;
  readonly index: number;
  /** The id of its `AuthenticatorConfigRepresentation`, when one is set. */
  authenticationConfig?: string;
}

/** An authenticator configuration (`AuthenticatorConfigRepresentation`). */
export interface EmuAuthConfig {
  readonly id: string;
  alias: string;
  config: Record<string, string>;
}

/** The realm's authentication flows the emulator models: the browser flow's executions and their configs. */
export interface RealmAuthentication {
  /** Executions by flow alias. */
  readonly flows: Map<string, EmuExecution[]>;
  /** Authenticator configurations by id. */
  readonly configs: Map<string, EmuAuthConfig>;
}

/** Realm settings the emulator models. */
export interface RealmSettings {
  id: string;
  realm: string;
  enabled: boolean;
  accessTokenLifespan: number;
  /** Access tokens without `sub` / profile claims (Keycloak's "always use lightweight access token"). */
  lightweightAccessTokens: boolean;
  actionTokenGeneratedByAdminLifespan: number;
  adminPermissionsEnabled: boolean;
  /** The alias of the flow browser sign-ins run (`browserFlow`). */
  browserFlow: string;
  /** The server's version (`/admin/serverinfo` `systemInfo.version`): which FGAP v2 scopes exist. */
  serverVersion: string;
  notBefore: number;
  eventsEnabled: boolean;
  eventsExpiration?: number;
  eventsListeners: string[];
  enabledEventTypes: string[];
  adminEventsEnabled: boolean;
  adminEventsDetailsEnabled: boolean;
  bruteForceProtected: boolean;
  failureFactor: number;
}

/** The whole realm. */
export interface Realm {
  settings: RealmSettings;
  keys: RealmKeys;
  users: Map<string, EmuUser>;
  groups: Map<string, EmuGroup>;
  realmRoles: Map<string, EmuRole>;
  clients: Map<string, EmuClient>;
  clientScopes: Map<string, EmuClientScope>;
  authentication: RealmAuthentication;
  sessions: Map<string, EmuSession>;
  consents: Map<
    string,
    Map<string, { grantedClientScopes: string[]; createdDate: number; lastUpdatedDate: number }>
  >;
  loginFailures: Map<string, EmuLoginFailure>;
  adminEvents: EmuAdminEvent[];
  events: EmuEvent[];
  usedActionTokens: Set<string>;
  /** Subjects of lightweight access tokens, by `jti`. */
  tokenSubjects: Map<string, string>;
  outbox: OutboxMessage[];
  userProfile: {
    attributes: Record<string, unknown>[];
    groups: Record<string, unknown>[];
    unmanagedAttributePolicy?: string;
  };
}

/** A deterministic UUID from a name (seeded ids stay stable across runs). */
export function uuidFrom(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A fresh random id. */
export const newId = (): string => randomUUID();

/** Finds a client by its clientId string. */
export function clientByClientId(realm: Realm, clientId: string): EmuClient | undefined {
  for (const client of realm.clients.values()) if (client.clientId === clientId) return client;
  return undefined;
}

/** The group's path, e.g. `/recovery-requests/mfa_reset`. */
export function groupPath(realm: Realm, group: EmuGroup): string {
  const parts: string[] = [group.name];
  let parent = group.parentId === null ? undefined : realm.groups.get(group.parentId);
  while (parent !== undefined) {
    parts.unshift(parent.name);
    parent = parent.parentId === null ? undefined : realm.groups.get(parent.parentId);
  }
  return `/${parts.join('/')}`;
}

/** The group and all its ancestors. */
export function withAncestors(realm: Realm, groupId: string): EmuGroup[] {
  const out: EmuGroup[] = [];
  let current = realm.groups.get(groupId);
  while (current !== undefined) {
    out.push(current);
    current = current.parentId === null ? undefined : realm.groups.get(current.parentId);
  }
  return out;
}

/** The role a reference names, if it exists. */
export function roleAt(realm: Realm, ref: RoleRef): EmuRole | undefined {
  return ref.client === null
    ? realm.realmRoles.get(ref.name)
    : realm.clients.get(ref.client)?.roles.get(ref.name);
}

/** Expands composites across containers (a realm role may include client roles and the reverse). */
function expand(realm: Realm, start: Iterable<RoleRef>): RoleRef[] {
  const seen = new Map<string, RoleRef>();
  const stack = [...start];
  while (stack.length > 0) {
    const ref = stack.pop() as RoleRef;
    const key = `${ref.client ?? ''}/${ref.name}`;
    if (seen.has(key)) continue;
    seen.set(key, ref);
    const role = roleAt(realm, ref);
    for (const name of role?.composites ?? []) stack.push({ client: ref.client, name });
    for (const link of role?.links ?? []) stack.push(link);
  }
  return [...seen.values()];
}

/** The roles mapped to a user directly and through its groups and their ancestors. */
function mappedRoles(realm: Realm, user: EmuUser): RoleRef[] {
  const out: RoleRef[] = [];
  const add = (holder: { realmRoles: Set<string>; clientRoles: Map<string, Set<string>> }): void => {
    for (const name of holder.realmRoles) out.push({ client: null, name });
    for (const [client, names] of holder.clientRoles) for (const name of names) out.push({ client, name });
  };
  add(user);
  for (const gid of user.groups) for (const g of withAncestors(realm, gid)) add(g);
  return out;
}

/** A user's effective realm roles (direct, through groups and ancestors, composites expanded). */
export function effectiveRealmRoles(realm: Realm, user: EmuUser): Set<string> {
  return new Set(
    expand(realm, mappedRoles(realm, user))
      .filter((r) => r.client === null)
      .map((r) => r.name),
  );
}

/** A user's effective roles of one client. */
export function effectiveClientRoles(realm: Realm, user: EmuUser, clientUuid: string): Set<string> {
  if (!realm.clients.has(clientUuid)) return new Set();
  return new Set(
    expand(realm, mappedRoles(realm, user))
      .filter((r) => r.client === clientUuid)
      .map((r) => r.name),
  );
}
