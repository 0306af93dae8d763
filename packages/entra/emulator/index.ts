/**
 * A stateful Microsoft Graph v1.0 + Microsoft identity platform emulator for tests and the demo:
 * users, methods, TAPs, groups and delta, subscriptions, audits, units, roles, sessions and tokens.
 * @module
 */

import type { InjectedFault } from '@recovery-gate/core/testing';
import { createClock, type OidcServer, startHttpServer } from '@recovery-gate/emulator-kit';
import { createControl, type Delivery, deliverer } from './control.js';
import type { EmuEnv } from './http.js';
import { PAGES_CLIENT_ID, startTenantOidc } from './oidc.js';
import { settleRevocations } from './routes-users.js';
import { buildTenant, EMULATOR_TENANT_ID, GATE_APP } from './seed.js';
import { seedSyntheticAudits } from './seed-audits.js';
import { seedGuardrails } from './seed-guardrails.js';
import { createHandler, graphFaults, type LoggedRequest, type ServerState } from './server.js';
import type { EmuUser, TenantState } from './state.js';

export { DEMO_PASSWORD, EMULATOR_TENANT_ID, GATE_APP, PORTAL_APP } from './seed.js';
export type { LoggedRequest } from './server.js';
export type { EmuUser, TenantState } from './state.js';
export { ROLE_IDS } from './state.js';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1. @default 0 */
  readonly port?: number;
  /** Start time of the emulator's clock (epoch ms); it then moves only by `control.advanceClock`. */
  readonly now?: () => number;
  /** `demo` (the cast), `empty`, or a function that seeds the tenant. @default 'demo' */
  readonly seed?: 'demo' | 'empty' | ((tenant: TenantState, nowMs: number) => void);
  /** Extra synthetic staff users (benchmarks). @default 0 */
  readonly syntheticUsers?: number;
  /** directoryAudits records to pre-fill over the last day (benchmarks; see `seedSyntheticAudits`). @default 0 */
  readonly syntheticAudits?: number;
  /** Seed the request groups as `apply` would have created them. @default false */
  readonly guardrailsApplied?: boolean;
  /**
   * How long after a change its directoryAudits record becomes readable, in ms (Entra documents 2 min at p95,
   * 5 min at p99; `control.setAuditLatency` changes it later). @default 0
   */
  readonly auditLatencyMs?: number;
  /**
   * Delay before `revokeSignInSessions` takes effect, in emulator milliseconds (Graph: "There might be a small
   * delay of a few minutes before tokens are revoked"). Tests wait for it on the emulator clock
   * (`probes.awaitRevocation`); 0 revokes at once, which real Entra never promises.
   * @see https://learn.microsoft.com/graph/api/user-revokesigninsessions?view=graph-rest-1.0
   * @default DEFAULT_REVOCATION_DELAY_MS (3 minutes)
   */
  readonly revocationDelayMs?: number;
  /** Latency added to every Graph response, in ms. @default 0 */
  readonly latencyMs?: number;
  /** Maps public https origins of notification URLs to loopback origins, e.g. `{ 'https://gate.test': 'http://127.0.0.1:4000' }`. */
  readonly hookTargets?: Readonly<Record<string, string>>;
  /** Page size of collections when `$top` is absent. @default 100 */
  readonly pageSize?: number;
  /** The public authority host the token endpoint names. @default 'https://login.emulator.test' */
  readonly authorityHost?: string;
  /** Redirect URIs of the verification pages' OIDC client. @default ['http://127.0.0.1/callback'] */
  readonly oidcRedirectUris?: readonly string[];
}

/**
 * How long `revokeSignInSessions` takes to apply by default: "a few minutes" per Microsoft Graph, so the
 * emulator never revokes sooner than a tenant may.
 */
export const DEFAULT_REVOCATION_DELAY_MS = 3 * 60_000;

