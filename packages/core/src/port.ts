/**
 * The provider port: what every IdP adapter implements, and the normalised types it speaks.
 * Core owns this interface; adapters (Okta, Entra ID, Keycloak) implement it on the official SDKs.
 * All timestamps are ISO-8601 UTC strings. `null` always means "unknown or unreadable", and the
 * policy engine resolves unknown facts to the riskier answer.
 * @module
 */

import type { DoctorOptions, DoctorReport } from './doctor.js';
import type { Secret } from './secret.js';

/** The identity providers Recovery Gate supports. */
export type IdpKind = 'okta' | 'entra' | 'keycloak';

/** Every supported IdP, in a stable order (config wiring and input validation). */
export const IDP_KINDS: readonly IdpKind[] = ['okta', 'entra', 'keycloak'];

/** What a help-desk caller or a native console action asks for. */
export type RecoveryAction =
  | 'password_reset'
  | 'account_unlock'
  | 'mfa_reset'
  | 'authenticator_rebind'
  | 'recovery_contact_change'
  | 'emergency_access';

/** Every recovery action, in a stable order. */
export const RECOVERY_ACTIONS: readonly RecoveryAction[] = [
  'password_reset',
  'account_unlock',
  'mfa_reset',
  'authenticator_rebind',
  'recovery_contact_change',
  'emergency_access',
];

/** A person known to the IdP (manager, sponsor, actor). */
export interface PersonRef {
  /** The IdP's immutable user id. */
  readonly id: string;
  /** Login name / UPN / username, when known. */
  readonly login: string | null;
  /** Display name, when known. */
  readonly displayName: string | null;
}

/** The lifecycle state of an account, normalised across IdPs. */
export type AccountStatus =
  | 'active'
  | 'locked'
  | 'password_expired'
  | 'recovery'
  | 'staged'
  | 'provisioned'
  | 'suspended'
  | 'disabled'
  | 'deprovisioned'
  | 'unknown';

/** The kind of an authenticator bound to an account. */
export type AuthenticatorKind =
  | 'push'
  | 'totp'
  | 'sms'
  | 'voice'
  | 'email'
  | 'webauthn'
  | 'password'
  | 'temporary_access'
  | 'recovery_codes'
  | 'other';

/** An authenticator bound to the account. */
export interface Authenticator {
  /** The IdP's id for the factor / method / credential. */
  readonly id: string;
  readonly kind: AuthenticatorKind;
  /** A human label (device name, masked phone), never a secret. */
  readonly label: string | null;
  /** When it was bound; null when the IdP does not say. */
  readonly enrolledAt: string | null;
  /** Whether it can be used to sign in now. */
  readonly status: 'active' | 'pending' | 'inactive';
  /** True when the IdP can push a challenge to it (Okta Verify push). */
  readonly supportsDeviceChallenge: boolean;
}

/** A contact channel on file (email address or phone number) that notifications and one-time codes may use. */
export interface Channel {
  /** A stable id within the subject, e.g. `email:primary`, `phone:mobile`. */
  readonly id: string;
  readonly kind: 'email' | 'phone';
  /** The address or number itself (needed to notify); never logged unmasked. */
  readonly value: string;
  /** When it last changed; null when unknown (then it is treated as changed just now). */
  readonly lastChangedAt: string | null;
  /** Whether the IdP marks it verified. */
  readonly verified: boolean;
  /**
   * True when this is the mailbox of the very account being recovered. A link to it never counts as
   * evidence (whoever holds the account may hold its mailbox).
   */
  readonly isAccountMailbox: boolean;
}

/** A fact the adapter could not read, and why: shown on the case so an IAM engineer can grant what is missing. */
export interface UnreadableFact {
  /** The fact left unknown, e.g. `adminRoles`, `groups`, `manager`, `attributes.contractEnd`. */
  readonly fact: string;
  /** Why: the IdP refused (a permission the gate lacks), or the read failed. */
  readonly reason: 'forbidden' | 'failed';
  /** The IdP permission (scope, Graph permission, admin role) whose absence makes the fact unreadable. */
  readonly permission: string | null;
  /** The read that was refused, e.g. `GET /roleManagement/directory/roleEligibilitySchedules`. */
  readonly endpoint: string;
}

