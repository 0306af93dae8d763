/**
 * The pairing of the emulator and the adapter (test wiring, not part of either): an emulator, a loopback
 * hook receiver that hands requests to the adapter, and the adapter on them, plus probes into the
 * emulator's state. With OKTA_ORG_URL and OKTA_API_TOKEN set, the contract harness targets that real org
 * instead (realTenant: true; destructive probes are then unavailable). The emulator knows nothing of this.
 * @module
 */

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type HookRequest,
  isGateError,
  type NormalizedEvent,
  type RecoveryProvider,
} from '@recovery-gate/core';
import type {
  ContractEnvironment,
  ContractFixtures,
  ContractHarness,
  ContractProbes,
} from '@recovery-gate/core/testing';
import { signInBrowserless } from '@recovery-gate/emulator-kit';
import { addFactor, type Emulator, type EmulatorOptions, startEmulator } from '../emulator/index.js';
import { createProvider, type ProviderOptions } from '../src/index.js';

/** The secret the harness configures for the event hook (test-only). */
export const HARNESS_HOOK_SECRET = 'harness-hook-secret-0123456789abcdef';

/** The fixtures of the seeded cast. */
export const FIXTURES: ContractFixtures = {
  standardUser: 'alice@example.com',
  manager: 'erin@example.com',
  privilegedUser: 'carol@example.com',
  expiredContractor: 'dave@example.com',
  unknownUser: '00uNoSuchUser0000000',
  agent: 'frank@example.com',
};

