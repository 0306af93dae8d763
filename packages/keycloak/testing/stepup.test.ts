import { signInBrowserless } from '@recovery-gate/emulator-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_CLIENT_ID, APP_CLIENT_SECRET, DEMO_PASSWORD } from '../emulator/index.js';
import { APP_REDIRECT_URI, currentOtp } from '../emulator/oidc-kit.js';
import { enrolRecoveryCodeSet, RECOVERY_CODES_TYPE } from '../emulator/recovery-codes.js';
import { createProvider } from '../src/index.js';
import { type EmulatorPair, startTestEnvironment } from './harness.js';

let pair: EmulatorPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

async function stepUp(p: EmulatorPair, login: string, recoveryCode?: string) {
  const user = p.emu.control.realm.users.get(p.emu.control.userId(login));
  return signInBrowserless({
    authorizationEndpoint: p.emu.oidc.authorizationEndpoint,
    tokenEndpoint: p.emu.oidc.tokenEndpoint,
    clientId: APP_CLIENT_ID,
    clientSecret: APP_CLIENT_SECRET,
    redirectUri: APP_REDIRECT_URI,
    login,
    password: DEMO_PASSWORD,
    params: { acr_values: '2' },
    otp: () => (user === undefined ? undefined : currentOtp(user)),
    ...(recoveryCode === undefined ? {} : { recoveryCode: () => recoveryCode }),
  });
}

function remaining(p: EmulatorPair, login: string): unknown {
  const user = p.emu.control.realm.users.get(p.emu.control.userId(login));
  const credential = user?.credentials.find((c) => c.type === RECOVERY_CODES_TYPE);
  return credential === undefined ? 'gone' : JSON.parse(credential.credentialData ?? '{}').remaining;
}

describe('realm OIDC step-up (the verification page sign-in)', () => {
  it('asks for the bound OTP when acr 2 is requested and says so in the ID token', async () => {
    pair = await startTestEnvironment({ createProvider });
    const result = await stepUp(pair, 'alice');
    expect(result.steps).toContain('otp');
    expect(result.idToken.acr).toBe('2');
    expect(result.idToken.sub).toBe(pair.emu.control.userId('alice'));
    expect(result.idToken.iss).toBe(pair.emu.oidc.issuer);
  });

  it('after the adapter revokes, the code-flow refresh token is refused too', async () => {
    pair = await startTestEnvironment({ createProvider });
    const result = await stepUp(pair, 'alice');
    const refresh = String(result.tokens.refresh_token);
    expect(await pair.emu.oidc.server.refreshTokenWorks(refresh)).toBe(true);
    await pair.adapter.revokeSessions(pair.emu.control.userId('alice'), {
      sessions: true,
      refreshTokens: true,
      grants: true,
    });
    expect(await pair.emu.oidc.server.refreshTokenWorks(refresh)).toBe(false);
  });

  it('a suspended user cannot sign in at all', async () => {
    pair = await startTestEnvironment({ createProvider });
    await pair.adapter.suspend(pair.emu.control.userId('alice'));
    await expect(stepUp(pair, 'alice')).rejects.toThrow();
  });

  it('a native recovery code finishes the second factor once: acr 2, amr names it, the code is spent', async () => {
    pair = await startTestEnvironment({ createProvider });
    const alice = pair.emu.control.realm.users.get(pair.emu.control.userId('alice'));
    if (alice === undefined) throw new Error('no alice');
    const { codes } = enrolRecoveryCodeSet(alice, pair.emu.control.now(), 3);
    const first = codes[0] as string;
    const result = await stepUp(pair, 'alice', first);
    expect(result.steps).toEqual(['login', 'recovery_code']);
    expect(result.idToken.acr).toBe('2');
    expect(result.idToken.amr).toEqual(['pwd', 'recovery-code']);
    expect(remaining(pair, 'alice')).toBe(2);
    await expect(stepUp(pair, 'alice', first)).rejects.toThrow(/recovery-code step/);
    // Without dashes and in lower case, as people type them, another code still works.
    const second = (codes[1] as string).replaceAll('-', '').toLowerCase();
    expect((await stepUp(pair, 'alice', second)).idToken.amr).toContain('recovery-code');
    expect(remaining(pair, 'alice')).toBe(1);
  });

  it('without a reference value on the recovery-code form the amr does not name it (the AMR mapper has none)', async () => {
    pair = await startTestEnvironment({ createProvider });
    const { realm } = pair.emu.control;
    const form = realm.authentication.flows
      .get(realm.settings.browserFlow)
      ?.find((e) => e.providerId === 'auth-recovery-authn-code-form');
    const config =
      form?.authenticationConfig === undefined
        ? undefined
        : realm.authentication.configs.get(form.authenticationConfig);
    if (config === undefined) throw new Error('the seeded realm has no recovery-code reference value');
    config.config = {};
    const alice = realm.users.get(pair.emu.control.userId('alice'));
    if (alice === undefined) throw new Error('no alice');
    const { codes } = enrolRecoveryCodeSet(alice, pair.emu.control.now(), 2);
    const result = await stepUp(pair, 'alice', codes[0] as string);
    expect(result.steps).toEqual(['login', 'recovery_code']);
    expect(result.idToken.amr).toEqual(['pwd']);
  });

  it('the last code removes the credential and requires new codes, as Keycloak does', async () => {
    pair = await startTestEnvironment({ createProvider });
    const alice = pair.emu.control.realm.users.get(pair.emu.control.userId('alice'));
    if (alice === undefined) throw new Error('no alice');
    const { codes } = enrolRecoveryCodeSet(alice, pair.emu.control.now(), 1);
    await stepUp(pair, 'alice', codes[0] as string);
    expect(remaining(pair, 'alice')).toBe('gone');
    expect(alice.requiredActions).toContain('CONFIGURE_RECOVERY_AUTHN_CODES');
  });

  it('a user without codes is never offered the recovery-code step', async () => {
    pair = await startTestEnvironment({ createProvider });
    const result = await stepUp(pair, 'alice', 'AAAA-BBBB-CCCC');
    expect(result.steps).toEqual(['login', 'otp']);
    expect(result.idToken.amr).not.toContain('recovery-code');
  });
});
