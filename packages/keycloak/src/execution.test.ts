import { isGateError } from '@recovery-gate/core';
import { type FaultProxy, startFaultProxy } from '@recovery-gate/emulator-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmulatorPair, offlineToken, startTestEnvironment } from '../testing/index.js';
import { createProvider } from './index.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function start(): Promise<EmulatorPair> {
  const pair = await startTestEnvironment({ createProvider });
  closers.push(() => pair.close());
  return pair;
}

/** The pair with the adapter talking to the emulator through a proxy that can fail chosen requests. */
async function startBehindProxy(): Promise<{ pair: EmulatorPair; proxy: FaultProxy }> {
  const proxy = await startFaultProxy();
  closers.push(() => proxy.close());
  const pair = await startTestEnvironment({ createProvider, config: { baseUrl: proxy.url } });
  closers.push(() => pair.close());
  proxy.target = pair.emu.url;
  return { pair, proxy };
}

/** Admin requests served from `from` on, as `METHOD users/{u}/...`, credential / client ids as `{id}`. */
function served(pair: EmulatorPair, userId: string, from: number): string[] {
  return pair.emu.control
    .exchanges()
    .slice(from)
    .map(
      (x) =>
        `${x.method} ${x.path
          .replace(/^.*\/users\//, 'users/')
          .replaceAll(userId, '{u}')
          .replace(/\/(credentials|consents)\/[^/]+$/, '/$1/{id}')}`,
    );
}

const ALL = { sessions: true, refreshTokens: true, grants: true } as const;
const RESET = { all: true, keepKinds: ['password'] } as const;

describe('execution path: only the calls correctness needs', () => {
  it('revoke: logout and the consent list, then one revocation per consent; no user read', async () => {
    const pair = await start();
    const alice = pair.emu.control.userId('alice');
    await offlineToken(pair, 'alice');
    const from = pair.emu.control.exchanges().length;
    await pair.adapter.revokeSessions(alice, ALL);
    const calls = served(pair, alice, from);
    expect(calls.slice(0, 2).sort()).toEqual(['GET users/{u}/consents', 'POST users/{u}/logout']);
    expect(calls.slice(2)).toEqual(['DELETE users/{u}/consents/{id}']);
  });

  it('reset lists the credentials and deletes each; issue reads the user (its safety checks) and sends', async () => {
    const pair = await start();
    const carol = pair.emu.control.userId('carol');
    let from = pair.emu.control.exchanges().length;
    const { removed } = await pair.adapter.resetAuthenticators(carol, RESET);
    expect(removed).toHaveLength(2);
    expect(served(pair, carol, from)).toEqual([
      'GET users/{u}/credentials',
      'DELETE users/{u}/credentials/{id}',
      'DELETE users/{u}/credentials/{id}',
    ]);
    const facts = await pair.adapter.readSubjectFacts(carol);
    const email = (facts.channels ?? []).find((c) => c.kind === 'email' && c.isAccountMailbox);
    expect(email).toBeDefined();
    from = pair.emu.control.exchanges().length;
    await pair.adapter.issueTemporaryCredential(carol, {
      lifetimeSeconds: 900,
      singleUse: true,
      action: 'mfa_reset',
      ...(email ? { deliverTo: email } : {}),
    });
    expect(served(pair, carol, from)).toEqual(['GET users/{u}', 'PUT users/{u}/execute-actions-email']);
  });
});

describe('execution path: a partial failure of parallel calls', () => {
  it('reset: one delete failing fails the step after the other finished; the retry removes the rest', async () => {
    const { pair, proxy } = await startBehindProxy();
    const carol = pair.emu.control.userId('carol');
    const user = pair.emu.control.realm.users.get(carol);
    const types = () => (user?.credentials ?? []).map((c) => c.type).filter((t) => t !== 'password');
    expect(types().sort()).toEqual(['otp', 'webauthn']);
    const webauthn = user?.credentials.find((c) => c.type === 'webauthn')?.id ?? 'missing';
    proxy.fail({ method: 'DELETE', path: new RegExp(`/credentials/${webauthn}$`), status: 503 });
    const error = await pair.adapter.resetAuthenticators(carol, RESET).catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_IDP_UNAVAILABLE')).toBe(true);
    expect(types()).toEqual(['webauthn']);
    proxy.heal();
    const retry = await pair.adapter.resetAuthenticators(carol, RESET);
    expect(retry.removed).toEqual([webauthn]);
    expect(types()).toEqual([]);
  });

  it('revoke: the consent list failing fails the step though the logout ran; the retry completes', async () => {
    const { pair, proxy } = await startBehindProxy();
    const alice = pair.emu.control.userId('alice');
    const offline = await offlineToken(pair, 'alice');
    proxy.fail({ method: 'GET', path: /\/consents$/, status: 503 });
    const error = await pair.adapter.revokeSessions(alice, ALL).catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_IDP_UNAVAILABLE')).toBe(true);
    expect(proxy.requests.some((r) => r.method === 'POST' && r.path.endsWith('/logout') && !r.failed)).toBe(
      true,
    );
    proxy.heal();
    await pair.adapter.revokeSessions(alice, ALL);
    expect(await pair.probes.refreshTokenWorks(offline)).toBe(false);
    expect(served(pair, alice, 0).filter((x) => x.startsWith('DELETE users/{u}/consents/'))).toHaveLength(1);
  });
});
