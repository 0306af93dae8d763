import type { JWK } from 'oidc-provider';
import type { SignInBranding } from './oidc-views.js';

/** Claims of an account, as the emulator's directory knows them (`sub` is always the account id). */
export interface OidcAccountProfile {
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
  readonly given_name?: string;
  readonly family_name?: string;
  readonly preferred_username?: string;
  readonly groups?: readonly string[];
  /** Any further claim; it reaches tokens only when its name is listed under a scope in `claims`. */
  readonly [claim: string]: unknown;
}

/** How this user completes step-up: a one-time code, a push to a phone, or not at all (no factor bound). */
export type SecondFactorMethod = 'otp' | 'push' | 'none';

/**
 * Saved recovery codes the IdP itself issued (Keycloak's recovery-authn-codes), offered as another way to
 * finish the second factor ("Try another way"), or as the only one when no other factor is bound.
 */
export interface OidcRecoveryCodes {
  /** Whether the account holds unused codes. */
  has(accountId: string): boolean | Promise<boolean>;
  /** Spends `code` when it is one of the account's unused codes; false otherwise (a code works once). */
  redeem(accountId: string, code: string): boolean | Promise<boolean>;
}

/** The emulator's user directory, as the OIDC server consults it. */
export interface OidcAccounts {
  /** The account's claims, or undefined when the id is unknown. */
  findAccount(accountId: string): OidcAccountProfile | undefined | Promise<OidcAccountProfile | undefined>;
  /** Checks a login and password; the account id, or null when wrong (also for unknown logins). */
  authenticate(login: string, password: string): string | null | Promise<string | null>;
  /** How step-up is done for this user. */
  secondFactor(accountId: string): SecondFactorMethod | Promise<SecondFactorMethod>;
  /** The code the user's authenticator shows right now (tests read it from the emulator's state). */
  currentOtp?(accountId: string): string | undefined | Promise<string | undefined>;
  /** The IdP's own saved recovery codes, when it has them. @default none offered */
  readonly recoveryCodes?: OidcRecoveryCodes;
  /** False for a disabled / suspended / locked account: sign-in and refresh then fail. @default always true */
  isAccountActive?(accountId: string): boolean | Promise<boolean>;
  /**
   * True when the account must choose a new password before any session or token is issued (Keycloak's
   * UPDATE_PASSWORD required action after a temporary password; an expired password). The sign-in then
   * shows a new-password form after the other steps. @default never
   */
  mustChangePassword?(accountId: string): boolean | Promise<boolean>;
  /**
   * Sets the password chosen on that form: null when accepted (the requirement is then cleared), else the
   * message to show (a policy violation; never the password). Needed with `mustChangePassword`.
   * `clientId` is the client the sign-in is for (for the IdP's event log).
   */
  changePassword?(
    accountId: string,
    newPassword: string,
    clientId: string,
  ): string | null | Promise<string | null>;
  /**
   * True when the account must set up a new one-time-code authenticator before any session or token is
   * issued (Keycloak's CONFIGURE_TOTP required action, e.g. after an MFA reset). The sign-in then shows the
   * set-up step (a fresh key, then the code the app shows for it: `otpCodeForKey`) after the other steps
   * and before the new-password form, in Keycloak's default required-action order. @default never
   */
  mustConfigureOtp?(accountId: string): boolean | Promise<boolean>;
  /**
   * Binds the authenticator set up with `key` once the user typed its code (the requirement is then
   * cleared). `label` is the device name typed (may be empty); `clientId` is the client the sign-in is for.
   * Needed with `mustConfigureOtp`.
   */
  bindOtp?(accountId: string, key: string, label: string, clientId: string): void | Promise<void>;
  /** Called when a push challenge starts (e.g. to record a factor transaction in the emulator). */
  onPushChallenge?(challenge: PushChallenge): void;
  /** Called on sign-in outcomes (Keycloak LOGIN / LOGIN_ERROR events, Okta System Log, lockout counters). */
  onSignInEvent?(event: SignInEvent): void;
}

/** How a sign-in was completed: password only, or password and a second factor of this kind. */
export type SignInMethod = 'pwd' | 'otp' | 'push' | 'recovery_code';

