/**
 * What an adapter package gives the contract suite: its adapter wired to a fresh, seeded emulator
 * (or to a real tenant), plus probes that read the IdP's state as the oracle.
 * @module
 */

import type { HookRequest, RecoveryProvider } from '../port.js';

/** A fault the emulator injects into its next responses. */
export type InjectedFault =
  | { readonly kind: 'rate_limit'; readonly count: number; readonly retryAfterSeconds: number }
  | { readonly kind: 'server_error'; readonly count: number; readonly status?: 500 | 502 | 503 }
  | { readonly kind: 'latency'; readonly ms: number };

/** Users the seeded tenant must contain for the contract suite. */
export interface ContractFixtures {
  /** An active ordinary user with a bound authenticator, a verified phone and email on file, a manager. */
  readonly standardUser: string;
  /** The standard user's manager. */
  readonly manager: string;
  /** A user that holds an admin role. */
  readonly privilegedUser: string;
  /** A contractor whose contract has ended (contractEnd in the past). */
  readonly expiredContractor: string;
  /** An id that is certainly not a user of the tenant. */
  readonly unknownUser: string;
  /** A help-desk agent (login) that `nativeReset` / `nativeRequest` act as; events must name them as actor. */
  readonly agent?: string;
}

/** Test-only views of the IdP's state: the oracle the contract suite trusts. */
export interface ContractProbes {
  /** Signs the user in (as an app would) and returns the refresh token and session handle it got. */
  mintSession(userId: string): Promise<{ readonly refreshToken: string; readonly sessionId: string }>;
  /** Asks the IdP's token endpoint whether this refresh token still works. */
  refreshTokenWorks(refreshToken: string): Promise<boolean>;
  /** Whether the IdP still holds the session. */
  sessionActive(sessionId: string): Promise<boolean>;
  /**
   * Tries to sign in with a temporary credential (the TAC / TAP / action-link secret). For IdPs that
   * deliver the credential themselves, `secret` is null and the probe reads what the IdP delivered.
   */
  signInWithTemporaryCredential(userId: string, secret: string | null): Promise<boolean>;
  /**
   * Lets the IdP's documented revocation delay pass (on the emulator clock) before the oracle is read: Entra
   * applies revokeSignInSessions "within a few minutes". Absent where revocation is immediate. Call it before
   * every check of a token or session after the gate acted, so a test neither relies on instant revocation nor
   * passes a token check only because the revocation has not landed yet.
   */
  awaitRevocation?(): Promise<void>;
  /** Moves the emulator's clock forward. Real tenants cannot: the suite skips tests that need it. */
  advanceClock?(ms: number): void;
  /** Delays the IdP's audit records of later changes by `ms` (an IdP whose audit log lags, as Entra's does). */
  auditLatency?(ms: number): void;
  /** Answers a pending device challenge as the subject would on the phone. */
  /** Answers on the device; approving a number-matching push needs the number picked (the one the gate shows). */
  answerDeviceChallenge?(userId: string, answer: 'approve' | 'reject', picked?: number | null): Promise<void>;
  /** Makes the emulator's next responses fail or slow down. */
  injectFault?(fault: InjectedFault): void;
  /** How many API requests the emulator has served so far (to count retries). */
  requestCount?(): number;
  /** Performs a native-console recovery action (as an agent clicking in the IdP's admin UI). */
  nativeReset?(userId: string, what: 'password' | 'authenticators'): Promise<void>;
  /** Adds the user to the request group for `mfa_reset`, as an agent in the native console would. */
  nativeRequest?(userId: string): Promise<void>;
  /** Builds a hook delivery that the adapter must accept (right secret), or null when the IdP has no hooks. */
  validHook?(): HookRequest;
  /** Builds a hook delivery signed with a wrong secret. */
  forgedHook?(): HookRequest;
  /** The case-status text an agent sees on the user's profile in the native console; null when none. */
  caseStatus?(userId: string): Promise<string | null>;
  /** Durations (ms) the adapter asked its injected sleep for, oldest first (to check retry back-off). */
  recordedSleeps?(): readonly number[];
  /** Locks the account as repeated failed sign-ins would. */
  lockOut?(userId: string): Promise<void>;
  /**
   * Binds a new second factor as its holder would after signing in with a temporary credential (an Okta
   * Verify push, an Authenticator app, a TOTP app); returns its id as the adapter's facts report it.
   */
  enrollAuthenticator?(userId: string): Promise<string>;
  /**
   * Signs in at the IdP's sign-in page with `password` and a step-up through the second factor bound to
   * the user, answered by whoever holds it; the `amr` the sign-in got, or null when the IdP refused it.
   */
  signInWithPassword?(userId: string, password: string): Promise<readonly string[] | null>;
  /**
   * Writes the attribute the adapter reads the contract end from, as an HR sync would (Okta profile
   * `contractEnd`, Entra `employeeLeaveDateTime`, Keycloak attribute `contractEnd`).
   */
  setContractEnd?(userId: string, value: string): Promise<void>;
  /** An administrator adds the user to a group by name (e.g. `Tier0-Admins`), as in the native console. */
  joinGroup?(userId: string, group: string): Promise<void>;
}

/** A started environment for one contract test. */
export interface ContractEnvironment {
  readonly adapter: RecoveryProvider;
  readonly fixtures: ContractFixtures;
  readonly probes: ContractProbes;
  close(): Promise<void>;
}

/** What an adapter package passes to `runProviderContract`. */
export interface ContractHarness {
  /** A name for the describe block, e.g. `okta (emulator)`. */
  readonly name: string;
  /** Starts a fresh, seeded tenant and an adapter on it. */
  start(): Promise<ContractEnvironment>;
  /** True against a real tenant: destructive probes are skipped, with the reason printed. */
  readonly realTenant: boolean;
  /** True when device challenges must carry a number to match (Okta Verify number matching). */
  readonly numberMatching?: boolean;
}
