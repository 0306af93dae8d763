/**
 * The contract harness: a fresh seeded emulator and a provider on it, with probes that read the
 * emulator's state (the oracle) or act as an app / an agent over real HTTP. When KEYCLOAK_URL,
 * KEYCLOAK_REALM, KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET are set it targets that server instead.
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { RecoveryProvider } from '@recovery-gate/core';
import type { ContractEnvironment, ContractHarness, ContractProbes } from '@recovery-gate/core/testing';
import { otpCodeForKey, otpKeyShown, signInBrowserless } from '@recovery-gate/emulator-kit';
import { consoleAgent } from '../emulator/agent.js';
import { type Emulator, startEmulator } from '../emulator/index.js';
import { APP_REDIRECT_URI, currentOtp } from '../emulator/oidc-kit.js';
import {
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  DEMO_PASSWORD,
  GATE_CLIENT_ID,
  GATE_CLIENT_SECRET,
} from '../emulator/seed.js';
import type { EmuUser } from '../emulator/state.js';

/** Builds the adapter under test (the caller may pass it: another build, or a wrapped one). */
export type ProviderFactory = (
  config: { baseUrl: string; realm: string; auth: { clientId: string; clientSecret: string } },
  options: { now: () => Date; sleep: (ms: number) => Promise<void>; random: () => number },
) => RecoveryProvider;

/** Options for {@link createContractHarness}. */
export interface HarnessOptions {
  /** The adapter factory; by default the package's own `createProvider` (loaded lazily, test support only). */
  readonly createProvider?: ProviderFactory;
  /** Seed the emulator with the guardrails applied. */
  readonly guardrailsApplied?: boolean;
  /** Environment to read the real-server variables from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const FIXTURES = {
  standardUser: 'alice',
  manager: 'erin',
  privilegedUser: 'carol',
  expiredContractor: 'dave',
  unknownUser: '00000000-0000-4000-8000-000000000000',
  agent: 'frank',
};

async function token(url: string, form: Record<string, string>, basic?: [string, string]): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic !== undefined)
    headers.authorization = `Basic ${Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64')}`;
  return fetch(url, { method: 'POST', headers, body: new URLSearchParams(form) });
}

async function must(status: number | readonly number[], what: string): Promise<void> {
  const list = Array.isArray(status) ? status : [status];
  if (list.some((x) => x >= 300)) throw new Error(`agent ${what} failed: ${list.join(', ')}`);
}

/**
 * Signs in with a temporary password at the realm's sign-in page, as a browser does: Keycloak runs the
 * UPDATE_PASSWORD required action before any session exists, so a new password is chosen there (the cast's
 * demo password again, so later sign-ins in tests work); after that the temporary one no longer works.
 * True only when the page asked for the new password (the password was temporary) and the sign-in finished.
 * CONFIGURE_TOTP, when also required, is not a page of the emulator's sign-in: an OTP app is bound in state.
 */
async function signInWithTemporaryPassword(emu: Emulator, user: EmuUser, secret: string): Promise<boolean> {
  try {
    const { steps } = await signInBrowserless({
      authorizationEndpoint: emu.oidc.authorizationEndpoint,
      tokenEndpoint: emu.oidc.tokenEndpoint,
      clientId: APP_CLIENT_ID,
      clientSecret: APP_CLIENT_SECRET,
      redirectUri: APP_REDIRECT_URI,
      login: user.username,
      password: secret,
      newPassword: DEMO_PASSWORD,
      otp: () => currentOtp(user),
    });
    // The temporary password must lead to the new-password form (and, after an MFA reset, to the
    // authenticator set-up before it): Keycloak's required actions.
    return steps.includes('update-password');
  } catch {
    return false;
  }
}

function emulatorProbes(emu: Emulator, sleeps: number[]): ContractProbes {
  const { control } = emu;
  const user = (id: string) => {
    const u = control.realm.users.get(id);
    if (u === undefined) throw new Error(`no user ${id}`);
    return u;
  };
  return {
    mintSession: async (userId) => {
      const res = await token(
        emu.oidc.tokenEndpoint,
        { grant_type: 'password', username: user(userId).username, password: DEMO_PASSWORD, scope: 'openid' },
        [APP_CLIENT_ID, APP_CLIENT_SECRET],
      );
      if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { refresh_token: string; session_state: string };
      return { refreshToken: body.refresh_token, sessionId: body.session_state };
    },
    refreshTokenWorks: async (refreshToken) =>
      (
        await token(emu.oidc.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: refreshToken }, [
          APP_CLIENT_ID,
          APP_CLIENT_SECRET,
        ])
      ).ok,
    sessionActive: async (sessionId) => control.realm.sessions.has(sessionId),
    signInWithTemporaryCredential: async (userId, secret) => {
      if (secret !== null) return signInWithTemporaryPassword(emu, user(userId), secret);
      const mail = control
        .outbox()
        .filter((m) => m.userId === userId)
        .at(-1);
      if (mail === undefined) return false;
      // Open the link, then finish its required actions: Keycloak spends the token only then.
      const opened = await fetch(mail.link);
      if (!opened.ok) return false;
      const key = new URL(mail.link).searchParams.get('key') ?? '';
      // CONFIGURE_TOTP: the emulated authenticator app takes the key shown and gives its code.
      const totpSecret = otpKeyShown(await opened.text());
      const finished = await fetch(mail.link.replace(/action-token\?.*$/, 'required-action'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          key,
          'password-new': 'Recovered-Passw0rd!',
          'password-confirm': 'Recovered-Passw0rd!',
          ...(totpSecret === undefined ? {} : { totpSecret, totp: otpCodeForKey(totpSecret) }),
        }),
      });
      return finished.ok;
    },
    advanceClock: (ms) => control.advanceClock(ms),
    injectFault: (fault) => control.injectFault(fault),
    requestCount: () => control.requestCount(),
    recordedSleeps: () => [...sleeps],
    nativeReset: async (userId, what) => {
      const agent = consoleAgent(emu, FIXTURES.agent);
      if (what === 'password') await must(await agent.resetPassword(userId), 'reset-password');
      else await must(await agent.removeAuthenticators(userId), 'credential removal');
    },
    nativeRequest: async (userId) =>
      must(await consoleAgent(emu, FIXTURES.agent).requestRecovery(userId, 'mfa_reset'), 'join'),
    caseStatus: async (userId) => user(userId).attributes.recoveryCaseStatus?.join(' ') ?? null,
    joinGroup: async (userId, name) => {
      const group = [...control.realm.groups.values()].find((g) => g.name === name && g.parentId === null);
      if (!group) throw new Error(`no group ${name}`);
      user(userId).groups.add(group.id);
    },
    lockOut: async (userId) => {
      for (let i = 0; i < control.realm.settings.failureFactor; i++) {
        await token(
          emu.oidc.tokenEndpoint,
          { grant_type: 'password', username: user(userId).username, password: 'wrong-password' },
          [APP_CLIENT_ID, APP_CLIENT_SECRET],
        );
      }
    },
    async enrollAuthenticator(userId) {
      // CONFIGURE_TOTP done by whoever opened the action link: a TOTP app of theirs is bound.
      const id = randomUUID();
      user(userId).credentials.push({
        id,
        type: 'otp',
        userLabel: 'Authenticator',
        createdDate: control.now(),
        priority: 20,
        credentialData: '{"subType":"totp","digits":6,"counter":0,"period":30,"algorithm":"HmacSHA1"}',
      });
      return id;
    },
    async setContractEnd(userId, value) {
      user(userId).attributes.contractEnd = [value];
    },
    async signInWithPassword(userId, password) {
      try {
        const result = await signInBrowserless({
          authorizationEndpoint: emu.oidc.authorizationEndpoint,
          tokenEndpoint: emu.oidc.tokenEndpoint,
          clientId: APP_CLIENT_ID,
          clientSecret: APP_CLIENT_SECRET,
          redirectUri: APP_REDIRECT_URI,
          login: user(userId).username,
          password,
          params: { acr_values: '2' },
          otp: () => currentOtp(user(userId)),
        });
        return (result.idToken.amr as readonly string[] | undefined) ?? [];
      } catch {
        return null;
      }
    },
  };
}

