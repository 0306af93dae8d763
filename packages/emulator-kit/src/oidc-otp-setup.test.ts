import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowserlessAgent, formAction } from './browserless.js';
import { otpCodeForKey, otpKeyShown } from './oidc-authenticator.js';
import { type OidcFixture, startOidcFixture } from './oidc-fixture.js';

let fx: OidcFixture;
beforeAll(async () => {
  fx = await startOidcFixture();
});
afterAll(async () => {
  await fx.http.close();
});

describe('createOidcServer: an authenticator to set up first (mustConfigureOtp, CONFIGURE_TOTP)', () => {
  it('issues no code until the code of the key shown is typed; a wrong code binds nothing', async () => {
    fx.mustSetUpOtp.add('u3');
    const agent = createBrowserlessAgent(fx.redirectUri);
    const login = await agent.go(fx.authorizeUrl());
    const setup = await agent.go(formAction(login), { form: { login: 'carol', password: fx.password } });
    expect(setup.body).toContain('Mobile Authenticator Setup');
    const key = otpKeyShown(setup.body);
    expect(key).toEqual(expect.any(String));
    const empty = await agent.go(formAction(setup), { form: { totp: '' } });
    expect(empty.status).toBe(400);
    expect(empty.body).toContain('Please specify authenticator code.');
    const wrong = String((Number(otpCodeForKey(key ?? '')) + 1) % 1_000_000).padStart(6, '0');
    const refused = await agent.go(formAction(empty), { form: { totp: wrong } });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('Invalid authenticator code.');
    // The same key stays on the page until it is bound; nothing was bound and no code was issued.
    expect(otpKeyShown(refused.body)).toBe(key);
    expect(fx.bound.u3).toBeUndefined();
    expect(fx.mustSetUpOtp.has('u3')).toBe(true);
    expect(refused.stopped).toBe(false);
    const done = await agent.go(formAction(refused), {
      form: { totp: otpCodeForKey(key ?? ''), userLabel: 'Carol <phone>' },
    });
    expect(done.stopped).toBe(true);
    expect(new URL(done.url).searchParams.get('code')).toEqual(expect.any(String));
    expect(fx.bound.u3).toEqual({ key, label: 'Carol <phone>', clientId: 'gate' });
    expect(fx.mustSetUpOtp.has('u3')).toBe(false);
  });

  it('comes before the new password, and the set-up is not a second factor (amr stays pwd)', async () => {
    fx.users.u2 = { profile: { preferred_username: 'bob' }, factor: 'none', active: true };
    fx.mustSetUpOtp.add('u2');
    fx.mustChange.add('u2');
    const { idToken, steps } = await fx.signIn('bob', {}, { newPassword: 'Bob-Chosen-10' });
    expect(steps).toEqual(['login', 'configure-otp', 'update-password']);
    expect(idToken).toMatchObject({ sub: 'u2', amr: ['pwd'] });
    expect(fx.bound.u2?.key).toMatch(/^[A-Z2-7]{32}$/);
    expect(fx.mustChange.has('u2')).toBe(false);
  });

  it('shows every set-up a fresh key', async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 3; i += 1) {
      fx.mustSetUpOtp.add('u4');
      fx.users.u4 = { profile: { preferred_username: 'dave' }, factor: 'none', active: true };
      const agent = createBrowserlessAgent(fx.redirectUri);
      const login = await agent.go(fx.authorizeUrl());
      const setup = await agent.go(formAction(login), { form: { login: 'dave', password: fx.password } });
      keys.add(otpKeyShown(setup.body) ?? '');
    }
    expect(keys.size).toBe(3);
  });
});
