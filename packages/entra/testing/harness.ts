/**
 * The test environment and contract harness: a fresh seeded emulator, a hook receiver on loopback, and the real adapter
 * wired to both through its transport seams; or, when ENTRA_TENANT_ID / ENTRA_CLIENT_ID /
 * ENTRA_CLIENT_SECRET are set, the adapter against that real tenant.
 * @module
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HookRequest, RecoveryProvider } from '@recovery-gate/core';
import type {
  ContractEnvironment,
  ContractHarness,
  ContractProbes,
  InjectedFault,
} from '@recovery-gate/core/testing';
import { signInBrowserless } from '@recovery-gate/emulator-kit';
import { type Emulator, type EmulatorOptions, startEmulator } from '../emulator/index.js';
import { PASSWORD_METHOD_ID } from '../emulator/seed.js';
import { loopbackHttpClient } from '../src/client/transport.js';
import { configSchema, createProvider, type ProviderConfig } from '../src/index.js';
import { realTenantEnvironment } from './harness-real.js';

/** Public URL the emulator believes the gate's hook lives at. */
export const HOOK_URL = 'https://gate.example.test/hooks/entra';
const FIXTURES = {
  standardUser: 'alice@example.com',
  manager: 'erin@example.com',
  privilegedUser: 'carol@example.com',
  expiredContractor: 'dave@example.com',
  unknownUser: '00000000-0000-4000-8000-000000000000',
  agent: 'frank@example.com',
};

/** A loopback receiver that hands hook deliveries to the adapter (bound once the adapter exists). */
async function startHookReceiver(): Promise<{
  url: string;
  bind(adapter: RecoveryProvider): void;
  close(): Promise<void>;
}> {
  let adapter: RecoveryProvider | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
      );
      const request: HookRequest = {
        method: req.method ?? 'POST',
        headers,
        query: Object.fromEntries(url.searchParams),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const work = adapter ? adapter.verifyHook(request) : Promise.reject(new Error('no adapter yet'));
      work.then(
        (result) => {
          res.writeHead(result.response.status, result.response.headers);
          res.end(result.response.body);
        },
        () => {
          res.writeHead(401);
          res.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bind: (value) => {
      adapter = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function graphAs(
  emulator: Emulator,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${emulator.url}/v1.0${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok)
    throw new Error(`${method} ${path} as agent: HTTP ${response.status} ${await response.text()}`);
  const text = await response.text();
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

function isDefaultPhone(emulator: Emulator, userId: string, methodId: string): boolean {
  const user = emulator.control.user(userId);
  const phone = emulator.control.tenant.methods.get(`${userId}:${methodId}`);
  const kind = String(phone?.props.phoneType ?? 'mobile');
  const defaults: Record<string, readonly string[]> = {
    mobile: ['sms', 'voiceMobile'],
    alternateMobile: ['voiceAlternateMobile'],
    office: ['voiceOffice'],
  };
  return user.defaultMfaMethod !== null && (defaults[kind] ?? []).includes(user.defaultMfaMethod);
}

function notification(emulator: Emulator, clientState: string): HookRequest {
  const item = {
    id: 'n-1',
    subscriptionId: 's-1',
    clientState,
    changeType: 'updated',
    resource: 'Groups/g-1',
    tenantId: emulator.tenantId,
    resourceData: { id: 'g-1' },
  };
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    query: {},
    body: JSON.stringify({ value: [item] }),
  };
}

/** Native admin-center actions, done through Graph with the agent's delegated token. */
function agentProbes(emulator: Emulator): Pick<ContractProbes, 'nativeReset' | 'nativeRequest'> {
  const agentToken = () => emulator.control.agentToken(FIXTURES.agent);
  return {
    nativeReset: async (userId, what) => {
      const token = await agentToken();
      if (what === 'password') {
        await graphAs(
          emulator,
          token,
          'POST',
          `/users/${userId}/authentication/methods/${PASSWORD_METHOD_ID}/resetPassword`,
          {},
        );
        return;
      }
      const methods = (await graphAs(emulator, token, 'GET', `/users/${userId}/authentication/methods`)) as {
        value: { id: string; '@odata.type': string }[];
      };
      for (const method of methods.value) {
        const type = /#microsoft\.graph\.(\w+)AuthenticationMethod$/.exec(method['@odata.type'])?.[1];
        // The portal cannot delete a phone that is the default MFA method either: the agent skips it.
        if (type === 'phone' && isDefaultPhone(emulator, userId, method.id)) continue;
        if (type && type !== 'password')
          await graphAs(
            emulator,
            token,
            'DELETE',
            `/users/${userId}/authentication/${type}Methods/${method.id}`,
          );
      }
    },
    nativeRequest: async (userId) => {
      const token = await agentToken();
      const filter = encodeURIComponent("displayName eq 'recovery-request-mfa_reset'");
      const groups = (await graphAs(emulator, token, 'GET', `/groups?$filter=${filter}`)) as {
        value: { id: string }[];
      };
      const group = groups.value[0];
      if (!group) throw new Error('the mfa_reset request group does not exist (apply guardrails first)');
      const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${userId}` };
      await graphAs(emulator, token, 'POST', `/groups/${group.id}/members/$ref`, ref);
    },
  };
}

function emulatorProbes(emulator: Emulator, clientState: string, sleeps: number[]): ContractProbes {
  const { control } = emulator;
  return {
    // Sessions and refresh tokens live in the tenant's OIDC server (oidc-provider): the oracle for revocation.
    mintSession: (userId) => emulator.oidc.server.mintRefreshToken(userId, emulator.oidc.clientId),
    joinGroup: async (userId, name) => {
      const group = [...control.tenant.groups.values()].find((g) => g.displayName === name);
      if (!group) throw new Error(`no group ${name}`);
      group.members.add(userId);
    },
    refreshTokenWorks: async (refreshToken) => {
      await control.settleRevocations();
      return emulator.oidc.server.refreshTokenWorks(refreshToken);
    },
    sessionActive: async (sessionId) => {
      await control.settleRevocations();
      return emulator.oidc.server.sessionActive(sessionId);
    },
    signInWithTemporaryCredential: async (userId, secret) => {
      const response = await fetch(`${emulator.url}/${emulator.tenantId}/emulator/signin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: userId, temporaryAccessPass: secret ?? '' }),
      });
      return response.status === 200;
    },
    // Graph applies revokeSignInSessions after "a few minutes": let that pass on the emulator clock.
    awaitRevocation: async () => {
      control.advanceClock(control.tenant.revocationDelayMs);
      await control.settleRevocations();
    },
    advanceClock: (ms) => control.advanceClock(ms),
    auditLatency: (ms) => control.setAuditLatency(ms),
    injectFault: (fault: InjectedFault) => {
      if (fault.kind === 'server_error')
        control.injectFault({ kind: 'server_error', count: fault.count, status: fault.status ?? 500 });
      else control.injectFault({ ...fault });
    },
    requestCount: () => control.requestCount(),
    ...agentProbes(emulator),
    validHook: () => notification(emulator, clientState),
    forgedHook: () => notification(emulator, `forged-${randomBytes(12).toString('hex')}`),
    caseStatus: async (userId) => {
      const extensions = control.user(userId).extensions;
      return Object.entries(extensions).find(([key]) => key.endsWith('_recoveryGateStatus'))?.[1] ?? null;
    },
    recordedSleeps: () => sleeps,
    async enrollAuthenticator(userId) {
      // Microsoft Authenticator registered at My Sign-Ins by the holder of a Temporary Access Pass.
      const user = control.user(userId);
      const id = randomUUID();
      control.tenant.methods.set(`${user.id}:${id}`, {
        id,
        userId: user.id,
        type: 'microsoftAuthenticator',
        createdDateTime: new Date(control.now()).toISOString(),
        props: { displayName: 'Pixel 8', deviceTag: 'SoftwareTokenActivated', phoneAppVersion: '6.8.12' },
      });
      return id;
    },
    async setContractEnd(userId, value) {
      control.user(userId).employeeLeaveDateTime = value;
    },
    async signInWithPassword(userId, password) {
      const { server } = emulator.oidc;
      const user = control.user(userId);
      try {
        const result = await signInBrowserless({
          authorizationEndpoint: server.endpoints.authorization,
          tokenEndpoint: server.endpoints.token,
          clientId: emulator.oidc.clientId,
          redirectUri: 'http://127.0.0.1/callback',
          login: user.userPrincipalName,
          password,
          params: { claims: JSON.stringify({ id_token: { acrs: { essential: true, value: 'c1' } } }) },
          approvePush: () => void server.answerPush(user.id, 'approve'),
        });
        return (result.idToken.amr as readonly string[] | undefined) ?? [];
      } catch {
        return null;
      }
    },
  };
}

