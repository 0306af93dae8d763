import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isGateError } from '@recovery-gate/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/index.js';
import { loopbackHttpClient } from './client/transport.js';
import { configSchema, createProvider } from './index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'entra-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A throwaway self-signed certificate and key (PEM), as an app registration would hold. */
function certificate(name: string): { key: string; cert: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

const emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

function adapterFor(emulator: Emulator, auth: Record<string, string>) {
  const config = configSchema.parse({
    tenantId: emulator.tenantId,
    auth,
    authorityHost: emulator.oidc.authorityHost,
  });
  return createProvider(config, {
    graphOrigin: emulator.url,
    httpClient: loopbackHttpClient(emulator.url),
    sleep: async () => undefined,
  });
}

async function failure(work: Promise<unknown>) {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!isGateError(error)) throw new Error(`expected a GateError, got ${String(error)}`);
  return error;
}

describe('app-only credential through @azure/identity', () => {
  it('signs in with a certificate registered on the app (client assertion verified by the emulator)', async () => {
    const emulator = await startEmulator();
    emulators.push(emulator);
    const good = certificate('gate');
    emulator.control.tenant.apps.get(emulator.gateApp.clientId)?.certificates.push(good.cert);
    const adapter = adapterFor(emulator, {
      clientId: emulator.gateApp.clientId,
      certificate: `${good.key}\n${good.cert}`,
    });
    expect((await adapter.findUser('alice@example.com'))?.login).toBe('alice@example.com');

    const other = certificate('intruder');
    const intruder = adapterFor(emulator, {
      clientId: emulator.gateApp.clientId,
      certificate: `${other.key}\n${other.cert}`,
    });
    expect((await failure(intruder.findUser('alice@example.com'))).code).toBe('ERR_IDP_UNAUTHORIZED');
  });

  it('a wrong client secret is ERR_IDP_UNAUTHORIZED and the secret appears nowhere in the error', async () => {
    const emulator = await startEmulator();
    emulators.push(emulator);
    const secret = 'definitely-the-wrong-secret-4711';
    const adapter = adapterFor(emulator, { clientId: emulator.gateApp.clientId, clientSecret: secret });
    const error = await failure(adapter.readSubjectFacts('alice@example.com'));
    expect(error.code).toBe('ERR_IDP_UNAUTHORIZED');
    expect(`${error.message} ${JSON.stringify(error.details)} ${error.stack}`).not.toContain(secret);
    expect(emulator.control.requestCount()).toBe(0);
  });

  it('Graph errors keep the Graph code and request id in details', async () => {
    const emulator = await startEmulator();
    emulators.push(emulator);
    const adapter = adapterFor(emulator, {
      clientId: emulator.gateApp.clientId,
      clientSecret: emulator.gateApp.clientSecret,
    });
    const alice = emulator.control.user('alice').id;
    const error = await failure(
      adapter.issueTemporaryCredential(alice, {
        lifetimeSeconds: 40_000 * 60,
        singleUse: true,
        action: 'mfa_reset',
      }),
    );
    expect(error.code).toBe('ERR_IDP_BAD_REQUEST');
    expect(error.details).toMatchObject({
      status: 400,
      graphCode: 'badRequest',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const logged = emulator.control.requests.at(-1);
    expect(logged?.status).toBe(400);
  });
});

describe('network failures', () => {
  it('retries a refused connection a bounded number of times on the injected sleep, then ERR_IDP_UNAVAILABLE', async () => {
    const emulator = await startEmulator();
    const sleeps: number[] = [];
    const config = configSchema.parse({
      tenantId: emulator.tenantId,
      auth: { clientId: emulator.gateApp.clientId, clientSecret: emulator.gateApp.clientSecret },
      authorityHost: emulator.oidc.authorityHost,
    });
    const adapter = createProvider(config, {
      graphOrigin: emulator.url,
      httpClient: loopbackHttpClient(emulator.url),
      maxRetries: 3,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect(await adapter.findUser('alice@example.com')).not.toBeNull();
    await emulator.close();
    const error = await failure(adapter.findUser('alice@example.com'));
    expect(error.code).toBe('ERR_IDP_UNAVAILABLE');
    expect(sleeps).toHaveLength(3);
  });
});
