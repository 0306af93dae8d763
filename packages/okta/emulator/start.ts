/**
 * Starts the emulated Okta org: HTTP server, routes, seeds, the `/oauth2/default` authorization server.
 * Written from Okta's documentation and OpenAPI description; it imports nothing from the adapter.
 * @module
 */

import {
  createClock,
  createFaultInjector,
  createWebhookDispatcher,
  type OidcServer,
  startHttpServer,
} from '@recovery-gate/emulator-kit';
import { type EmuContext, errorBody, OktaError } from './context.js';
import { createControl, type OktaEmulatorControl } from './control.js';
import { startOidc, TEST_CLIENT_ID } from './oidc.js';
import { buildHandler, RATE_LIMIT } from './routes.js';
import { seedDemo } from './seed.js';
import { seedGuardrails, seedSynthetic } from './seed-extra.js';
import { createState } from './state.js';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1. @default 0 (ephemeral) */
  readonly port?: number;
  /** Time source (epoch ms) of the emulator's clock (the kit's `createClock`); `control.advanceClock` adds to it. @default Date.now */
  readonly now?: () => number;
  /** `demo` seeds the shared cast; `empty` only the gate's service account. @default 'demo' */
  readonly seed?: 'demo' | 'empty';
  /** Pre-creates request groups, help-desk role, resource set and the status attribute. @default false */
  readonly guardrailsApplied?: boolean;
  /** Latency added to every API request, in ms (benchmarks). @default 0 */
  readonly latencyMs?: number;
  /** Extra synthetic users, groups and System Log events (benchmarks). */
  readonly synthetic?: { readonly users?: number; readonly groups?: number; readonly logEvents?: number };
  /** Seconds a push challenge waits before TIMEOUT. @default 300 */
  readonly pushTtlSeconds?: number;
  /**
   * Whether a Temporary Access Code signs in a user in RECOVERY. Okta documents only that a RECOVERY user
   * "is not able to sign in ... until they complete the reset flow"; nothing says a TAC overrides it, so
   * the emulator refuses by default and `allowed` models the other plausible behaviour.
   * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/#tag/UserLifecycle/operation/resetPassword
   * @default 'refused'
   */
  readonly recoveryTacSignIn?: 'refused' | 'allowed';
  /**
   * Which body of `POST /users/{id}/authenticator-enrollments/tac` Okta honours. The API description has
   * `{authenticatorId, profile: {ttl: "<minutes>", multiUse}}` (AuthenticatorProfileTacRequest); the TAC guide
   * sends `{authenticatorId, authenticatorType: "tac", config: {ttl: <minutes>, multiUse}}`. Under each, the
   * other shape's fields are ignored (the authenticator's default ttl, single use).
   * @see https://developer.okta.com/docs/guides/authenticators-tac-authenticator/main/
   * @default 'profile'
   */
  readonly tacRequestBody?: 'profile' | 'config';
  /**
   * The org's Temporary Access Code authenticator settings (`provider.configuration`), which Okta enforces on
   * every TAC it creates: a ttl outside `minTtl`-`maxTtl` or `multiUse` where `multiUseAllowed` is false is
   * refused (400 E0000001). Okta's own bounds are 10-14,400 minutes.
   * @see https://developer.okta.com/docs/guides/authenticators-tac-authenticator/main/
   * @default { minTtl: 10, maxTtl: 14400, defaultTtl: 120, multiUseAllowed: true }
   */
  readonly tacAuthenticator?: {
    readonly minTtl?: number;
    readonly maxTtl?: number;
    readonly defaultTtl?: number;
    readonly multiUseAllowed?: boolean;
  };
  /** Redirect URIs of the `test-app` client of `/oauth2/default`. @default `<url>/test-app/callback` */
  readonly redirectUris?: readonly string[];
  /** Sleep used for injected latency (tests may make it instant). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A running emulator. */
export interface Emulator {
  /** The org URL, e.g. `http://127.0.0.1:53211` (no trailing slash). */
  readonly url: string;
  /** The gate service account's SSWS API token (a SUPER_ADMIN). */
  readonly apiToken: string;
  readonly control: OktaEmulatorControl;
  /** The `default` custom authorization server (emulator-kit, on oidc-provider) and its test client. */
  readonly oidc: {
    readonly issuer: string;
    readonly tokenEndpoint: string;
    readonly clientId: string;
    readonly server: OidcServer;
  };
  close(): Promise<void>;
}