/** One admin role the subject holds or may activate, and how (for the case view; selectors match names). */
export interface AdminRoleGrant {
  readonly role: string;
  /** Active now, or eligible (may be activated, e.g. PIM). */
  readonly state: 'active' | 'eligible';
  /** The group it is held through, or null when assigned to the user directly. */
  readonly via: string | null;
  /** Where it applies: `tenant`, or the scope's name (an administrative unit, a resource set). */
  readonly scope: string;
}

/** Everything the policy engine may know about the subject of a recovery. */
export interface SubjectFacts {
  readonly idp: IdpKind;
  readonly userId: string;
  readonly login: string;
  readonly displayName: string | null;
  readonly status: AccountStatus;
  /** Group names (not ids), direct and nested; null when unreadable. */
  readonly groups: readonly string[] | null;
  /** Admin / directory role names (direct or through groups); null when unreadable. */
  readonly adminRoles: readonly string[] | null;
  /** Profile attributes relevant to policy (employeeType, contractEnd, sponsor...); a null value is unknown. */
  readonly attributes: Readonly<Record<string, string | null>>;
  /** Manager; null when none or unknown. */
  readonly manager: PersonRef | null;
  /** Sponsor (contractors); null when none or unknown. */
  readonly sponsor: PersonRef | null;
  /** Bound authenticators; null when unreadable. */
  readonly authenticators: readonly Authenticator[] | null;
  /** Channels on file; null when unreadable. */
  readonly channels: readonly Channel[] | null;
  /** Entra: member of a restricted management administrative unit. Null when not applicable or unknown. */
  readonly protectedUnit: boolean | null;
  /** When these facts were read from the IdP. */
  readonly readAt: string;
  /** Facts left unknown (null) because a read was refused, with the permission that is missing. */
  readonly unreadable?: readonly UnreadableFact[];
  /** How each admin role is held (direct or through a group, active or eligible, scope). */
  readonly adminRoleGrants?: readonly AdminRoleGrant[];
  /**
   * Actions the IdP will not let the gate perform on this subject, with why (Entra: nobody may reset the
   * password of a Global Administrator in a restricted management unit). The policy denies them up front,
   * before anything is revoked or reset.
   */
  readonly idpRefuses?: readonly IdpRefusal[];
}

/** An action the IdP refuses to let the gate perform on the subject. */
export interface IdpRefusal {
  readonly action: RecoveryAction;
  /** Why, in words for the case view (no secrets). */
  readonly reason: string;
}

/** Capabilities an adapter may declare. */
export type Capability =
  | 'facts'
  | 'device_challenge'
  | 'oidc_step_up'
  | 'revoke_sessions'
  | 'revoke_refresh_tokens'
  | 'revoke_grants'
  | 'reset_authenticators'
  | 'reset_password'
  | 'unlock'
  | 'suspend'
  | 'temporary_credential'
  | 'revoke_temporary_credential'
  | 'audit_events'
  | 'hooks'
  | 'case_status'
  | 'request_groups'
  | 'guardrails'
  | 'idp_recovery_codes';

/** Every capability, in a stable order. */
export const CAPABILITIES: readonly Capability[] = [
  'facts',
  'device_challenge',
  'oidc_step_up',
  'revoke_sessions',
  'revoke_refresh_tokens',
  'revoke_grants',
  'reset_authenticators',
  'reset_password',
  'unlock',
  'suspend',
  'temporary_credential',
  'revoke_temporary_credential',
  'audit_events',
  'hooks',
  'case_status',
  'request_groups',
  'guardrails',
  'idp_recovery_codes',
];

/** What an adapter says about one capability. */
export interface CapabilityInfo {
  readonly supported: boolean;
  /** What the IdP really does, its caveats (e.g. "revocation takes minutes; CAE covers ..."). */
  readonly note: string;
}

/** The capability declaration of an adapter: every capability is listed, supported or not. */
export type Capabilities = Readonly<Record<Capability, CapabilityInfo>>;

