import { type GateError, isGateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { GATE_CLIENT_SECRET } from '../emulator/index.js';
import { type EmulatorPair, startTestEnvironment } from '../testing/index.js';
import { createProvider } from './index.js';

let pair: EmulatorPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

async function caught(p: Promise<unknown>): Promise<GateError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isGateError(error)).toBe(true);
  return error as GateError;
}

describe('admin-client session', () => {
  it('re-authenticates before expiry when its clock says the token is old (client credentials cannot refresh)', async () => {
    pair = await startTestEnvironment({ createProvider });
    await pair.adapter.findUser('alice');
    const before = pair.emu.control.tokenRequests();
    pair.emu.control.advanceClock(120_000); // the emulator issues 60 s admin tokens
    expect(await pair.adapter.findUser('alice')).not.toBeNull();
    expect(pair.emu.control.tokenRequests()).toBe(before + 1);
  });

  it('re-authenticates once on a 401 when its own clock did not see the expiry', async () => {
    pair = await startTestEnvironment({ createProvider, now: () => new Date() });
    await pair.adapter.findUser('alice');
    const before = pair.emu.control.tokenRequests();
    pair.emu.control.advanceClock(120_000);
    expect(await pair.adapter.findUser('alice')).not.toBeNull();
    expect(pair.emu.control.tokenRequests()).toBe(before + 1);
  });

  it('retries 5xx with growing, bounded backoff on the injected sleep', async () => {
    pair = await startTestEnvironment({ createProvider });
    await pair.adapter.findUser('alice');
    pair.emu.control.injectFault({ kind: 'server_error', count: 3, status: 502 });
    expect(await pair.adapter.findUser('alice')).not.toBeNull();
    expect(pair.sleeps).toHaveLength(3);
    expect(pair.sleeps[1]).toBeGreaterThan(pair.sleeps[0] as number);
    expect(pair.sleeps[2]).toBeGreaterThan(pair.sleeps[1] as number);
  });

  it('gives up after 4 attempts (3 retries by default) with ERR_IDP_UNAVAILABLE and the status in details', async () => {
    pair = await startTestEnvironment({ createProvider });
    await pair.adapter.findUser('alice');
    pair.emu.control.injectFault({ kind: 'server_error', count: 100, status: 500 });
    const before = pair.emu.control.requestCount();
    const error = await caught(pair.adapter.findUser('alice'));
    expect(error.code).toBe('ERR_IDP_UNAVAILABLE');
    expect(error.details.status).toBe(500);
    expect(pair.emu.control.requestCount() - before).toBe(4);
    expect(error.details.op).toBe('users');
  });

  it('honours Retry-After on 429', async () => {
    pair = await startTestEnvironment({ createProvider });
    await pair.adapter.findUser('alice');
    pair.emu.control.injectFault({ kind: 'rate_limit', count: 1, retryAfterSeconds: 7 });
    await pair.adapter.findUser('alice');
    expect(pair.sleeps).toEqual([7_000]);
  });

  it('maps a refused client secret to ERR_IDP_UNAUTHORIZED without echoing the secret', async () => {
    pair = await startTestEnvironment({ createProvider });
    const wrong = 'definitely-not-the-secret-value';
    const adapter = createProvider(
      {
        baseUrl: pair.emu.url,
        realm: pair.emu.realmName,
        auth: { clientId: 'recovery-gate', clientSecret: wrong },
      },
      { sleep: async () => undefined },
    );
    const error = await caught(adapter.findUser('alice'));
    expect(error.code).toBe('ERR_IDP_UNAUTHORIZED');
    expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain(wrong);
    expect(`${error.message}`).not.toContain(GATE_CLIENT_SECRET);
  });

  it('maps a missing admin role to ERR_IDP_FORBIDDEN', async () => {
    pair = await startTestEnvironment({ createProvider });
    const sa = [...pair.emu.control.realm.users.values()].find(
      (u) => u.username === 'service-account-recovery-gate',
    );
    for (const roles of sa?.clientRoles.values() ?? []) roles.delete('view-events');
    const error = await caught(pair.adapter.readEvents('admin_events', null));
    expect(error.code).toBe('ERR_IDP_FORBIDDEN');
  });

  it('reports an unreachable server as ERR_IDP_UNAVAILABLE after bounded retries', async () => {
    pair = await startTestEnvironment({ createProvider });
    const url = pair.emu.url;
    await pair.close();
    pair = undefined;
    const sleeps: number[] = [];
    const adapter = createProvider(
      { baseUrl: url, realm: 'workforce', auth: { clientId: 'recovery-gate', clientSecret: 'x' } },
      { sleep: async (ms) => void sleeps.push(ms), maxRetries: 2 },
    );
    const error = await caught(adapter.findUser('alice'));
    expect(error.code).toBe('ERR_IDP_UNAVAILABLE');
    expect(sleeps).toHaveLength(2);
  });
});
