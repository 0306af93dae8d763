import { signInBrowserless } from '@recovery-gate/emulator-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, type Emulator, startEmulator } from './index.js';
import { LOCKOUT_ATTEMPTS } from './oidc.js';

const open: Emulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function signIn(emu: Emulator, login: string, params: Record<string, string> = {}) {
  return signInBrowserless({
    authorizationEndpoint: emu.oidc.server.endpoints.authorization,
    tokenEndpoint: emu.oidc.tokenEndpoint,
    clientId: emu.oidc.clientId,
    redirectUri: `${emu.url}/test-app/callback`,
    login,
    password: DEMO_PASSWORD,
    params,
    approvePush: () => {
      emu.control.answerPush(login, 'approve');
    },
  });
}

describe('/oauth2/default authorization server', () => {
  it('serves Okta-shaped discovery', async () => {
    const emu = await startEmulator();
    open.push(emu);
    const discovery = (await (
      await fetch(`${emu.oidc.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(`${emu.url}/oauth2/default`);
    expect(discovery.token_endpoint).toBe(`${emu.url}/oauth2/default/v1/token`);
    expect(discovery.authorization_endpoint).toBe(`${emu.url}/oauth2/default/v1/authorize`);
  });

  it('signs a seeded user in with an Okta Verify push for step-up, and logs the sign-in', async () => {
    const emu = await startEmulator();
    open.push(emu);
    const result = await signIn(emu, 'alice@example.com', { acr_values: 'urn:okta:loa:2fa:any' });
    expect(result.steps).toContain('push');
    expect(result.idToken.sub).toBe(emu.control.userId('alice@example.com'));
    expect(result.idToken.acr).toBe('urn:okta:loa:2fa:any');
    const start = emu.control.state.log
      .map((s) => s.event as { eventType: string; outcome: { result: string } })
      .find((e) => e.eventType === 'user.session.start');
    expect(start?.outcome.result).toBe('SUCCESS');
  });

  it('stops refreshing tokens of a suspended user, and refuses a wrong password', async () => {
    const emu = await startEmulator();
    open.push(emu);
    const { refreshToken } = await emu.control.mintSession('bob@example.com');
    expect(await emu.oidc.server.refreshTokenWorks(refreshToken)).toBe(true);
    expect(await emu.control.nativeAction('carol@example.com', 'bob@example.com', { kind: 'suspend' })).toBe(
      200,
    );
    expect(await emu.oidc.server.refreshTokenWorks(refreshToken)).toBe(false);
    await expect(
      signInBrowserless({
        authorizationEndpoint: emu.oidc.server.endpoints.authorization,
        tokenEndpoint: emu.oidc.tokenEndpoint,
        clientId: emu.oidc.clientId,
        redirectUri: `${emu.url}/test-app/callback`,
        login: 'alice@example.com',
        password: 'wrong-password',
      }),
    ).rejects.toThrow();
  });

  it("locks the account after repeated wrong passwords, as Okta's password policy does", async () => {
    const emu = await startEmulator();
    open.push(emu);
    for (let i = 0; i < LOCKOUT_ATTEMPTS; i++) {
      await signInBrowserless({
        authorizationEndpoint: emu.oidc.server.endpoints.authorization,
        tokenEndpoint: emu.oidc.tokenEndpoint,
        clientId: emu.oidc.clientId,
        redirectUri: `${emu.url}/test-app/callback`,
        login: 'dave@example.com',
        password: `wrong-${i}`,
      }).catch(() => undefined);
    }
    expect(emu.control.state.users.get(emu.control.userId('dave@example.com'))?.status).toBe('LOCKED_OUT');
    expect(emu.control.state.log.at(-1)?.event).toMatchObject({ eventType: 'user.account.lock' });
  });
});