/** A push challenge started on a registered device. */
export interface DeviceChallenge {
  /** An opaque id the adapter can poll with. */
  readonly id: string;
  /** The authenticator the push went to. */
  readonly authenticatorId: string;
  /** The number the subject must pick on the device (number matching); null when the IdP gave none. */
  readonly numberToMatch: number | null;
  readonly startedAt: string;
  readonly expiresAt: string;
}

/** The result of polling a device challenge. */
export type DeviceChallengeResult = 'pending' | 'approved' | 'rejected' | 'expired';

/** What to revoke. */
export interface RevocationScope {
  readonly sessions: boolean;
  readonly refreshTokens: boolean;
  readonly grants: boolean;
}

/** What a revocation did. */
export interface RevocationResult {
  /** Which parts were revoked. */
  readonly revoked: readonly ('sessions' | 'refresh_tokens' | 'grants')[];
  /** What stays valid and for how long (e.g. access tokens until expiry; CAE caveats). */
  readonly caveats: readonly string[];
}

/** Which authenticators to remove. */
export type AuthenticatorSelection =
  | { readonly all: true; readonly keepKinds?: readonly AuthenticatorKind[] }
  | { readonly all: false; readonly ids: readonly string[] };

/** What removing authenticators did. */
export interface ResetResult {
  readonly removed: readonly string[];
  /**
   * Selected authenticators the IdP refused to remove and still holds, each with why and what the user must
   * do (e.g. Entra keeps a phone that is the default MFA method); absent or empty when everything went.
   */
  readonly remaining?: readonly RemainingAuthenticator[];
}

/** An authenticator a reset could not remove. */
export interface RemainingAuthenticator {
  readonly id: string;
  readonly kind: AuthenticatorKind;
  /** Why it remains and what the user does about it, safe to show (never a secret, never a full number). */
  readonly reason: string;
}

/** Options for a password reset. */
export interface PasswordResetOptions {
  /** The credential lifetime the tier allows, in seconds. */
  readonly lifetimeSeconds: number;
}

/** The kind of temporary access credential an IdP issues. */
export type CredentialKind =
  | 'okta_tac'
  | 'okta_reset_link'
  | 'entra_tap'
  | 'entra_temporary_password'
  | 'keycloak_action_link'
  | 'keycloak_temporary_password';

/** Options for issuing a temporary access credential. */
export interface TemporaryCredentialOptions {
  readonly lifetimeSeconds: number;
  readonly singleUse: boolean;
  /** The action the credential serves (decides e.g. Keycloak's required actions). */
  readonly action: RecoveryAction;
  /**
   * For IdPs that can deliver the credential themselves (Keycloak's action email): the channel it goes to.
   * Only when the tier explicitly asks for that kind, and never for privileged subjects; without it the
   * adapter returns a secret the gate shows once to the verified subject.
   */
  readonly deliverTo?: Channel;
}

/** A temporary access credential, as issued. The secret is returned once and never stored. */
export interface IssuedCredential {
  readonly kind: CredentialKind;
  /** The IdP's id for it, to revoke early; null when the IdP has none. */
  readonly id: string | null;
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly singleUse: boolean;
  /**
   * Who delivers it: `gate` means `secret` is set and the gate shows it once to the verified subject;
   * `idp` means the IdP sent it itself to `deliveredTo` and `secret` is null.
   */
  readonly delivery: 'gate' | 'idp';
  readonly secret: Secret | null;
  /** Channel id the IdP delivered to, when `delivery` is `idp`. */
  readonly deliveredTo: string | null;
}

/** Kinds of recovery-relevant events an adapter normalises. */
export type EventKind =
  /** A user was added to a request group (the native-console trigger). */
  | 'recovery_requested'
  /** A user was removed from a request group by someone other than the gate. */
  | 'recovery_request_withdrawn'
  | 'native_password_reset'
  | 'native_authenticator_reset'
  | 'native_authenticator_enrolled'
  | 'native_temporary_credential'
  | 'native_unlock'
  | 'native_sessions_revoked'
  | 'native_contact_changed';

/** Who caused an event. */
export interface EventActor {
  /** The IdP's id of the actor; null when the IdP has not said (yet): never a placeholder string. */
  readonly id: string | null;
  readonly type: 'user' | 'app' | 'system';
  readonly displayName: string | null;
}