/** Starts an emulated Okta org on 127.0.0.1. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  // The kit's clock on a live source: real time runs on (the demo), tests jump ahead with advanceClock.
  const clock = createClock(options.now ?? Date.now);
  let base = '';
  const ctx: EmuContext = {
    state: createState(),
    now: clock.now,
    baseUrl: () => base,
    dispatcher: createWebhookDispatcher({ timeoutMs: 3000, retries: 1 }),
    pushTtlMs: (options.pushTtlSeconds ?? 300) * 1000,
    recoveryTacSignIn: options.recoveryTacSignIn ?? 'refused',
    tacRequestBody: options.tacRequestBody ?? 'profile',
    oidc: undefined,
  };
  // Checked before anything listens, so a refused setting leaves nothing running.
  if (options.tacAuthenticator) configureTac(ctx, options.tacAuthenticator);
  const faults = createFaultInjector({
    now: ctx.now,
    latencyMs: options.latencyMs ?? 0,
    ...(options.sleep ? { sleep: options.sleep } : {}),
    appliesTo: (_method, path) => path.startsWith('/api/') || path.startsWith('/oauth2/'),
    rateLimitResponse: (retryAfterSeconds) => ({
      status: 429,
      headers: {
        'x-rate-limit-limit': String(RATE_LIMIT),
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(Math.floor(ctx.now() / 1000) + retryAfterSeconds),
      },
      body: errorBody(
        new OktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.'),
      ),
    }),
    serverErrorResponse: (status) => ({
      status,
      body: errorBody(new OktaError(status, 'E0000009', 'Internal Server Error')),
    }),
  });
  const { handler, router } = buildHandler(ctx, faults);
  const server = await startHttpServer(handler, {
    ...(options.port ? { port: options.port } : {}),
  });
  base = server.url;
  const oidc = await startOidc(ctx, options.redirectUris ?? [`${server.url}/test-app/callback`]);
  ctx.oidc = oidc;
  router.mount(oidc.mountPath, oidc.handler);
  const apiToken = seedDemoOrEmpty(ctx, options.seed ?? 'demo');
  if (options.guardrailsApplied) seedGuardrails(ctx);
  if (options.synthetic) seedSynthetic(ctx, options.synthetic);
  const control = createControl(ctx, faults, clock.advance);
  return {
    url: server.url,
    apiToken,
    control,
    oidc: {
      issuer: oidc.issuer,
      tokenEndpoint: oidc.endpoints.token,
      clientId: TEST_CLIENT_ID,
      server: oidc,
    },
    async close() {
      await ctx.dispatcher.idle();
      await server.close();
    },
  };
}

function seedDemoOrEmpty(ctx: EmuContext, seed: 'demo' | 'empty'): string {
  const token = seedDemo(ctx);
  if (seed === 'empty') {
    // Keep only the service account and the Everyone group.
    const service = [...ctx.state.users.values()].find(
      (u) => u.profile.login === 'recovery-gate@example.com',
    );
    for (const id of [...ctx.state.users.keys()]) if (id !== service?.id) ctx.state.users.delete(id);
    for (const [id, g] of ctx.state.groups) if (g.name !== 'Everyone') ctx.state.groups.delete(id);
    for (const [id, f] of ctx.state.factors) if (f.userId !== service?.id) ctx.state.factors.delete(id);
    for (const [id, a] of ctx.state.roleAssignments)
      if (a.principalId !== service?.id) ctx.state.roleAssignments.delete(id);
    ctx.state.log.length = 0;
  }
  return token;
}

/** Applies the TAC authenticator settings Okta's schema allows (each 10-14,400 minutes, min <= default <= max). */
function configureTac(ctx: EmuContext, settings: NonNullable<EmulatorOptions['tacAuthenticator']>): void {
  const tac = ctx.state.tacAuthenticator;
  const next = { ...tac, ...settings };
  const minutes = [next.minTtl, next.maxTtl, next.defaultTtl];
  if (minutes.some((m) => !Number.isInteger(m) || m < 10 || m > 14_400))
    throw new TypeError('tacAuthenticator ttl settings must be whole minutes in 10-14400');
  if (!(next.minTtl <= next.defaultTtl && next.defaultTtl <= next.maxTtl))
    throw new TypeError('tacAuthenticator needs minTtl <= defaultTtl <= maxTtl');
  Object.assign(tac, next);
}