/** A push ("approve on your phone") challenge raised by the sign-in UI. */
export interface PushChallenge {
  readonly id: string;
  readonly accountId: string;
  /** Two-digit number shown on the sign-in page and expected in the app (number matching). */
  readonly numberChallenge: string;
  readonly status: 'waiting' | 'approved' | 'rejected';
  /** Creation time, epoch ms (real time). */
  readonly createdAt: number;
}

/** A sign-in event from the UI, for the emulator's audit log, events or lockout counters (no secrets). */
export type SignInEvent =
  | {
      readonly type: 'login_failure';
      readonly login: string;
      readonly accountId: string | undefined;
      readonly clientId: string;
    }
  | {
      readonly type: 'second_factor_failure';
      readonly accountId: string;
      readonly method: 'otp' | 'push' | 'recovery_code';
      readonly clientId: string;
    }
  | {
      readonly type: 'login_success';
      readonly accountId: string;
      readonly acr: string;
      readonly amr: readonly string[];
      readonly clientId: string;
    };

/** Which acr values exist and which ones demand the second factor. */
export interface AcrPolicy {
  /** acr after password only (Okta `urn:okta:loa:1fa:pwd`, Keycloak `1`). */
  readonly passwordOnly: string;
  /** acr after password and a second factor when the request named none of `stepUp` (Okta `urn:okta:loa:2fa:any`). */
  readonly multiFactor: string;
  /**
   * Requested acr values (from `acr_values` or the `claims` parameter) that demand a second factor; when
   * one was requested and satisfied, it is the acr put in the token.
   */
  readonly stepUp: readonly string[];
  /** Extra acr values advertised in discovery. */
  readonly supported?: readonly string[];
}

/** Input to {@link OidcServerOptions.requiresStepUp}. */
export interface StepUpRequest {
  /** Requested acr values (acr_values, then claims.id_token.acr value/values). */
  readonly acrValues: readonly string[];
  /** The parsed `claims` request parameter, if any. */
  readonly claims: Readonly<Record<string, unknown>> | undefined;
}

/** Input to {@link OidcServerOptions.extraClaims}. */
export interface ExtraClaimsInput {
  readonly accountId: string;
  /** `id_token` or `userinfo`. */
  readonly use: string;
  readonly acr: string | undefined;
  readonly amr: readonly string[] | undefined;
  readonly claimsRequest: Readonly<Record<string, unknown>>;
}

/** A client (relying party) registration, in OIDC Dynamic Client Registration field names. */
export interface OidcClientInput {
  readonly client_id: string;
  /** Present for confidential clients (client_secret_basic / client_secret_post); absent = public + PKCE. */
  readonly client_secret?: string;
  readonly redirect_uris?: readonly string[];
  readonly post_logout_redirect_uris?: readonly string[];
  /** @default ['authorization_code', 'refresh_token'] (`['client_credentials']` for a service client) */
  readonly grant_types?: readonly string[];
  /** @default ['code'] when authorization_code is allowed, else [] */
  readonly response_types?: readonly string[];
  /** @default 'client_secret_basic' with a secret, 'none' without */
  readonly token_endpoint_auth_method?: string;
  readonly client_name?: string;
  /** Space-separated scopes the client may request (client_credentials needs them listed). */
  readonly scope?: string;
  readonly [field: string]: unknown;
}

/** Route overrides relative to the mount path (oidc-provider's `routes`). */
export interface OidcRoutes {
  readonly authorization?: string;
  readonly token?: string;
  readonly jwks?: string;
  readonly userinfo?: string;
  readonly end_session?: string;
  readonly revocation?: string;
  readonly introspection?: string;
}

/** Artifact lifetimes in seconds (real time). */
export interface OidcTtl {
  /** @default 3600 */
  readonly accessToken?: number;
  /** @default 3600 */
  readonly idToken?: number;
  /** @default 2592000 (30 days) */
  readonly refreshToken?: number;
  /** @default 60 */
  readonly authorizationCode?: number;
  /** @default 86400 */
  readonly session?: number;
  /** @default 3600 */
  readonly interaction?: number;
}

/** Input to {@link OidcAccessTokenOptions.extraClaims}. */
export interface AccessTokenClaimsInput {
  /** Undefined for client_credentials tokens. */
  readonly accountId: string | undefined;
  readonly clientId: string;
  readonly scope: string;
}