async function factory(options: HarnessOptions): Promise<ProviderFactory> {
  if (options.createProvider !== undefined) return options.createProvider;
  // The emulator never imports the adapter; this test wiring (testing/) pairs the two.
  const adapter = (await import('../src/index.js')) as { createProvider: ProviderFactory };
  return adapter.createProvider;
}

function realServerHarness(
  options: HarnessOptions,
  env: Readonly<Record<string, string | undefined>>,
): ContractHarness {
  const baseUrl = env.KEYCLOAK_URL as string;
  const realm = env.KEYCLOAK_REALM as string;
  const tokenUrl = `${baseUrl.replace(/\/$/, '')}/realms/${realm}/protocol/openid-connect/token`;
  const app: [string, string] = [
    env.KEYCLOAK_APP_CLIENT_ID ?? APP_CLIENT_ID,
    env.KEYCLOAK_APP_CLIENT_SECRET ?? '',
  ];
  return {
    name: `keycloak (real server ${baseUrl})`,
    realTenant: true,
    start: async (): Promise<ContractEnvironment> => {
      const adapter = (await factory(options))(
        {
          baseUrl,
          realm,
          auth: {
            clientId: env.KEYCLOAK_CLIENT_ID as string,
            clientSecret: env.KEYCLOAK_CLIENT_SECRET as string,
          },
        },
        { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: Math.random },
      );
      const minted = new Map<string, string>();
      const probes: ContractProbes = {
        mintSession: async (userId) => {
          const person = await adapter.findUser(userId);
          const res = await token(
            tokenUrl,
            {
              grant_type: 'password',
              username: person?.login ?? userId,
              password: env.KEYCLOAK_USER_PASSWORD ?? '',
              scope: 'openid',
            },
            app,
          );
          const body = (await res.json()) as { refresh_token: string; session_state: string };
          minted.set(body.session_state, person?.id ?? userId);
          return { refreshToken: body.refresh_token, sessionId: body.session_state };
        },
        refreshTokenWorks: async (rt) =>
          (await token(tokenUrl, { grant_type: 'refresh_token', refresh_token: rt }, app)).ok,
        sessionActive: async (sessionId) => {
          const userId = minted.get(sessionId);
          if (userId === undefined) return false;
          const auth = await token(tokenUrl, { grant_type: 'client_credentials' }, [
            env.KEYCLOAK_CLIENT_ID as string,
            env.KEYCLOAK_CLIENT_SECRET as string,
          ]);
          const bearer = ((await auth.json()) as { access_token: string }).access_token;
          const res = await fetch(
            `${baseUrl.replace(/\/$/, '')}/admin/realms/${realm}/users/${userId}/sessions`,
            { headers: { authorization: `Bearer ${bearer}` } },
          );
          return res.ok && ((await res.json()) as { id: string }[]).some((s) => s.id === sessionId);
        },
        signInWithTemporaryCredential: async () => false,
      };
      return { adapter, fixtures: FIXTURES, probes, close: async () => undefined };
    },
  };
}

