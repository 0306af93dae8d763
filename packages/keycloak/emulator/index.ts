/**
 * A stateful emulator of the Keycloak 26 admin REST API and the realm's OIDC endpoints, for tests and the demo.
 * Written from the Keycloak documentation and the official OpenAPI description; imports nothing of the adapter.
 * @module
 */

import type { InjectedFault } from '@recovery-gate/core/testing';
import { createClock, type OidcClientInput, type OidcServer } from '@recovery-gate/emulator-kit';
import { seedDemo, seedSynthetic } from './cast.js';
import type { Emu } from './context.js';
import { seedAdminEvents } from './events-seed.js';
import { seedGuardrails } from './guardrails-seed.js';
import type { Exchange } from './http.js';
import { oidcRoutes } from './oidc.js';
import { createRealmOidc } from './oidc-kit.js';
import { authzRoutes } from './routes-authz.js';
import { credentialRoutes } from './routes-credentials.js';
import { realmRoutes } from './routes-realm.js';
import { userRoutes } from './routes-users.js';
import { createRealm } from './seed.js';
import { createPipeline } from './serve.js';
import type { OutboxMessage, Realm } from './state.js';

export type { ConsoleAgent } from './agent.js';
export { consoleAgent } from './agent.js';
export { currentOtp } from './oidc-kit.js';
export { enrolRecoveryCodeSet, enrolRecoveryCodes, RECOVERY_CODES_TYPE } from './recovery-codes.js';
export {
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  DEMO_PASSWORD,
  GATE_CLIENT_ID,
  GATE_CLIENT_SECRET,
} from './seed.js';
export type { EmuAdminEvent, OutboxMessage, Realm } from './state.js';

/** Options for {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port to listen on; 0 (ephemeral) by default. */
  readonly port?: number;
  /** The clock, epoch ms; defaults to the real clock (plus `advanceClock` offsets). */
  readonly now?: () => number;
  /**
   * `demo` (the cast, default), `empty`, or for benchmarks the cast plus N synthetic users and, with
   * `adminEvents`, that many admin events over the last day (see `seedAdminEvents`).
   */
  readonly seed?: 'demo' | 'empty' | { readonly syntheticUsers: number; readonly adminEvents?: number };
  /** Seed the realm with the guardrails already applied. */
  readonly guardrailsApplied?: boolean;
  /** Latency added to every response, ms. */
  readonly latencyMs?: number;
  /** The realm name; `workforce` by default. */
  readonly realm?: string;
  /** Access token lifespan in seconds (short, so re-authentication is exercised); 60 by default. */
  readonly accessTokenLifespan?: number;
  /**
   * The server version `/admin/serverinfo` reports, which decides the FGAP v2 scopes that exist
   * (`reset-password` 26.4+, `manage-membership-of-members` 26.6.2+). @default '26.5.2'
   */
  readonly version?: string;
  /** Extra OIDC clients for code flows (e.g. the gate's verification page). */
  readonly oidcClients?: readonly OidcClientInput[];
}

/** Test and demo access to the emulator's state. */
export interface EmulatorControl {
  readonly realm: Realm;
  now(): number;
  /** Moves the emulator clock forward. */
  advanceClock(ms: number): void;
  injectFault(fault: InjectedFault): void;
  /** Admin API requests served so far (token requests excluded). */
  requestCount(): number;
  /** Token endpoint requests served so far. */
  tokenRequests(): number;
  /** Emails the realm sent (action links). */
  outbox(): readonly OutboxMessage[];
  /** Every admin API exchange, for conformance checks. */
  exchanges(): readonly Exchange[];
  /** A user id by username; throws when none. */
  userId(username: string): string;
}

/** A running emulator. */
export interface Emulator {
  readonly url: string;
  readonly realmName: string;
  readonly control: EmulatorControl;
  readonly oidc: {
    readonly issuer: string;
    readonly tokenEndpoint: string;
    readonly authorizationEndpoint: string;
    readonly server: OidcServer;
  };
  close(): Promise<void>;
}

/** Starts a seeded emulator on 127.0.0.1. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  // A live clock: it follows `options.now` (or the real time) plus what `advanceClock` added.
  const clock = createClock(options.now ?? Date.now);
  const now = (): number => clock.now();
  const realm = createRealm(options.realm ?? 'workforce', now());
  realm.settings.accessTokenLifespan = options.accessTokenLifespan ?? 60;
  if (options.version !== undefined) realm.settings.serverVersion = options.version;
  if (options.seed !== 'empty') seedDemo(realm, now());
  if (typeof options.seed === 'object') seedSynthetic(realm, options.seed.syntheticUsers, now());
  if (options.guardrailsApplied === true) seedGuardrails(realm);
  if (typeof options.seed === 'object') seedAdminEvents(realm, options.seed.adminEvents ?? 0, now());
  const emu: Emu = { realm, now, baseUrl: '' };
  const pipeline = createPipeline(emu, options.latencyMs);
  const { router } = pipeline;
  userRoutes(router, emu);
  credentialRoutes(router, emu);
  realmRoutes(router, emu);
  authzRoutes(router, emu);
  oidcRoutes(router, emu);
  const server = await pipeline.listen(options.port);
  const url = server.url;
  emu.baseUrl = url;
  const oidcServer = await createRealmOidc(emu, options.oidcClients ?? []);
  pipeline.mountOidc(oidcServer);
  emu.revokeOidc = async (userId, clientId) => {
    await oidcServer.revokeAccountTokens(
      userId,
      clientId === undefined ? { sessions: true, tokens: true } : { clientId, tokens: true },
    );
  };
  const issuer = `${url}/realms/${realm.settings.realm}`;
  const control: EmulatorControl = {
    realm,
    now,
    advanceClock: (ms) => clock.advance(ms),
    injectFault: (f) => pipeline.faults.inject(f),
    requestCount: () => pipeline.faults.requestCount(),
    tokenRequests: () => pipeline.tokenRequests(),
    outbox: () => [...realm.outbox],
    exchanges: () => [...pipeline.exchanges],
    userId: (username) => {
      const user = [...realm.users.values()].find((u) => u.username === username);
      if (user === undefined) throw new Error(`no user ${username}`);
      return user.id;
    },
  };
  return {
    url,
    realmName: realm.settings.realm,
    control,
    oidc: {
      issuer,
      tokenEndpoint: `${issuer}/protocol/openid-connect/token`,
      authorizationEndpoint: oidcServer.endpoints.authorization,
      server: oidcServer,
    },
    close: () => server.close(),
  };
}