/** A recovery-relevant IdP event, normalised. */
export interface NormalizedEvent {
  /** Idempotency key, unique per IdP tenant: the IdP's own event id (Okta `uuid`, Graph audit id ...). */
  readonly id: string;
  readonly idp: IdpKind;
  readonly kind: EventKind;
  /** The IdP's event type as it named it (for the audit record). */
  readonly sourceType: string;
  readonly occurredAt: string;
  readonly actor: EventActor;
  /** The user the event is about. */
  readonly subject: { readonly userId: string; readonly login: string | null };
  /** For request-group events: which action the group stands for. */
  readonly action: RecoveryAction | null;
  /** For authenticator events: what was affected, when known. */
  readonly authenticatorKind: AuthenticatorKind | null;
}

/** What {@link RecoveryProvider.findRequester} looks for: one request-group addition in a time window. */
export interface RequesterQuery {
  readonly subjectId: string;
  readonly action: RecoveryAction;
  /** ISO time the addition happened at or after. */
  readonly from: string;
  /** ISO time the addition happened at or before. */
  readonly to: string;
}

/** A page of events read from one of the adapter's streams. */
export interface EventPage {
  readonly events: readonly NormalizedEvent[];
  /** The cursor to persist and pass next time; equal to the input when nothing new was read. */
  readonly cursor: string;
  /** True when more events are ready now (call again at once). */
  readonly more: boolean;
}

/** An HTTP request delivered to a hook endpoint, as the gate received it. */
export interface HookRequest {
  readonly method: string;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** The raw body (already size-limited by the gate). */
  readonly body: string;
}

/** What the gate must answer to a hook request. */
export interface HookResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The outcome of verifying a hook request. */
export interface HookResult {
  /** The response to send (a verification echo, or an acknowledgement). */
  readonly response: HookResponse;
  /** Events carried by the delivery, normalised (deduplication is the gate's job, by `id`). */
  readonly events: readonly NormalizedEvent[];
  /** Streams the gate should poll now because the delivery only hinted at a change (Graph notifications). */
  readonly resync: readonly string[];
  /** True for one-time verification handshakes. */
  readonly handshake: boolean;
}

/** The status of a case, as written back to the IdP for agents to see in the native console. */
export interface CaseStatusMarker {
  readonly caseId: string;
  /** A short state word, e.g. `verifying`, `held until 14:05Z`, `completed`. */
  readonly status: string;
  readonly updatedAt: string;
}

/** One change in a guardrails plan. */
export interface GuardrailChange {
  readonly op: 'create' | 'update' | 'delete' | 'noop';
  /** Resource type, e.g. `group`, `admin_role`, `resource_set`, `event_hook`, `schema_attribute`. */
  readonly resource: string;
  /** A stable, human-readable name of the resource. */
  readonly name: string;
  /** Why this change (what the guardrail is for). */
  readonly reason: string;
  /** Safe-to-print view of the current and desired state (never secrets). */
  readonly before: unknown;
  readonly after: unknown;
  /** Takes admin rights away from people (a built-in role that can reset); `apply` runs it only when asked to. */
  readonly removesAccess?: boolean;
}

/** A finding that apply does not fix, reported for humans (e.g. help-desk principals with broad roles). */
export interface GuardrailFinding {
  readonly severity: 'info' | 'warning' | 'critical';
  readonly code: string;
  readonly message: string;
}

/**
 * What the gate's policy will ask of an IdP, so `plan` can check the tenant's own settings against it
 * (e.g. the temporary-credential lifetimes an authenticator allows). Read-only; nothing is changed for it.
 */
export interface GuardrailContext {
  /** The temporary credential each tier issues (`kind` absent: the adapter's own kind). */
  readonly credentials?: readonly {
    readonly tier: string;
    readonly kind?: string;
    readonly lifetimeSeconds: number;
    readonly singleUse: boolean;
  }[];
}

/** A guardrails plan: the diff between the tenant and the desired state. */
export interface GuardrailPlan {
  readonly idp: IdpKind;
  readonly changes: readonly GuardrailChange[];
  readonly findings: readonly GuardrailFinding[];
}

/** Progress callback for long work. */
export type ProgressListener = (done: number, total: number, label: string) => void;

