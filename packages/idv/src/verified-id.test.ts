import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IdvReturn } from '@recovery-gate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardPersonas, startVerifiedIdEmulator, type VerifiedIdEmulator } from '../emulator/index.js';
import { verifiedIdConfigSchema } from './config.js';
import { type ContractPersona, idvProviderContract } from './contract.test-helper.js';
import { callbackKey, createVerifiedIdProvider } from './verified-id.js';

const ISSUER = 'did:web:idv-partner.example';
const PERSONA: Record<ContractPersona, string> = {
  pass: 'ada-pass',
  liveness_fail: 'ada-liveness',
  expired: 'ada-expired',
  impostor: 'ada-impostor',
};

let emu: VerifiedIdEmulator;
let callbackUrl = '';
/** Callbacks as the gate's route would hand them to the provider. */
const received: IdvReturn[] = [];
const collector = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push({
      via: 'callback',
      headers: req.headers as Record<string, string>,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    res.writeHead(202).end();
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/idv/callback`;
  emu = await startVerifiedIdEmulator({
    tenantId: 'tenant-1',
    apps: [{ clientId: 'gate-app', clientSecret: 'emulated-app-secret' }],
    authority: 'did:web:verifier.contoso.example',
    issuer: ISSUER,
    credentialType: 'VerifiedEmployee',
    personas: standardPersonas('Ada', 'Lovelace', 'ada'),
  });
});
afterAll(async () => {
  await emu.close();
  collector.closeAllConnections();
  await new Promise<void>((resolve) => collector.close(() => resolve()));
});

function provider(overrides: Record<string, unknown> = {}) {
  const config = verifiedIdConfigSchema.parse({
    kind: 'entra_verified_id',
    tenantId: 'tenant-1',
    clientId: 'gate-app',
    clientSecret: 'emulated-app-secret',
    authority: 'did:web:verifier.contoso.example',
    acceptedIssuers: [{ did: ISSUER, trustFramework: 'nist_800_63A', assuranceLevel: 'ial2' }],
    callbackSecret: 'callback-signing-secret',
    loginAuthority: emu.url,
    endpoint: emu.url,
    timeoutMs: 1000,
    ...overrides,
  });
  return createVerifiedIdProvider('entra-vid', config);
}

async function presented(requestId: string, persona: string): Promise<IdvReturn[]> {
  received.length = 0;
  await emu.present(requestId, persona);
  return [...received];
}

idvProviderContract('Microsoft Entra Verified ID with Face Check (emulated)', () => ({
  provider: provider(),
  record: { givenName: 'Ada', familyName: 'Lovelace', birthdate: null, employeeNumber: null },
  returnUrl: 'http://127.0.0.1:9/verify/idv/return',
  callbackUrl,
  complete: (started, persona) => presented(started.requestId as string, PERSONA[persona]),
  async forge(_started, binding) {
    return {
      via: 'callback',
      headers: { 'api-key': callbackKey('guessed-secret', binding.state) },
      body: JSON.stringify({ requestId: 'r', requestStatus: 'presentation_verified', state: binding.state }),
    };
  },
  fault(mode) {
    emu.server.fault = mode;
  },
  now: () => new Date().toISOString(),
}));

describe('Verified ID specifics', () => {
  it('sends faceCheck with the photo claim and threshold, and the callback api-key header', async () => {
    const started = await provider({ matchConfidenceThreshold: 85 }).start({
      caseId: 'c',
      state: 'state-face-check-1',
      nonce: 'unused',
      returnUrl: 'http://127.0.0.1:9/r',
      callbackUrl,
      loginHint: null,
    });
    expect(started.url).toMatch(/^openid-vc:\/\/\?request_uri=/);
    const held = emu.requests.get(started.requestId as string);
    expect(held).toMatchObject({ threshold: 85, photoClaim: 'photo', state: 'state-face-check-1' });
    expect(held?.callbackHeaders['api-key']).toBe(
      callbackKey('callback-signing-secret', 'state-face-check-1'),
    );
  });

  it('reports request_retrieved as progress, then the verified presentation with its score', async () => {
    const p = provider();
    const started = await p.start({
      caseId: 'c',
      state: 'state-progress-1',
      nonce: 'x',
      returnUrl: 'http://127.0.0.1:9/r',
      callbackUrl,
      loginHint: null,
    });
    const [retrieved, verified] = await presented(started.requestId as string, 'ada-pass');
    expect(await p.receive(retrieved as IdvReturn)).toMatchObject({
      status: 'progress',
      step: 'request_retrieved',
    });
    expect(await p.receive(verified as IdvReturn)).toMatchObject({
      status: 'completed',
      result: {
        transactionId: started.requestId,
        biometric: { method: 'face_match', passed: true, score: 92 },
        trustFramework: 'nist_800_63A',
      },
    });
    expect(emu.deliveries.at(-1)).toMatchObject({
      requestStatus: 'presentation_verified',
      responseStatus: 202,
    });
  });

  it("refuses a callback without api-key, with another state's key, oversized or malformed", async () => {
    const p = provider();
    const body = JSON.stringify({ requestId: 'r', requestStatus: 'request_retrieved', state: 's1' });
    await expect(p.receive({ via: 'callback', headers: {}, body })).rejects.toMatchObject({
      code: 'ERR_HOOK_UNAUTHENTICATED',
    });
    const otherKey = callbackKey('callback-signing-secret', 's2');
    await expect(
      p.receive({ via: 'callback', headers: { 'api-key': otherKey }, body }),
    ).rejects.toMatchObject({
      code: 'ERR_HOOK_UNAUTHENTICATED',
    });
    const key = callbackKey('callback-signing-secret', 's1');
    await expect(
      p.receive({ via: 'callback', headers: { 'Api-Key': key }, body: 'x'.repeat(300_000) }),
    ).rejects.toMatchObject({
      code: 'ERR_HOOK_TOO_LARGE',
    });
    await expect(
      p.receive({ via: 'callback', headers: { 'api-key': key }, body: '{"state":' }),
    ).rejects.toMatchObject({
      code: 'ERR_HOOK_MALFORMED',
    });
    const unknown = JSON.stringify({ requestId: 'r', requestStatus: 'mystery', state: 's1' });
    await expect(
      p.receive({ via: 'callback', headers: { 'api-key': key }, body: unknown }),
    ).rejects.toMatchObject({
      code: 'ERR_HOOK_MALFORMED',
    });
  });

  it('gives no assurance to a credential from an issuer not configured', async () => {
    const p = provider({
      acceptedIssuers: [
        { did: 'did:web:other.example', trustFramework: 'nist_800_63A', assuranceLevel: 'ial2' },
      ],
    });
    const started = await p.start({
      caseId: 'c',
      state: 'state-issuer-1',
      nonce: 'x',
      returnUrl: 'http://127.0.0.1:9/r',
      callbackUrl,
      loginHint: null,
    });
    const returns = await presented(started.requestId as string, 'ada-pass');
    const last = await p.receive(returns.at(-1) as IdvReturn);
    expect(last).toMatchObject({
      status: 'completed',
      result: { trustFramework: null, assuranceLevel: null },
    });
  });

  it('reports a wrong app secret as a refusal of the service', async () => {
    await expect(
      provider({ clientSecret: 'wrong' }).start({
        caseId: 'c',
        state: 's',
        nonce: 'n',
        returnUrl: 'http://127.0.0.1:9/r',
        callbackUrl,
        loginHint: null,
      }),
    ).rejects.toMatchObject({ code: 'ERR_IDV_RESPONSE_INVALID' });
  });
});
