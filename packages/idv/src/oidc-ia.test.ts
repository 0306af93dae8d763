import { createBrowserlessAgent, formAction } from '@recovery-gate/emulator-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OidcIaEmulator, standardPersonas, startOidcIaEmulator } from '../emulator/index.js';
import { oidcIaConfigSchema } from './config.js';
import { type ContractPersona, idvProviderContract } from './contract.test-helper.js';
import { createOidcIaProvider } from './oidc-ia.js';

const RETURN = 'http://127.0.0.1:9/verify/idv/return';
const PERSONA: Record<ContractPersona, string> = {
  pass: 'ada-pass',
  liveness_fail: 'ada-liveness',
  expired: 'ada-expired',
  impostor: 'ada-impostor',
};

let emu: OidcIaEmulator;

beforeAll(async () => {
  emu = await startOidcIaEmulator({
    clients: [{ client_id: 'gate', client_secret: 'emulated-secret', redirect_uris: [RETURN] }],
    personas: standardPersonas('Ada', 'Lovelace', 'ada'),
    requirePar: true,
  });
});
afterAll(() => emu.close());

function provider(secret = 'emulated-secret') {
  const config = oidcIaConfigSchema.parse({
    kind: 'oidc_ia',
    displayName: 'Acme ID',
    issuer: emu.issuer,
    clientId: 'gate',
    clientSecret: secret,
    timeoutMs: 1000,
  });
  return createOidcIaProvider('acme', config);
}

async function capture(url: string, personaId: string): Promise<string> {
  const agent = createBrowserlessAgent(RETURN);
  const page = await agent.go(url);
  const done = await agent.go(formAction(page), { form: { persona: personaId, action: 'verify' } });
  if (!done.stopped) throw new Error(`no return: ${done.status} ${done.body.slice(0, 200)}`);
  return done.url;
}

const shared = { p: null as ReturnType<typeof provider> | null };

idvProviderContract('OpenID Connect for Identity Assurance 1.0 (emulated)', () => {
  shared.p ??= provider();
  return {
    provider: shared.p,
    record: { givenName: 'Ada', familyName: 'Lovelace', birthdate: '1988-06-14', employeeNumber: null },
    returnUrl: RETURN,
    callbackUrl: 'http://127.0.0.1:9/idv/callback',
    async complete(started, persona, binding) {
      const url = await capture(started.url, PERSONA[persona]);
      return [{ via: 'redirect', url: new URL(url), ...binding, pending: started.pending }];
    },
    async forge(started, binding) {
      // A code for this client from another verification, replayed with this case's state.
      const url = new URL(await capture(started.url, PERSONA.pass));
      url.searchParams.set('code', 'forged-code');
      return { via: 'redirect', url, ...binding, pending: started.pending };
    },
    fault(mode) {
      emu.server.fault = mode;
    },
    now: () => new Date().toISOString(),
  };
});

describe('OpenID IA specifics', () => {
  it('pushes the authorization request when the provider requires it, and requests verified claims by the claims parameter', async () => {
    const started = await provider().start({
      caseId: 'c',
      state: 's'.repeat(20),
      nonce: 'n'.repeat(20),
      returnUrl: RETURN,
      callbackUrl: RETURN,
      loginHint: null,
    });
    const url = new URL(started.url);
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(url.searchParams.get('claims')).toBeNull(); // pushed, not in the browser's URL
  });

  it('never receives the document number (the gate does not request it)', async () => {
    const p = provider();
    const binding = { state: 'state-doc-number-1', nonce: 'nonce-doc-number-1' };
    const started = await p.start({
      caseId: 'c',
      ...binding,
      returnUrl: RETURN,
      callbackUrl: RETURN,
      loginHint: null,
    });
    const url = await capture(started.url, 'ada-pass');
    const received = await p.receive({
      via: 'redirect',
      url: new URL(url),
      ...binding,
      pending: started.pending,
    });
    expect(JSON.stringify(received)).not.toContain('P1234567');
    expect(received).toMatchObject({
      status: 'completed',
      result: { document: { type: 'passport', issuingCountry: 'GB' } },
    });
  });

  it('refuses a replayed return (the code is single use) and a state or nonce for another case', async () => {
    const p = provider();
    const binding = { state: 'state-replay-000001', nonce: 'nonce-replay-000001' };
    const started = await p.start({
      caseId: 'c',
      ...binding,
      returnUrl: RETURN,
      callbackUrl: RETURN,
      loginHint: null,
    });
    const url = new URL(await capture(started.url, 'ada-pass'));
    const ret = { via: 'redirect' as const, url, ...binding, pending: started.pending };
    await expect(p.receive({ ...ret, state: 'another-case-state' })).rejects.toMatchObject({
      code: 'ERR_IDV_RESPONSE_INVALID',
    });
    await expect(p.receive({ ...ret, nonce: 'another-case-nonce' })).rejects.toMatchObject({
      code: 'ERR_IDV_RESPONSE_INVALID',
    });
    await expect(p.receive(ret)).rejects.toMatchObject({ code: 'ERR_IDV_RESPONSE_INVALID' }); // code already spent
  });

  it('reports a cancelled verification as failed, with the provider error code only', async () => {
    const p = provider();
    const binding = { state: 'state-cancel-000001', nonce: 'nonce-cancel-000001' };
    const started = await p.start({
      caseId: 'c',
      ...binding,
      returnUrl: RETURN,
      callbackUrl: RETURN,
      loginHint: null,
    });
    const agent = createBrowserlessAgent(RETURN);
    const page = await agent.go(started.url);
    const done = await agent.go(formAction(page), { form: { persona: 'ada-pass', action: 'cancel' } });
    const received = await p.receive({
      via: 'redirect',
      url: new URL(done.url),
      ...binding,
      pending: started.pending,
    });
    expect(received).toEqual({
      status: 'failed',
      state: binding.state,
      requestId: null,
      transactionId: null,
      reason: 'access_denied',
    });
  });

  it('refuses a wrong client secret as a refused request, not as a verification', async () => {
    const p = provider('wrong-secret');
    const binding = { state: 'state-secret-000001', nonce: 'nonce-secret-000001' };
    await expect(
      p.start({ caseId: 'c', ...binding, returnUrl: RETURN, callbackUrl: RETURN, loginHint: null }),
    ).rejects.toMatchObject({ code: 'ERR_IDV_UNAVAILABLE' });
  });
});