/** Access token format and contents. */
export interface OidcAccessTokenOptions {
  /**
   * `opaque` (stored, revocable, usable at userinfo) or `jwt` (RS256, signed with the server's key; not
   * revocable before `exp`, like the real IdPs' JWT access tokens; not accepted at userinfo). @default 'opaque'
   */
  readonly format?: 'opaque' | 'jwt';
  /** `aud` of JWT access tokens (a URI, e.g. `api://default`). @default the issuer */
  readonly audience?: string;
  /** Extra claims for access tokens (JWT payload; introspection answer for opaque ones). */
  readonly extraClaims?: (
    input: AccessTokenClaimsInput,
  ) => Readonly<Record<string, unknown>> | undefined | Promise<Readonly<Record<string, unknown>> | undefined>;
}

/** Options of `createOidcServer`. */
export interface OidcServerOptions {
  /** Full issuer URL, e.g. `${url}/oauth2/default`, `${url}/realms/demo`, `${url}/<tenant>/v2.0`. */
  readonly issuer: string;
  /** Path prefix the server answers under; must be a prefix of the issuer path. @default issuer path */
  readonly mountPath?: string;
  /** Endpoint paths relative to `mountPath` (see `OIDC_ROUTE_PRESETS`). */
  readonly routes?: OidcRoutes;
  /** The emulator's directory. */
  readonly accounts: OidcAccounts;
  /** Clients registered at start (more with `registerClient`). */
  readonly clients?: readonly OidcClientInput[];
  /** acr values and which demand step-up. @default generic `pwd` / `mfa` values */
  readonly acr?: AcrPolicy;
  /** Overrides the step-up decision (e.g. Entra authentication context `acrs` in the claims request). */
  readonly requiresStepUp?: (request: StepUpRequest) => boolean;
  /**
   * amr values per method. @default pwd: ['pwd'], otp: ['pwd','otp','mfa'], push: ['pwd','swk','mfa'],
   * recovery_code: ['pwd','recovery-code'] (RFC 8176 has no value for a saved code). A function is asked at
   * every sign-in, for IdPs whose amr follows configuration that can change (Keycloak's reference values).
   */
  readonly amr?:
    | Readonly<Partial<Record<SignInMethod, readonly string[]>>>
    | ((method: SignInMethod) => readonly string[]);
  /**
   * Whether a client's ID tokens carry `amr`, asked at every ID token (Keycloak: only a client with the AMR
   * protocol mapper, on the client or one of its default client scopes). @default every client
   */
  readonly amrInIdToken?: (clientId: string) => boolean;
  /** Scope -> claim names; merged over the defaults (openid: sub, groups; profile; email). */
  readonly claims?: Readonly<Record<string, readonly string[]>>;
  /** IdP-specific extra claims (their names must appear under a scope in `claims`). */
  readonly extraClaims?: (
    input: ExtraClaimsInput,
  ) => Readonly<Record<string, unknown>> | Promise<Readonly<Record<string, unknown>>>;
  /** Extra scopes to accept besides openid, offline_access, profile, email, groups. */
  readonly scopes?: readonly string[];
  /** RS256 private JWK (with `kid`) that signs tokens. @default one key generated per process */
  readonly signingKey?: JWK;
  /** Keys that sign cookies; random when omitted. */
  readonly cookieKeys?: readonly string[];
  /** Sign-in page look. @default { name: 'Identity Provider' } */
  readonly branding?: SignInBranding;
  /** Whether a refresh token is issued at the code exchange. @default client allows the refresh_token grant */
  readonly issueRefreshToken?: (clientId: string, scopes: ReadonlySet<string>) => boolean;
  /** Rotate refresh tokens on use. @default false (so refreshTokenWorks can check without consuming) */
  readonly rotateRefreshTokens?: boolean;
  /** Lifetimes, real time. */
  readonly ttl?: OidcTtl;
  /**
   * Clock for kit-side stamps (push challenges, session listings). oidc-provider itself reads `Date.now()`,
   * so token lifetimes, `auth_time` and `max_age` follow real time. @default Date.now
   */
  readonly now?: () => number;
  /** Access token format and extra claims. */
  readonly accessTokens?: OidcAccessTokenOptions;
  /** Maximum wrong one-time codes before the sign-in is refused. @default 5 */
  readonly maxOtpAttempts?: number;
}