/** What {@link startTestEnvironment} starts: the contract environment plus the emulator and the config. */
export type EntraTestEnvironment = ContractEnvironment & {
  readonly emulator: Emulator;
  readonly config: ProviderConfig;
};

/** Starts an emulator, a hook receiver and the adapter wired to them. */
export async function startTestEnvironment(options: EmulatorOptions = {}): Promise<EntraTestEnvironment> {
  const receiver = await startHookReceiver();
  const emulator = await startEmulator({
    ...options,
    hookTargets: { 'https://gate.example.test': receiver.url, ...options.hookTargets },
  });
  const clientState = randomBytes(24).toString('base64url');
  const config = configSchema.parse({
    tenantId: emulator.tenantId,
    auth: { clientId: emulator.gateApp.clientId, clientSecret: emulator.gateApp.clientSecret },
    authorityHost: emulator.oidc.authorityHost,
    privilegedUnit: { displayName: 'Recovery Gate - privileged users', memberGroups: ['Tier0-Admins'] },
    helpDeskGroup: 'HelpDesk',
    notification: { url: HOOK_URL, clientState },
  });
  const sleeps: number[] = [];
  const adapter = createProvider(config, {
    graphOrigin: emulator.url,
    httpClient: loopbackHttpClient(emulator.url),
    now: () => new Date(emulator.control.now()),
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  receiver.bind(adapter);
  return {
    adapter,
    emulator,
    config,
    fixtures: FIXTURES,
    probes: emulatorProbes(emulator, clientState, sleeps),
    close: async () => {
      await emulator.control.flush();
      await emulator.close();
      await receiver.close();
    },
  };
}

/** True when the real-tenant environment variables are set. */
export function realTenantConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.ENTRA_TENANT_ID && env.ENTRA_CLIENT_ID && env.ENTRA_CLIENT_SECRET);
}

/** The contract harness for `runProviderContract`. */
export function createContractHarness(options: EmulatorOptions = {}): ContractHarness {
  const real = realTenantConfigured();
  return {
    name: real ? 'entra (real tenant)' : 'entra (emulator)',
    realTenant: real,
    start: async () => (real ? realTenantEnvironment(process.env) : startTestEnvironment(options)),
  };
}
