/**
 * The emulated Okta org's state: plain records the routes read and change.
 * @module
 */

import { randomBytes, randomInt } from 'node:crypto';

/** A principal calling the API (the owner of an SSWS token, or an OAuth service app). */
export type Principal =
  | { readonly type: 'User'; readonly id: string }
  | {
      readonly type: 'PublicClientApp';
      readonly id: string;
      readonly name: string;
      /** OAuth scopes granted to the access token. */
      readonly scopes: ReadonlySet<string>;
    };

/** An Okta user. */
export interface EmuUser {
  id: string;
  status: string;
  created: number;
  activated: number | null;
  statusChanged: number | null;
  lastLogin: number | null;
  lastUpdated: number;
  passwordChanged: number | null;
  profile: Record<string, unknown>;
  password: string;
}

/** An Okta group with its members (user ids). */
export interface EmuGroup {
  id: string;
  name: string;
  description: string | null;
  type: 'OKTA_GROUP' | 'BUILT_IN';
  created: number;
  lastUpdated: number;
  lastMembershipUpdated: number;
  members: Set<string>;
}

/** A v1 factor (push, webauthn, sms, totp). */
export interface EmuFactor {
  id: string;
  userId: string;
  factorType: 'push' | 'webauthn' | 'sms' | 'token:software:totp';
  provider: 'OKTA' | 'FIDO';
  status: 'ACTIVE' | 'PENDING_ACTIVATION';
  created: number;
  lastUpdated: number;
  profile: Record<string, unknown>;
}

/** An OIE authenticator enrollment that is not a v1 factor (password, email, TAC). */
export interface EmuEnrollment {
  id: string;
  userId: string;
  key: 'okta_password' | 'okta_email' | 'tac';
  name: string;
  status: 'ACTIVE';
  created: number;
  lastUpdated: number;
  tac?: { readonly code: string; readonly multiUse: boolean; readonly expiresAt: number; used: boolean };
}

/** A push verification transaction. */
export interface PushTransaction {
  id: string;
  userId: string;
  factorId: string;
  result: 'WAITING' | 'SUCCESS' | 'REJECTED' | 'TIMEOUT';
  correctAnswer: number;
  /** Started with `useNumberMatchingChallenge`: the device approves only with the number picked. */
  numberMatching: boolean;
  created: number;
  expiresAt: number;
}

/** A consent grant. */
export interface EmuGrant {
  id: string;
  userId: string;
  clientId: string;
  scopeId: string;
  created: number;
}

/** A custom admin role. */
export interface EmuRole {
  id: string;
  label: string;
  description: string;
  permissions: string[];
  created: number;
  lastUpdated: number;
}

/** A resource set. */
export interface EmuResourceSet {
  id: string;
  label: string;
  description: string;
  resources: { id: string; href: string; created: number }[];
  created: number;
  lastUpdated: number;
}

/** An admin role assigned to a user or a group (standard type, or CUSTOM with a resource set). */
export interface EmuRoleAssignment {
  id: string;
  principalType: 'USER' | 'GROUP' | 'CLIENT';
  principalId: string;
  type: string;
  roleId: string | null;
  resourceSetId: string | null;
  created: number;
  lastUpdated: number;
}

/** A System Log event as Okta stores it, with its persistence sequence. */
export interface StoredLogEvent {
  readonly seq: number;
  readonly publishedMs: number;
  readonly event: Record<string, unknown>;
}

/** A registered event hook. */
export interface EmuEventHook {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  verificationStatus: 'VERIFIED' | 'UNVERIFIED';
  events: { type: 'EVENT_TYPE'; items: string[] };
  uri: string;
  headers: { key: string; value: string }[];
  authScheme: { type: 'HEADER'; key: string; value: string } | null;
  createdBy: string | null;
  created: number;
  lastUpdated: number;
}

