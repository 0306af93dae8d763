/**
 * The Graph emulator's in-memory tenant: users, groups, methods, roles, units, audits, sessions.
 * @module
 */

/** A user object as the emulator keeps it. */
export interface EmuUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string;
  surname: string;
  mail: string | null;
  otherMails: string[];
  mobilePhone: string | null;
  accountEnabled: boolean;
  employeeType: string | null;
  employeeLeaveDateTime: string | null;
  createdDateTime: string;
  managerId: string | null;
  sponsorIds: string[];
  password: string;
  forceChangePasswordNextSignIn: boolean;
  lastPasswordChangeDateTime: string;
  signInSessionsValidFromDateTime: string;
  /** Directory extension values (`extension_{appId}_{name}`). */
  extensions: Record<string, string | null>;
  /** Smart lockout after failed sign-ins (not visible through Graph, cleared by a password reset). */
  lockedOut: boolean;
  /**
   * The user's default MFA method (`userPreferredMethodForSecondaryAuthentication`; only beta
   * `signInPreferences` can change it). Graph refuses to delete a phone that is the default.
   */
  defaultMfaMethod: DefaultMfaMethod | null;
}

/** Values of a user's default MFA method, as `userRegistrationDetails.defaultMfaMethod` names them. */
export type DefaultMfaMethod =
  | 'push'
  | 'oath'
  | 'sms'
  | 'voiceMobile'
  | 'voiceAlternateMobile'
  | 'voiceOffice';

/** The kinds of authentication method the emulator models (Graph navigation names without `Methods`). */
export type MethodType =
  | 'password'
  | 'phone'
  | 'email'
  | 'microsoftAuthenticator'
  | 'fido2'
  | 'softwareOath'
  | 'windowsHelloForBusiness'
  | 'temporaryAccessPass';

/** A registered authentication method. */
export interface EmuMethod {
  id: string;
  userId: string;
  type: MethodType;
  createdDateTime: string | null;
  /** Type-specific Graph properties (phoneNumber, displayName, ...). */
  props: Record<string, unknown>;
  /** TAP only: the pass itself, its use state. */
  tap?: { secret: string; startMs: number; lifetimeInMinutes: number; isUsableOnce: boolean; used: boolean };
}

/** A security group. */
export interface EmuGroup {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  securityEnabled: boolean;
  mailEnabled: boolean;
  isAssignableToRole: boolean;
  createdDateTime: string;
  members: Set<string>;
}

/** An administrative unit. */
export interface EmuUnit {
  id: string;
  displayName: string;
  description: string | null;
  isMemberManagementRestricted: boolean;
  members: Set<string>;
}

/** A role assignment (`directoryScopeId` `/` or `/administrativeUnits/{id}`). */
export interface EmuRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}

/** A PIM schedule instance (`Activated` through PIM, or `Assigned`). */
export interface EmuRoleInstance {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  assignmentType: 'Assigned' | 'Activated';
  startDateTime: string;
  endDateTime: string | null;
}

/** A PIM eligibility. */
export interface EmuEligibility {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}

/** A PIM for Groups eligibility: the principal may activate membership (or ownership) of the group. */
export interface EmuGroupEligibility {
  id: string;
  groupId: string;
  principalId: string;
  accessId: 'member' | 'owner';
}

/** An app registration with its service principal. */
export interface EmuApp {
  appId: string;
  objectId: string;
  servicePrincipalId: string;
  displayName: string;
  secrets: string[];
  /** PEM certificates whose keys may sign client assertions. */
  certificates: string[];
  extensionProperties: { id: string; name: string; dataType: string; targetObjects: string[] }[];
  /** Application permissions granted with admin consent (the `roles` of its app-only tokens). */
  permissions: string[];
}

/** A change-notification subscription. */
export interface EmuSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationDateTime: string;
  applicationId: string;
  creatorId: string;
}

/** A directoryAudit record, in Graph's shape. */
export interface EmuAudit {
  id: string;
  category: string;
  correlationId: string;
  result: 'success' | 'failure';
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  operationType: string;
  /** Only the initiating side is present (real Graph sends the other as null; the CSDL subset says object). */
  initiatedBy: {
    user?: { id: string; displayName: string; userPrincipalName: string; ipAddress: string };
    app?: {
      appId: string;
      displayName: string;
      servicePrincipalId: string;
      servicePrincipalName: string | null;
    };
  };
  targetResources: {
    id: string;
    displayName: string | null;
    type: string;
    userPrincipalName: string | null;
    modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[];
  }[];
  additionalDetails: { key: string; value: string }[];
}

/** A membership change, for group delta. */
export interface EmuGroupChange {
  seq: number;
  groupId: string;
  memberId: string | null;
  op: 'add' | 'remove' | 'group';
}

/** Who a token was issued to. */
export type EmuPrincipal = { kind: 'app'; appId: string } | { kind: 'user'; userId: string; appId: string };

