import { signInBrowserless } from '@recovery-gate/emulator-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { createProvider } from '../src/index.js';
import { type EmulatorPair, startPair } from './harness.js';
import { APP_CLIENT_ID, APP_CLIENT_SECRET, DEMO_PASSWORD } from './index.js';
import { APP_REDIRECT_URI, currentOtp } from './oidc-kit.js';

let pair: EmulatorPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

async function stepUp(p: EmulatorPair, login: string) {
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
  });
}

describe('realm OIDC step-up (the verification page sign-in)', () => {
  it('asks for the bound OTP when acr 2 is requested and says so in the ID token', async () => {
    pair = await startPair({ createProvider });
    const result = await stepUp(pair, 'alice');
    expect(result.steps).toContain('otp');
    expect(result.idToken.acr).toBe('2');
    expect(result.idToken.sub).toBe(pair.emu.control.userId('alice'));
    expect(result.idToken.iss).toBe(pair.emu.oidc.issuer);
  });

  it('after the adapter revokes, the code-flow refresh token is refused too', async () => {
    pair = await startPair({ createProvider });
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
    pair = await startPair({ createProvider });
    await pair.adapter.suspend(pair.emu.control.userId('alice'));
    await expect(stepUp(pair, 'alice')).rejects.toThrow();
  });
});