/** The whole org. */
export interface OrgState {
  users: Map<string, EmuUser>;
  groups: Map<string, EmuGroup>;
  factors: Map<string, EmuFactor>;
  enrollments: Map<string, EmuEnrollment>;
  transactions: Map<string, PushTransaction>;
  /** Session id -> user id, for sessions the emulator minted (sign-in UI sessions are looked up). */
  sessionOwners: Map<string, string>;
  grants: Map<string, EmuGrant>;
  roles: Map<string, EmuRole>;
  resourceSets: Map<string, EmuResourceSet>;
  roleAssignments: Map<string, EmuRoleAssignment>;
  log: StoredLogEvent[];
  hooks: Map<string, EmuEventHook>;
  /** Custom profile properties of the default user schema. */
  customSchema: Map<string, Record<string, unknown>>;
  /** SSWS tokens and OAuth access tokens -> principal. */
  tokens: Map<string, Principal>;
  /** OAuth service apps allowed to use client_credentials + private_key_jwt. */
  serviceApps: Map<
    string,
    { readonly name: string; readonly jwk: Record<string, unknown>; readonly scopes: ReadonlySet<string> }
  >;
  /** Failed password sign-ins per user id since the last success or unlock (the lockout counter). */
  failedSignIns: Map<string, number>;
  /**
   * The password policy's lockout: `autoUnlockMinutes` null is "never" (an admin unlocks); `autoUnlockActor`
   * is who the `user.account.unlock` event names, which Okta does not document (a switch: the user, or Okta).
   */
  lockout: { autoUnlockMinutes: number | null; autoUnlockActor: 'user' | 'system' };
  /** The org-level TAC authenticator. */
  tacAuthenticator: {
    id: string;
    defaultTtl: number;
    minTtl: number;
    maxTtl: number;
    multiUseAllowed: boolean;
  };
  seq: number;
}

/** Creates an empty org. */
export function createState(): OrgState {
  return {
    users: new Map(),
    groups: new Map(),
    factors: new Map(),
    enrollments: new Map(),
    transactions: new Map(),
    sessionOwners: new Map(),
    grants: new Map(),
    roles: new Map(),
    resourceSets: new Map(),
    roleAssignments: new Map(),
    log: [],
    hooks: new Map(),
    customSchema: new Map(),
    tokens: new Map(),
    serviceApps: new Map(),
    failedSignIns: new Map(),
    lockout: { autoUnlockMinutes: null, autoUnlockActor: 'system' },
    tacAuthenticator: { id: newId('aut'), defaultTtl: 120, minTtl: 10, maxTtl: 14400, multiUseAllowed: true },
    seq: 0,
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** An Okta-looking 20-character id with the given 3-character prefix. */
export function newId(prefix: string): string {
  const bytes = randomBytes(17);
  let out = prefix;
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

/** A random opaque token (sessions, refresh tokens, SSWS tokens). */
export function newToken(length = 40): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

/** A random TAC: 12 characters of letters, digits and symbols. */
export function newTac(): string {
  const chars = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#$%*';
  let out = '';
  for (let i = 0; i < 12; i++) out += chars[randomInt(chars.length)];
  return out;
}

/** ISO timestamp of an epoch-ms value (Okta always prints milliseconds and `Z`). */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Finds a user by id or login (Okta's `/users/{id}` accepts either), case-insensitively for logins. */
export function findUser(state: OrgState, idOrLogin: string): EmuUser | undefined {
  const byId = state.users.get(idOrLogin);
  if (byId) return byId;
  const wanted = idOrLogin.toLowerCase();
  for (const user of state.users.values()) {
    if (String(user.profile.login).toLowerCase() === wanted) return user;
  }
  return undefined;
}

/** Finds a group by exact name. */
export function findGroupByName(state: OrgState, name: string): EmuGroup | undefined {
  for (const group of state.groups.values()) if (group.name === name) return group;
  return undefined;
}

/** Groups the user belongs to. */
export function groupsOf(state: OrgState, userId: string): EmuGroup[] {
  return [...state.groups.values()].filter((group) => group.members.has(userId));
}