/** A started emulator with an adapter on it (for the package's own tests and the demo). */
export interface EmulatorPair {
  readonly emu: Emulator;
  readonly adapter: RecoveryProvider;
  readonly probes: ContractProbes;
  /** Sleeps the adapter asked for (it never sleeps for real here). */
  readonly sleeps: number[];
  close(): Promise<void>;
}

/** Starts an emulator and an adapter on it (the package's `createProvider` unless one is given); `now` defaults to the emulator clock. */
export async function startTestEnvironment(
  options: HarnessOptions & {
    readonly emulator?: Parameters<typeof startEmulator>[0];
    readonly now?: () => Date;
    readonly config?: Record<string, unknown>;
  } = {},
): Promise<EmulatorPair> {
  const emu = await startEmulator({
    guardrailsApplied: options.guardrailsApplied ?? false,
    ...(options.emulator ?? {}),
  });
  const sleeps: number[] = [];
  const adapter = (await factory(options))(
    {
      baseUrl: emu.url,
      realm: emu.realmName,
      auth: { clientId: GATE_CLIENT_ID, clientSecret: GATE_CLIENT_SECRET },
      ...(options.config ?? {}),
    },
    {
      now: options.now ?? (() => new Date(emu.control.now())),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    },
  );
  return { emu, adapter, probes: emulatorProbes(emu, sleeps), sleeps, close: () => emu.close() };
}

/** The contract harness for the Keycloak adapter (emulator by default, a real server when configured). */
export function createContractHarness(options: HarnessOptions = {}): ContractHarness {
  const env = options.env ?? process.env;
  if (env.KEYCLOAK_URL && env.KEYCLOAK_REALM && env.KEYCLOAK_CLIENT_ID && env.KEYCLOAK_CLIENT_SECRET)
    return realServerHarness(options, env);
  return {
    name: 'keycloak (emulator)',
    realTenant: false,
    start: async (): Promise<ContractEnvironment> => {
      const pair = await startTestEnvironment(options);
      // `emulator` lets the demo print the tenant's URL and reach its control API.
      const env: ContractEnvironment & { readonly emulator: Emulator } = {
        adapter: pair.adapter,
        fixtures: FIXTURES,
        probes: pair.probes,
        emulator: pair.emu,
        close: pair.close,
      };
      return env;
    },
  };
}

/** An offline refresh token of `username` from the emulator's app client (password grant), for revocation tests. */
export async function offlineToken(pair: EmulatorPair, username: string): Promise<string> {
  const res = await fetch(pair.emu.oidc.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${APP_CLIENT_ID}:${APP_CLIENT_SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'password',
      username,
      password: DEMO_PASSWORD,
      scope: 'openid offline_access',
    }),
  });
  return ((await res.json()) as { refresh_token: string }).refresh_token;
}

/** Calls the admin API as frank (help desk) with his own token, as the console would; returns the status. */
export async function asFrank(
  pair: EmulatorPair,
  method: string,
  path: string,
  body?: unknown,
): Promise<number> {
  const signIn = await fetch(pair.emu.oidc.tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'admin-cli',
      username: 'frank',
      password: DEMO_PASSWORD,
    }),
  });
  const bearer = ((await signIn.json()) as { access_token: string }).access_token;
  const res = await fetch(`${pair.emu.url}/admin/realms/workforce/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await res.arrayBuffer();
  return res.status;
}