/** What applying a plan did. */
export interface ApplyResult {
  readonly applied: readonly GuardrailChange[];
}

/**
 * How the gate's pages ask an IdP for a step-up sign-in and check it, as the IdP documents it. A tenant's
 * `pages.signIn` overrides any of it.
 */
export interface SignInDefaults {
  readonly stepUp: {
    /** `acr_values` to request (Okta `urn:okta:loa:2fa:any`, Keycloak LoA `2`). */
    readonly acrValues?: string;
    /** `max_age` in seconds. */
    readonly maxAgeSeconds: number;
  };
  /** acr values that prove a multi-factor sign-in. */
  readonly stepUpAcrs: readonly string[];
  /** amr values of which one must be present after step-up (Okta: `mfa`); unchecked when absent. */
  readonly stepUpAmrs?: readonly string[];
  /**
   * amr values the IdP puts in the ID token when the sign-in used one of its own saved recovery codes
   * (Keycloak: the reference value of the recovery-code execution, via the AMR protocol mapper). Such a
   * sign-in is `idp_recovery_code` evidence, never `oidc_step_up`. Absent where the IdP has no such codes.
   */
  readonly recoveryCodeAmrs?: readonly string[];
  /**
   * Step-up by an authentication context asked in a `claims` request and proven in the `acrs` claim (Entra):
   * the default context id. Absent for IdPs that step up by `acr_values`.
   */
  readonly authenticationContext?: string;
  /** The claim naming the person as the IdP's user id (Entra `oid`: its `sub` is pairwise). @default 'sub' */
  readonly subjectClaim?: string;
}

/**
 * What the IdP-neutral gate needs to know about an IdP beyond its capabilities, declared by the adapter so
 * the gate never branches on an IdP's name.
 */
export interface IdpSettings {
  readonly credential: {
    /** The temporary credential the gate issues and shows once to the verified subject. */
    readonly shown: CredentialKind;
    /**
     * The kind the IdP delivers itself (Keycloak's action email to the account's mailbox), used only when a
     * tier asks for exactly this kind and never for a privileged subject; null when the IdP cannot.
     */
    readonly selfDelivered: CredentialKind | null;
    /** The kind an administrator issues in the IdP's own console (what bypass remediation revokes). */
    readonly native: CredentialKind;
  };
  /**
   * Where recovery contacts live: `authenticators` (phone and email factors a contact change removes) or
   * `profile` (attributes the issued credential makes the subject update).
   */
  readonly contacts: 'authenticators' | 'profile';
  /**
   * The field of the provider's config section (`providers.<idp>.<field>`) that holds the URL the IdP calls
   * the gate at (event hook, change notification), named by `doctor`; null when the IdP is only polled.
   */
  readonly callbackUrlField: string | null;
  /** Step-up sign-in for the pages. */
  readonly signIn: SignInDefaults;
}

/**
 * The provider port. Every method throws {@link GateError} with a stable code:
 * `ERR_USER_NOT_FOUND` for an unknown user, `ERR_UNSUPPORTED` for a capability the adapter
 * does not declare, `ERR_IDP_*` for IdP failures (after bounded retries).
 */
export interface RecoveryProvider {
  readonly idp: IdpKind;
  /** Every capability, declared supported or not, with notes. */
  readonly capabilities: Capabilities;
  /** The event streams `readEvents` accepts, e.g. `['system_log']`. */
  readonly streams: readonly string[];
  /** What the gate needs to know about this IdP (credential delivery, contacts, step-up sign-in). */
  readonly settings: IdpSettings;

  /** Reads what policy needs about a user (by IdP id or login). */
  readSubjectFacts(user: string): Promise<SubjectFacts>;
  /** Finds a user by id or login; null when none. */
  findUser(user: string): Promise<PersonRef | null>;

  /** Pushes a challenge to the subject's registered device (number matching where available). */
  startDeviceChallenge(userId: string): Promise<DeviceChallenge>;
  /** Polls a device challenge. */
  pollDeviceChallenge(userId: string, challenge: DeviceChallenge): Promise<DeviceChallengeResult>;

