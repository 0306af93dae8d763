import { signInBrowserless } from '@recovery-gate/emulator-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleAgent } from './agent.js';
import { type Emulator, startEmulator } from './index.js';
import { APP_REDIRECT_URI, currentOtp } from './oidc-kit.js';
import { APP_CLIENT_ID, APP_CLIENT_SECRET, DEMO_PASSWORD } from './seed.js';

const TEMPORARY = 'Helpdesk-Temp-2026!';
let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

function signIn(e: Emulator, password: string, extra: { newPassword?: string; acr?: string } = {}) {
  const user = e.control.realm.users.get(e.control.userId('alice'));
  return signInBrowserless({
    authorizationEndpoint: e.oidc.authorizationEndpoint,
    tokenEndpoint: e.oidc.tokenEndpoint,
    clientId: APP_CLIENT_ID,
    clientSecret: APP_CLIENT_SECRET,
    redirectUri: APP_REDIRECT_URI,
    login: 'alice',
    password,
    ...(extra.acr === undefined ? {} : { params: { acr_values: extra.acr } }),
    ...(extra.newPassword === undefined ? {} : { newPassword: extra.newPassword }),
    otp: () => (user === undefined ? undefined : currentOtp(user)),
  });
}

/** alice after the help desk set a temporary password (reset-password with temporary: true). */
async function withTemporaryPassword(): Promise<Emulator> {
  const e = await startEmulator({ guardrailsApplied: false });
  expect(await consoleAgent(e, 'frank').resetPassword(e.control.userId('alice'))).toBe(204);
  const alice = e.control.realm.users.get(e.control.userId('alice'));
  expect(alice?.requiredActions).toContain('UPDATE_PASSWORD');
  return e;
}

const sessionsOf = (e: Emulator) =>
  [...e.control.realm.sessions.values()].filter((s) => s.userId === e.control.userId('alice')).length;

describe('sign-in with a temporary password runs UPDATE_PASSWORD first (Keycloak required actions)', () => {
  it('issues no code and no session until a new password is set', async () => {
    emu = await withTemporaryPassword();
    const before = sessionsOf(emu);
    await expect(signIn(emu, TEMPORARY)).rejects.toThrow(/asks for a new password/);
    await expect(signIn(emu, TEMPORARY, { acr: '2' })).rejects.toThrow(/asks for a new password/);
    expect(sessionsOf(emu)).toBe(before);
    expect(emu.control.realm.users.get(emu.control.userId('alice'))?.requiredActions).toContain(
      'UPDATE_PASSWORD',
    );
  });

  it('refuses a new password the realm policy refuses, and keeps the action', async () => {
    emu = await withTemporaryPassword();
    await expect(signIn(emu, TEMPORARY, { newPassword: 'short' })).rejects.toThrow(/refused \(400\)/);
    const alice = emu.control.realm.users.get(emu.control.userId('alice'));
    expect(alice?.requiredActions).toContain('UPDATE_PASSWORD');
    expect(alice?.credentials.find((c) => c.type === 'password')?.secret).toBe(TEMPORARY);
  });

  it('after the new password the action is gone, the temporary one is refused and the new one signs in', async () => {
    emu = await withTemporaryPassword();
    const alice = emu.control.realm.users.get(emu.control.userId('alice'));
    const credentialId = alice?.credentials.find((c) => c.type === 'password')?.id;
    emu.control.realm.settings.eventsEnabled = true;
    const done = await signIn(emu, TEMPORARY, { newPassword: 'Chosen-By-Alice-1', acr: '2' });
    expect(done.steps).toEqual(['login', 'otp', 'update-password']);
    expect(done.idToken.acr).toBe('2');
    expect(alice?.requiredActions).not.toContain('UPDATE_PASSWORD');
    // Keycloak updates the password credential in place: the same id, a new secret.
    expect(alice?.credentials.find((c) => c.type === 'password')).toMatchObject({
      id: credentialId,
      secret: 'Chosen-By-Alice-1',
    });
    const types = emu.control.realm.events.filter((e) => e.userId === alice?.id).map((e) => e.type);
    expect(types.slice(-2)).toEqual(['UPDATE_PASSWORD', 'LOGIN']);
    await expect(signIn(emu, TEMPORARY)).rejects.toThrow(/login step \(401\)/);
    expect((await signIn(emu, 'Chosen-By-Alice-1')).steps).toEqual(['login']);
  });

  it('the password grant refuses the account while the action is pending', async () => {
    emu = await withTemporaryPassword();
    const res = await fetch(emu.oidc.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${APP_CLIENT_ID}:${APP_CLIENT_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'password', username: 'alice', password: TEMPORARY }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_description: 'Account is not fully set up' });
    expect(DEMO_PASSWORD).not.toBe(TEMPORARY);
  });
});

describe('an MFA reset: CONFIGURE_TOTP runs at sign-in, before the new password (Keycloak required actions)', () => {
  /** alice after an MFA reset: no OTP left, a temporary password, and CONFIGURE_TOTP required. */
  async function afterMfaReset(): Promise<Emulator> {
    const e = await withTemporaryPassword();
    const alice = e.control.realm.users.get(e.control.userId('alice'));
    if (alice === undefined) throw new Error('no alice');
    alice.credentials = alice.credentials.filter((c) => c.type !== 'otp');
    alice.requiredActions.push('CONFIGURE_TOTP');
    return e;
  }

  it('binds a new authenticator only through the set-up step, then the next step-up asks for its code', async () => {
    emu = await afterMfaReset();
    const alice = emu.control.realm.users.get(emu.control.userId('alice'));
    emu.control.realm.settings.eventsEnabled = true;
    const before = sessionsOf(emu);
    // Without a new password the sign-in stops at that form: the authenticator is bound, no session yet.
    await expect(signIn(emu, TEMPORARY)).rejects.toThrow(/asks for a new password/);
    expect(sessionsOf(emu)).toBe(before);
    expect(alice?.requiredActions).toEqual(['UPDATE_PASSWORD']);
    const otp = alice?.credentials.filter((c) => c.type === 'otp') ?? [];
    expect(otp).toHaveLength(1);
    expect(otp[0]?.userLabel).toBe('phone');
    const done = await signIn(emu, TEMPORARY, { newPassword: 'Chosen-By-Alice-2' });
    expect(done.steps).toEqual(['login', 'update-password']);
    const types = emu.control.realm.events.filter((e) => e.userId === alice?.id).map((e) => e.type);
    expect(types).toContain('UPDATE_TOTP');
    const stepUp = await signIn(emu, 'Chosen-By-Alice-2', { acr: '2' });
    expect(stepUp.steps).toEqual(['login', 'otp']);
    expect(stepUp.idToken.acr).toBe('2');
  });
});
