/**
 * Emulated tenants for gate processes, the same shape on every IdP: the emulator with guardrails applied, the
 * adapter on it in the test process (to record proofs as the pages would), the provider section and
 * environment a `recovery-gate serve` process needs, and a fault proxy between the processes and the emulator
 * (the processes reach the IdP only through it), so a test can slow, fail or hang their IdP calls.
 * Entra's change notifications go to `notifyTo` (a load balancer in front of the replicas).
 * @module
 */

import type { IdpKind, RecoveryProvider } from '@recovery-gate/core';
import type { ContractProbes } from '@recovery-gate/core/testing';
import { type FaultProxy, startFaultProxy } from '@recovery-gate/emulator-kit';

/** One emulated tenant, ready for gate processes. */
export interface ProcessTenant {
  readonly idp: IdpKind;
  /** The adapter on the emulator, directly (not through the proxy). */
  readonly adapter: RecoveryProvider;
  readonly probes: ContractProbes;
  /** `providers.<idp>` of recovery-gate.yaml: the IdP through the proxy, secrets as `${ENV}` references. */
  readonly section: Record<string, unknown>;
  /** What the process environment must hold for `section`. */
  readonly env: Readonly<Record<string, string>>;
  /** Between the gate processes and the emulator. */
  readonly proxy: FaultProxy;
  /** The lock each stream's poller takes (`poll:<idp>:<stream>`), by stream. */
  readonly pollLocks: readonly string[];
  /** The paths of the event streams' reads (a poller's, and for Okta the fact reads of the System Log). */
  readonly pollPath: RegExp;
  /** Whether a request the proxy saw is a poller's read of an event stream. */
  isPollRead(request: { readonly method: string; readonly path: string; readonly search: string }): boolean;
  /** The IdP id of a cast member (`alice`) or a synthetic user (`load:<n>`). */
  id(name: string): string;
  /** A native password reset in the admin console (a bypass the gate reads from the IdP's log). */
  consoleReset(userId: string): Promise<void>;
  /** Unused, unexpired temporary credentials of the user in the emulator's state. */
  liveCredentials(userId: string): number;
  /** Notifications the IdP delivered that the gate acknowledged (Entra); undefined where the IdP sends none. */
  notificationsAcknowledged?(): number;
  /** The emulator's whole state (users, groups, roles...), for checks that compare tenants. */
  state(): unknown;
  /** The Okta emulator (hooks are built from its state); undefined on other IdPs. */
  readonly oktaEmulator?: import('@recovery-gate/okta/emulator').Emulator;
  /** Runs after the gate processes listen (Entra: subscribe to the request groups through them). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link startTenant}. */
export interface TenantOptions {
  /** Where the IdP's notifications go (Entra; a load balancer's origin). */
  readonly notifyTo?: string;
  /** Okta: the origin of the gate's event hook URL (`apply` creates and verifies it). @default an unreachable one */
  readonly hooksTo?: string;
  /** Synthetic users to seed for load (Entra, Keycloak). @default 0 */
  readonly syntheticUsers?: number;
  /** false: a tenant as before the first `apply` (no request groups, no guardrails). @default true */
  readonly guardrails?: boolean;
}

/** A `${NAME}` environment reference, as recovery-gate.yaml names a secret. */
const ref = (name: string) => `\${${name}}`;

async function okta(
  proxyFor: (url: string) => Promise<FaultProxy>,
  options: TenantOptions,
): Promise<ProcessTenant> {
  const kit = await import('@recovery-gate/okta/testing');
  const guardrails = options.guardrails !== false;
  const users = options.syntheticUsers ?? 0;
  const harness = kit.createContractHarness({
    guardrailsApplied: guardrails,
    // `load:<n>` is user<n>, counted from 1; the emulator counts from 0.
    ...(users > 0 ? { emulator: { synthetic: { users: users + 1 } } } : {}),
  });
  const env = (await harness.start()) as Awaited<ReturnType<typeof harness.start>> & {
    readonly emulator: import('@recovery-gate/okta/emulator').Emulator;
  };
  if (guardrails) await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
  const { control } = env.emulator;
  const proxy = await proxyFor(env.emulator.url);
  return {
    idp: 'okta',
    oktaEmulator: env.emulator,
    state: () => control.state,
    adapter: env.adapter,
    probes: env.probes,
    proxy,
    section: {
      orgUrl: proxy.url,
      auth: { token: ref('OKTA_TOKEN') },
      hook: { url: `${options.hooksTo ?? 'http://127.0.0.1:1'}/hooks/okta`, secret: ref('OKTA_HOOK_SECRET') },
    },
    env: { OKTA_TOKEN: env.emulator.apiToken, OKTA_HOOK_SECRET: kit.HARNESS_HOOK_SECRET },
    pollLocks: ['poll:okta:system_log'],
    pollPath: /^\/api\/v1\/logs$/,
    // Fact reads read the System Log newest first; the poller oldest first.
    isPollRead: (r) =>
      r.method === 'GET' && r.path === '/api/v1/logs' && r.search.includes('sortOrder=ASCENDING'),
    id: (name) =>
      control.userId(name.startsWith('load:') ? `user${name.slice(5)}@example.com` : `${name}@example.com`),
    // A super admin resets the user's factors in the Admin Console (the help desk may not once guardrails
    // apply): recorded in the System Log, which the poller reads.
    consoleReset: async (user) => {
      const found = control.state.users.get(user);
      control.appendEvent({
        eventType: 'user.mfa.factor.reset_all',
        actor: {
          id: control.userId('frank@example.com'),
          type: 'User',
          alternateId: 'frank@example.com',
          displayName: 'Frank',
        },
        targets: [
          {
            id: user,
            type: 'User',
            alternateId: String(found?.profile.login ?? user),
            displayName: 'subject',
          },
        ],
      });
    },
    liveCredentials: (user) =>
      [...control.state.enrollments.values()].filter(
        (e) =>
          e.userId === user &&
          e.key === 'tac' &&
          e.tac !== undefined &&
          !e.tac.used &&
          e.tac.expiresAt > control.now(),
      ).length,
    ready: async () => undefined,
    close: async () => {
      await proxy.close();
      await env.close();
    },
  };
}

/** Graph's fixed id of the password authentication method. */
const GRAPH_PASSWORD_METHOD = '28c10230-6103-485e-b985-444c60001490';

/** The notification URL the Entra harness subscribes with (its hook targets route it to `notifyTo`). */
const ENTRA_HOOK_URL = 'https://gate.example.test/hooks/entra';

async function entra(
  proxyFor: (url: string) => Promise<FaultProxy>,
  options: TenantOptions,
): Promise<ProcessTenant> {
  const kit = await import('@recovery-gate/entra/testing');
  const guardrails = options.guardrails !== false;
  const env = await kit.startTestEnvironment({
    guardrailsApplied: guardrails,
    // `load:<n>` is user<n>, counted from 1; the emulator counts from 0.
    syntheticUsers: (options.syntheticUsers ?? 0) + 1,
    ...(options.notifyTo === undefined
      ? {}
      : { hookTargets: { 'https://gate.example.test': options.notifyTo } }),
  });
  const { emulator, config } = env;
  const { control } = emulator;
  const proxy = await proxyFor(emulator.url);
  const clientState = config.notification?.clientState ?? '';
  return {
    idp: 'entra',
    state: () => control.tenant,
    notificationsAcknowledged: () =>
      control.deliveries.filter((d) => !d.validation && d.status >= 200 && d.status < 300).length,
    adapter: env.adapter,
    probes: env.probes,
    proxy,
    section: {
      tenantId: emulator.tenantId,
      auth: { clientId: emulator.gateApp.clientId, clientSecret: ref('ENTRA_CLIENT_SECRET') },
      authorityHost: emulator.oidc.authorityHost,
      privilegedUnit: { displayName: 'Recovery Gate - privileged users', memberGroups: ['Tier0-Admins'] },
      helpDeskGroup: 'HelpDesk',
      notification: { url: ENTRA_HOOK_URL, clientState: ref('ENTRA_CLIENT_STATE') },
    },
    env: {
      ENTRA_CLIENT_SECRET: emulator.gateApp.clientSecret,
      ENTRA_CLIENT_STATE: clientState,
      RECOVERY_GATE_ENTRA_LOOPBACK: proxy.url,
    },
    pollLocks: ['poll:entra:directory_audits', 'poll:entra:group_delta'],
    pollPath: /\/(auditLogs\/directoryAudits|groups\/delta)$/,
    // Fact reads filter the audit log by target user; the poller reads it all from its cursor.
    isPollRead: (r) =>
      r.method === 'GET' &&
      (r.path.endsWith('/groups/delta') ||
        (r.path.endsWith('/auditLogs/directoryAudits') && !r.search.includes('targetResources'))),
    id: (name) =>
      name.startsWith('load:') ? control.user(`user${name.slice(5)}`).id : control.user(name).id,
    // A Global Administrator (carol) resets in the admin center: the help desk cannot reset admins (gina).
    consoleReset: async (user) => {
      const response = await fetch(
        `${emulator.url}/v1.0/users/${user}/authentication/methods/${GRAPH_PASSWORD_METHOD}/resetPassword`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${await control.agentToken('carol')}`,
            'content-type': 'application/json',
          },
          body: '{}',
        },
      );
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`admin-center password reset refused: ${response.status}`);
    },
    liveCredentials: (user) =>
      [...control.tenant.methods.values()].filter(
        (m) =>
          m.userId === user &&
          m.tap !== undefined &&
          !m.tap.used &&
          m.tap.startMs + m.tap.lifetimeInMinutes * 60_000 > control.now(),
      ).length,
    // The subscriptions are created by `apply`; Graph validates each through the notification URL.
    ready: async () => {
      if (guardrails) await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    },
    close: async () => {
      await proxy.close();
      await env.close();
    },
  };
}

async function keycloak(
  proxyFor: (url: string) => Promise<FaultProxy>,
  options: TenantOptions,
): Promise<ProcessTenant> {
  const kit = await import('@recovery-gate/keycloak/emulator');
  const { startTestEnvironment } = await import('@recovery-gate/keycloak/testing');
  const guardrails = options.guardrails !== false;
  const pair = await startTestEnvironment({
    guardrailsApplied: guardrails,
    ...((options.syntheticUsers ?? 0) > 0
      ? { emulator: { seed: { syntheticUsers: options.syntheticUsers ?? 0 } } }
      : {}),
  });
  if (guardrails) await pair.adapter.applyGuardrails(await pair.adapter.planGuardrails());
  const { control } = pair.emu;
  const proxy = await proxyFor(pair.emu.url);
  return {
    idp: 'keycloak',
    state: () => control.realm,
    adapter: pair.adapter,
    probes: pair.probes,
    proxy,
    section: {
      baseUrl: proxy.url,
      realm: pair.emu.realmName,
      auth: { clientId: kit.GATE_CLIENT_ID, clientSecret: ref('KEYCLOAK_CLIENT_SECRET') },
    },
    env: { KEYCLOAK_CLIENT_SECRET: kit.GATE_CLIENT_SECRET },
    pollLocks: ['poll:keycloak:admin_events'],
    pollPath: /\/admin-events$/,
    // Fact reads filter admin events by user; the poller reads them all in ascending order.
    isPollRead: (r) =>
      r.method === 'GET' && r.path.endsWith('/admin-events') && r.search.includes('direction=asc'),
    id: (name) => control.userId(name.startsWith('load:') ? `user${name.slice(5).padStart(5, '0')}` : name),
    // The help desk may no longer reset once guardrails apply: a realm admin (carol) bypasses natively.
    consoleReset: async (user) => {
      const status = await kit.consoleAgent(pair.emu, 'carol').resetPassword(user);
      if (status >= 300) throw new Error(`console reset-password refused: ${status}`);
    },
    // A temporary password is the password with UPDATE_PASSWORD required: one at most, by construction.
    liveCredentials: (user) => {
      const found = control.realm.users.get(user);
      return found?.requiredActions.includes('UPDATE_PASSWORD') &&
        found.credentials.some((c) => c.type === 'password')
        ? 1
        : 0;
    },
    ready: async () => undefined,
    close: async () => {
      await proxy.close();
      await pair.close();
    },
  };
}

/** Starts the emulated tenant of `idp` with a fault proxy in front of it. */
export async function startTenant(idp: IdpKind, options: TenantOptions = {}): Promise<ProcessTenant> {
  const proxyFor = (url: string) => startFaultProxy(url);
  if (idp === 'okta') return okta(proxyFor, options);
  if (idp === 'entra') return entra(proxyFor, options);
  return keycloak(proxyFor, options);
}