/** A sign-in session with its refresh token. */
export interface EmuSession {
  id: string;
  userId: string;
  createdMs: number;
  refreshToken: string;
  /** Sessions from a TAP end when the TAP would have. */
  expiresMs: number | null;
  active: boolean;
}

/** The TAP method policy. */
export interface EmuTapPolicy {
  state: 'enabled' | 'disabled';
  defaultLifetimeInMinutes: number;
  minimumLifetimeInMinutes: number;
  maximumLifetimeInMinutes: number;
  isUsableOnce: boolean;
  defaultLength: number;
  includeTargets: { id: string; targetType: 'group'; isRegistrationRequired: boolean }[];
}

/** A revokeSignInSessions call waiting for Graph's delay. */
export interface PendingRevocation {
  readonly due: number;
  readonly seq: number;
  readonly issuedBefore: number;
}

/** The whole tenant. */
export interface TenantState {
  tenantId: string;
  users: Map<string, EmuUser>;
  methods: Map<string, EmuMethod>;
  groups: Map<string, EmuGroup>;
  units: Map<string, EmuUnit>;
  roleAssignments: Map<string, EmuRoleAssignment>;
  roleInstances: Map<string, EmuRoleInstance>;
  eligibilities: Map<string, EmuEligibility>;
  /** PIM for Groups eligible memberships and ownerships. */
  groupEligibilities: Map<string, EmuGroupEligibility>;
  apps: Map<string, EmuApp>;
  subscriptions: Map<string, EmuSubscription>;
  audits: EmuAudit[];
  /**
   * When each audit record becomes readable (epoch ms): Entra ingests audit records after the change they
   * describe, 2 min at p95 and 5 min at p99. Records absent here are readable at once (seeded history).
   * @see https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-reporting-latencies
   */
  auditVisibleAt: Map<string, number>;
  /** The ingestion latency given to new audit records, in ms (a test switch). */
  auditLatencyMs: number;
  /**
   * How long after `revokeSignInSessions` the revocation takes effect ("there might be a small delay of a few
   * minutes before tokens are revoked"): 0 (the default, the fast end) revokes at once.
   */
  revocationDelayMs: number;
  /**
   * Revocations waiting for their delay, by user id: when they take effect (emulator ms), and what they cover
   * (sessions up to `seq`; OIDC tokens issued before `issuedBefore`, real epoch ms as the OIDC server stamps them).
   */
  pendingRevocations: Map<string, PendingRevocation>;
  groupChanges: EmuGroupChange[];
  sessions: Map<string, EmuSession>;
  accessTokens: Map<string, { principal: EmuPrincipal; expiresMs: number }>;
  tapPolicy: EmuTapPolicy;
  seq: number;
  /** User properties the gate's app may not read (a permission it was not granted, e.g. lifecycle fields). */
  deniedProperties: Set<string>;
}

/** Creates an empty tenant. */
export function emptyTenant(tenantId: string): TenantState {
  return {
    tenantId,
    users: new Map(),
    methods: new Map(),
    groups: new Map(),
    units: new Map(),
    roleAssignments: new Map(),
    roleInstances: new Map(),
    eligibilities: new Map(),
    groupEligibilities: new Map(),
    apps: new Map(),
    subscriptions: new Map(),
    audits: [],
    auditVisibleAt: new Map(),
    auditLatencyMs: 0,
    revocationDelayMs: 0,
    pendingRevocations: new Map(),
    groupChanges: [],
    sessions: new Map(),
    accessTokens: new Map(),
    tapPolicy: {
      state: 'enabled',
      defaultLifetimeInMinutes: 60,
      minimumLifetimeInMinutes: 60,
      maximumLifetimeInMinutes: 480,
      isUsableOnce: false,
      defaultLength: 8,
      includeTargets: [{ id: 'all_users', targetType: 'group', isRegistrationRequired: false }],
    },
    seq: 0,
    deniedProperties: new Set(),
  };
}

/** Built-in role template ids (stable across tenants). */
export const ROLE_IDS = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  helpdeskAdministrator: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  passwordAdministrator: '966707d0-3269-4727-9be2-8c3a10f19b9d',
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  directoryReaders: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
} as const;

/** Display names of the built-in roles the emulator knows. */
export const ROLE_NAMES: Readonly<Record<string, string>> = {
  [ROLE_IDS.globalAdministrator]: 'Global Administrator',
  [ROLE_IDS.userAdministrator]: 'User Administrator',
  [ROLE_IDS.helpdeskAdministrator]: 'Helpdesk Administrator',
  [ROLE_IDS.passwordAdministrator]: 'Password Administrator',
  [ROLE_IDS.authenticationAdministrator]: 'Authentication Administrator',
  [ROLE_IDS.privilegedAuthenticationAdministrator]: 'Privileged Authentication Administrator',
  [ROLE_IDS.privilegedRoleAdministrator]: 'Privileged Role Administrator',
  [ROLE_IDS.directoryReaders]: 'Directory Readers',
  [ROLE_IDS.globalReader]: 'Global Reader',
};