/** A started emulator with the adapter and a hook receiver on it. */
export interface OktaTestEnvironment {
  readonly emulator: Emulator;
  readonly adapter: RecoveryProvider;
  /** Events the hook receiver accepted, in arrival order. */
  readonly hookEvents: NormalizedEvent[];
  /** Durations the adapter's injected sleep was asked for. */
  readonly sleeps: number[];
  readonly hookUrl: string;
  close(): Promise<void>;
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts an emulator, a hook receiver and the adapter. */
export async function startTestEnvironment(
  options: {
    readonly emulator?: EmulatorOptions;
    readonly provider?: ProviderOptions;
    /** false: configure no event hook. */
    readonly hook?: boolean;
    /** Configure this hook URL instead of the harness receiver. */
    readonly hookUrl?: string;
  } = {},
): Promise<OktaTestEnvironment> {
  const emulator = await startEmulator(options.emulator ?? {});
  const hookEvents: NormalizedEvent[] = [];
  const sleeps: number[] = [];
  let adapter: RecoveryProvider | undefined;
  const receiver = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string') headers[k.toLowerCase()] = v;
      const query = Object.fromEntries(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
      try {
        const result = await (adapter as RecoveryProvider).verifyHook({
          method: req.method ?? 'GET',
          headers,
          query,
          body,
        });
        hookEvents.push(...result.events);
        res.writeHead(result.response.status, result.response.headers).end(result.response.body);
      } catch (error) {
        res.writeHead(isGateError(error, 'ERR_HOOK_UNAUTHENTICATED') ? 401 : 400).end();
      }
    })();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/okta/events`;
  adapter = createProvider(
    {
      orgUrl: emulator.url,
      auth: { token: emulator.apiToken },
      ...(options.hook === false
        ? {}
        : { hook: { url: options.hookUrl ?? hookUrl, secret: HARNESS_HOOK_SECRET } }),
    },
    {
      now: () => new Date(emulator.control.now()),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...options.provider,
    },
  );
  return {
    emulator,
    adapter,
    hookEvents,
    sleeps,
    hookUrl,
    async close() {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await emulator.close();
    },
  };
}

function hookRequest(env: OktaTestEnvironment, secret: string): HookRequest {
  const { control } = env.emulator;
  const alice = control.state.users.get(control.userId(FIXTURES.standardUser));
  const frank = control.state.users.get(control.userId('frank@example.com'));
  const event = {
    uuid: '6f0c3c1e-9b7e-4f47-9a59-0d3b7c6f1a01',
    published: new Date(control.now()).toISOString(),
    eventType: 'group.user_membership.add',
    version: '0',
    displayMessage: 'Add user to group membership',
    severity: 'INFO',
    actor: { id: frank?.id, type: 'User', alternateId: 'frank@example.com', displayName: 'Frank Fischer' },
    outcome: { result: 'SUCCESS', reason: null },
    target: [
      { id: alice?.id, type: 'User', alternateId: 'alice@example.com', displayName: 'Alice Anders' },
      {
        id: '00gRequestGroup00001',
        type: 'UserGroup',
        alternateId: 'unknown',
        displayName: 'recovery-request-mfa_reset',
      },
    ],
  };
  const body = JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    source: `${env.emulator.url}/api/v1/eventHooks/whoHarness`,
    eventId: 'b8a0f1f4-2d4c-4c55-8a53-7e6f0b1c2d3e',
    eventTime: event.published,
    contentType: 'application/json',
    data: { events: [event] },
  });
  return {
    method: 'POST',
    headers: { authorization: secret, 'content-type': 'application/json' },
    query: {},
    body,
  };
}

function probes(env: OktaTestEnvironment): ContractProbes {
  const { control, url, apiToken, oidc } = env.emulator;
  const agent = FIXTURES.agent ?? 'frank@example.com';
  const native = async (
    userId: string,
    action: Parameters<typeof control.nativeAction>[2],
  ): Promise<void> => {
    const status = await control.nativeAction(agent, userId, action);
    if (status >= 300) throw new Error(`native ${action.kind} by ${agent} failed with HTTP ${status}`);
  };
  return {
    mintSession: async (userId) => control.mintSession(userId),
    async refreshTokenWorks(refreshToken) {
      const response = await fetch(oidc.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: oidc.clientId,
        }),
      });
      await response.arrayBuffer();
      return response.status === 200;
    },
    async sessionActive(sessionId) {
      const response = await fetch(`${url}/api/v1/sessions/${encodeURIComponent(sessionId)}`, {
        headers: { authorization: `SSWS ${apiToken}` },
      });
      await response.arrayBuffer();
      return response.status === 200;
    },
    signInWithTemporaryCredential: async (userId, secret) =>
      secret !== null && control.signInWithTac(userId, secret),
    advanceClock: (ms) => control.advanceClock(ms),
    answerDeviceChallenge: async (userId, answer, picked) => {
      if (!control.answerPush(userId, answer, picked ?? undefined))
        throw new Error(`no pending push for ${userId}, or no number picked`);
    },
    injectFault: (fault) => control.faults.inject(fault),
    requestCount: () => control.faults.requestCount(),
    nativeReset: (userId, what) =>
      native(userId, { kind: what === 'password' ? 'reset_password' : 'reset_factors' }),
    nativeRequest: (userId) => native(userId, { kind: 'add_to_group', group: 'recovery-request-mfa_reset' }),
    validHook: () => hookRequest(env, HARNESS_HOOK_SECRET),
    forgedHook: () => hookRequest(env, 'forged-secret-that-is-long-enough'),
    caseStatus: async (userId) => control.profileValue(userId, 'recoveryCaseStatus'),
    recordedSleeps: () => [...env.sleeps],
    lockOut: async (userId) => control.lockOut(userId),
    async enrollAuthenticator(userId) {
      // Okta Verify enrolled on a phone the signed-in holder owns (the end-user flow has no admin API).
      const user = control.state.users.get(control.userId(userId));
      if (!user) throw new Error(`no such user: ${userId}`);
      const factor = addFactor(control.state, user.id, 'push', control.now(), {
        deviceType: 'SmartPhone_Android',
        name: 'Pixel 8',
        platform: 'ANDROID',
      });
      const login = String(user.profile.login);
      const ref = { id: user.id, type: 'User', alternateId: login, displayName: login };
      const enrollment = { id: factor.id, type: 'AuthenticatorEnrollment', alternateId: 'unknown' };
      control.appendEvent({
        eventType: 'user.mfa.factor.activate',
        actor: ref,
        targets: [ref, { ...enrollment, displayName: 'Okta Verify' }],
      });
      return factor.id;
    },
    async setContractEnd(userId, value) {
      const user = control.state.users.get(control.userId(userId));
      if (!user) throw new Error(`no such user: ${userId}`);
      user.profile.contractEnd = value;
    },
    async signInWithPassword(userId, password) {
      try {
        const result = await signInBrowserless({
          authorizationEndpoint: oidc.server.endpoints.authorization,
          tokenEndpoint: oidc.tokenEndpoint,
          clientId: oidc.clientId,
          redirectUri: `${url}/test-app/callback`,
          login: String(control.state.users.get(control.userId(userId))?.profile.login ?? userId),
          password,
          params: { acr_values: 'urn:okta:loa:2fa:any' },
          // The sign-in page's own push (a device challenge the gate left waiting is not this one).
          approvePush: () => void oidc.server.answerPush(control.userId(userId), 'approve'),
        });
        return (result.idToken.amr as readonly string[] | undefined) ?? [];
      } catch {
        return null;
      }
    },
    joinGroup: async (userId, name) => {
      const group = [...control.state.groups.values()].find((g) => g.name === name);
      if (!group) throw new Error(`no group ${name}`);
      group.members.add(userId);
      group.lastMembershipUpdated = control.now();
    },
  };
}

function realTenantHarness(orgUrl: string, token: string): ContractHarness {
  const unavailable = (name: string) => async (): Promise<never> => {
    throw new Error(`${name} needs the emulator; it is not available against a real org`);
  };
  return {
    name: 'okta (real org)',
    realTenant: true,
    numberMatching: true,
    async start(): Promise<ContractEnvironment> {
      const adapter = createProvider({ orgUrl, auth: { token } });
      return {
        adapter,
        fixtures: {
          standardUser: process.env.OKTA_TEST_STANDARD_USER ?? FIXTURES.standardUser,
          manager: process.env.OKTA_TEST_MANAGER ?? FIXTURES.manager,
          privilegedUser: process.env.OKTA_TEST_PRIVILEGED_USER ?? FIXTURES.privilegedUser,
          expiredContractor: process.env.OKTA_TEST_EXPIRED_CONTRACTOR ?? FIXTURES.expiredContractor,
          unknownUser: FIXTURES.unknownUser,
        },
        probes: {
          mintSession: unavailable('mintSession'),
          refreshTokenWorks: unavailable('refreshTokenWorks'),
          async sessionActive(sessionId) {
            const response = await fetch(
              `${orgUrl.replace(/\/$/, '')}/api/v1/sessions/${encodeURIComponent(sessionId)}`,
              { headers: { authorization: `SSWS ${token}` } },
            );
            await response.arrayBuffer();
            return response.status === 200;
          },
          signInWithTemporaryCredential: unavailable('signInWithTemporaryCredential'),
        },
        close: async () => {},
      };
    },
  };
}

/** Options of {@link createContractHarness}. */
export interface HarnessOptions {
  /** Options of the emulator each `start()` launches. */
  readonly emulator?: EmulatorOptions;
  /** Shorthand for `emulator.guardrailsApplied`: request groups and the status attribute pre-exist. */
  readonly guardrailsApplied?: boolean;
  /** Environment read for OKTA_ORG_URL / OKTA_API_TOKEN. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The contract harness: the emulator, or the real org named by OKTA_ORG_URL / OKTA_API_TOKEN. */
export function createContractHarness(options: HarnessOptions = {}): ContractHarness {
  const env = options.env ?? process.env;
  if (env.OKTA_ORG_URL && env.OKTA_API_TOKEN) return realTenantHarness(env.OKTA_ORG_URL, env.OKTA_API_TOKEN);
  // Okta does not document whether a TAC signs a RECOVERY user in (divergence D3): the name says which the
  // emulator was told, so the contract suite's runs under each setting can be told apart.
  const tac = options.emulator?.recoveryTacSignIn;
  return {
    name: tac === undefined ? 'okta (emulator)' : `okta (emulator, TAC for a RECOVERY user ${tac})`,
    realTenant: false,
    numberMatching: true,
    async start(): Promise<ContractEnvironment> {
      const emulator: EmulatorOptions = {
        ...options.emulator,
        ...(options.guardrailsApplied === undefined ? {} : { guardrailsApplied: options.guardrailsApplied }),
      };
      const test = await startTestEnvironment({ emulator });
      // `emulator` is extra: the demo reads its URL, tests reach its control surface.
      const env: ContractEnvironment & { readonly emulator: Emulator } = {
        adapter: test.adapter,
        fixtures: FIXTURES,
        probes: probes(test),
        close: () => test.close(),
        emulator: test.emulator,
      };
      return env;
    },
  };
}