  /** Revokes sessions, refresh tokens and grants. Idempotent. */
  revokeSessions(userId: string, scope: RevocationScope): Promise<RevocationResult>;
  /** Removes authenticators. Idempotent: removing what is gone is not an error. */
  resetAuthenticators(userId: string, selection: AuthenticatorSelection): Promise<ResetResult>;
  /** Puts the password into reset so the next sign-in must set a new one. */
  resetPassword(userId: string, options: PasswordResetOptions): Promise<void>;
  /** Clears a lockout and enables the account. */
  unlock(userId: string): Promise<void>;
  /** Suspends / disables the account (bypass remediation). */
  suspend(userId: string): Promise<void>;

  /** Issues a short-lived temporary access credential. The secret is returned once. */
  issueTemporaryCredential(userId: string, options: TemporaryCredentialOptions): Promise<IssuedCredential>;
  /** Revokes a temporary credential early (case cancelled). Idempotent. */
  revokeTemporaryCredential(userId: string, credential: Pick<IssuedCredential, 'kind' | 'id'>): Promise<void>;
  /**
   * For IdPs that deliver the credential themselves: whether a send of the gate's to the user went out at
   * or after `since` (Keycloak: its admin event for execute-actions-email). Lets a restart after a crash
   * mid-issue re-send only what never left. Absent where the gate delivers.
   * @throws GateError ERR_UNSUPPORTED when the IdP keeps no record to read (Keycloak admin events off)
   */
  credentialSentSince?(userId: string, since: string): Promise<boolean>;

  /**
   * Re-reads who added `subjectId` to the request group of `action` between `from` and `to`, for an event
   * that came without its requester (an audit record behind the change it describes); null while unknown
   * or ambiguous. Absent when every event names its actor.
   */
  findRequester?(query: RequesterQuery): Promise<EventActor | null>;
  /** Reads recovery-relevant events from a stream since a cursor (null: from `since`, or a recent default). */
  readEvents(
    stream: string,
    cursor: string | null,
    options?: { readonly since?: string },
  ): Promise<EventPage>;
  /** Verifies and normalises a hook delivery. Throws `ERR_HOOK_UNAUTHENTICATED` / `ERR_HOOK_MALFORMED`. */
  verifyHook(request: HookRequest): Promise<HookResult>;

  /** Writes the case status onto the user for agents to see in the native console. */
  writeCaseStatus(userId: string, marker: CaseStatusMarker | null): Promise<void>;
  /** Removes the user from the request group for `action` (the request marker). Idempotent. */
  clearRequestMarker(userId: string, action: RecoveryAction): Promise<void>;

  /**
   * Reads the tenant and returns the diff to the desired guardrails (from the adapter's config). With the
   * policy's needs (`context`), findings also say what the tenant's settings would refuse (read-only).
   */
  planGuardrails(context?: GuardrailContext): Promise<GuardrailPlan>;
  /** Applies a plan. Idempotent: applying twice changes nothing the second time. */
  applyGuardrails(plan: GuardrailPlan, onProgress?: ProgressListener): Promise<ApplyResult>;

  /**
   * Read-only preflight (`recovery-gate doctor`): the credential, the permissions the operations need, event
   * reading, the clock; with `options`, also what the gate's configuration relies on in the tenant (the pages
   * client's token claims). Never writes; every problem is a failed check, not a throw.
   */
  doctor(options?: DoctorOptions): Promise<DoctorReport>;

  /**
   * Upkeep the running gate does periodically, so the deployment keeps working between `apply` runs (Entra:
   * change-notification subscriptions expire after at most 29 days and are renewed before, or recreated).
   * Absent when the IdP needs none.
   */
  maintain?(): Promise<MaintenanceResult>;
}

/** What one {@link RecoveryProvider.maintain} run did. */
export interface MaintenanceResult {
  /**
   * What was renewed, recreated, or restored (`restored`: found switched off or altered, e.g. an Okta event
   * hook deactivated or a Keycloak realm's event settings turned off, and put back as the gate needs it).
   */
  readonly done: readonly {
    readonly kind: string;
    readonly name: string;
    readonly op: 'renewed' | 'created' | 'restored';
  }[];
  /** The soonest expiry of what the upkeep keeps alive (after this run), or null when there is none. */
  readonly nextExpiry: string | null;
}