/** Test access to the emulator's state. */
export interface EmulatorControl {
  readonly tenant: TenantState;
  now(): number;
  advanceClock(ms: number): void;
  /** Applies the delayed revocations that are due (the emulator also does so before every request). */
  settleRevocations(): Promise<void>;
  /** Delays the audit records of later changes by `ms`, as Entra's ingestion does. */
  setAuditLatency(ms: number): void;
  injectFault(fault: InjectedFault): void;
  requestCount(): number;
  readonly requests: readonly LoggedRequest[];
  /** Waits for change notifications in flight. */
  flush(): Promise<void>;
  /** Notification and validation deliveries so far: URL without query, HTTP status (0 when unreachable). */
  readonly deliveries: readonly {
    readonly url: string;
    readonly status: number;
    readonly validation: boolean;
  }[];
  /** The user with this id, UPN or login (`alice`). */
  user(login: string): EmuUser;
  /** Creates a sign-in session and refresh token for the user. */
  mintSession(login: string): { refreshToken: string; sessionId: string };
  sessionActive(sessionId: string): boolean;
  /** A delegated access token for an agent signed in to the admin portal (ROPC through the real token endpoint). */
  agentToken(login: string): Promise<string>;
}

/** A running emulator. */
export interface Emulator {
  /** Loopback origin, e.g. `http://127.0.0.1:53211`. */
  readonly url: string;
  readonly tenantId: string;
  /** The gate's seeded app registration (emulator only). */
  readonly gateApp: { readonly clientId: string; readonly clientSecret: string };
  /**
   * `issuer`: the tenant's OIDC sign-in for apps (`${url}/{tenant}/v2.0`, oidc-provider, step-up with
   * `claims.id_token.acrs`); `clientId`: the verification pages' public client; `authorityHost`: what the
   * adapter's credential is configured with (reached through the loopback seam); `server`: the kit server.
   */
  readonly oidc: {
    readonly issuer: string;
    readonly authorityHost: string;
    readonly clientId: string;
    readonly server: OidcServer;
  };
  readonly control: EmulatorControl;
  close(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  // The kit's clock: it follows the given time source (default the real time) plus what tests advance.
  const clock = createClock(options.now ?? Date.now);
  const now = clock.now;
  const tenant = buildTenant(options.seed ?? 'demo', now(), options.syntheticUsers ?? 0);
  tenant.auditLatencyMs = options.auditLatencyMs ?? 0;
  tenant.revocationDelayMs = options.revocationDelayMs ?? DEFAULT_REVOCATION_DELAY_MS;
  if (options.guardrailsApplied) seedGuardrails(tenant, now());
  if ((options.syntheticAudits ?? 0) > 0) seedSyntheticAudits(tenant, options.syntheticAudits ?? 0, now());
  const pending = new Set<Promise<unknown>>();
  const deliveries: Delivery[] = [];
  const env: EmuEnv = {
    tenant,
    now,
    pageSize: options.pageSize ?? 100,
    deliver: deliverer(options.hookTargets ?? {}, deliveries),
    background(work) {
      pending.add(work);
      void work.finally(() => pending.delete(work));
    },
    revokeOidc: async (userId, issuedBefore) => {
      await oidc?.revokeAccountTokens(userId, { issuedBefore, accessTokens: false });
    },
  };
  const authority = options.authorityHost ?? 'https://login.emulator.test';
  const state: ServerState = {
    faults: graphFaults(now, options.latencyMs ?? 0),
    authority,
    oidc: null,
  };
  let oidc: OidcServer | undefined;
  const server = await startHttpServer(createHandler(env, state), { port: options.port ?? 0 });
  const url = server.url;
  oidc = await startTenantOidc(env, url, options.oidcRedirectUris ?? ['http://127.0.0.1/callback']);
  state.oidc = oidc;
  const control = createControl({
    ...{ tenant, now, state, pending, deliveries, url, authority },
    advance: (ms) => clock.advance(ms),
    settle: () => settleRevocations(env),
  });
  return {
    url,
    tenantId: EMULATOR_TENANT_ID,
    gateApp: { clientId: GATE_APP.clientId, clientSecret: GATE_APP.clientSecret },
    oidc: { issuer: oidc.issuer, authorityHost: authority, clientId: PAGES_CLIENT_ID, server: oidc },
    control,
    close: () => server.close(),
  };
}
