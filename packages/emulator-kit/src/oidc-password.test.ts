import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowserlessAgent, formAction } from './browserless.js';
import { type OidcFixture, startOidcFixture } from './oidc-fixture.js';

let fx: OidcFixture;
beforeAll(async () => {
  fx = await startOidcFixture();
});
afterAll(async () => {
  await fx.http.close();
});

describe('createOidcServer: a password that must be changed (mustChangePassword)', () => {
  it('issues nothing until a new password is chosen, then the old one no longer signs in', async () => {
    fx.mustChange.add('u3');
    await expect(fx.signIn('carol')).rejects.toThrow(/asks for a new password/);
    expect(fx.mustChange.has('u3')).toBe(true);
    const { idToken, steps } = await fx.signIn('carol', {}, { newPassword: 'Chosen-Passw0rd!' });
    expect(steps).toEqual(['login', 'update-password']);
    expect(idToken).toMatchObject({ sub: 'u3', amr: ['pwd'] });
    expect(fx.mustChange.has('u3')).toBe(false);
    await expect(fx.signIn('carol')).rejects.toThrow(/login step \(401\)/);
    const again = await fx.signIn('carol', {}, { password: 'Chosen-Passw0rd!' });
    expect(again.steps).toEqual(['login']);
  });

  it('runs after the second factor and keeps the stepped-up acr', async () => {
    fx.mustChange.add('u4');
    const { idToken, steps } = await fx.signIn(
      'dave',
      { acr_values: 'urn:okta:loa:2fa:any' },
      { newPassword: 'Dave-Chosen-1' },
    );
    expect(steps).toEqual(['login', 'otp', 'update-password']);
    expect(idToken).toMatchObject({ sub: 'u4', acr: 'urn:okta:loa:2fa:any', amr: ['pwd', 'otp', 'mfa'] });
    expect(fx.chosen.u4).toBe('Dave-Chosen-1');
    expect(fx.changedFor.u4).toBe('gate');
  });

  it('refuses a mismatched confirmation and a policy violation, without echoing the password', async () => {
    fx.mustChange.add('u2');
    fx.users.u2 = { profile: { preferred_username: 'bob' }, factor: 'none', active: true };
    const agent = createBrowserlessAgent(fx.redirectUri);
    const login = await agent.go(fx.authorizeUrl());
    const form = await agent.go(formAction(login), { form: { login: 'bob', password: fx.password } });
    expect(form.body).toContain('Update password');
    const mismatch = await agent.go(formAction(form), {
      form: { 'password-new': 'Secret-One-1', 'password-confirm': 'Secret-Two-2' },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toContain('Passwords don&#39;t match.');
    expect(mismatch.body).not.toContain('Secret-One-1');
    const short = await agent.go(formAction(mismatch), {
      form: { 'password-new': 'short', 'password-confirm': 'short' },
    });
    expect(short.status).toBe(400);
    expect(short.body).toContain('minimum length 8');
    expect(fx.mustChange.has('u2')).toBe(true);
    expect(fx.chosen.u2).toBeUndefined();
    const done = await agent.go(formAction(short), {
      form: { 'password-new': 'Bob-Chosen-9', 'password-confirm': 'Bob-Chosen-9' },
    });
    expect(done.stopped).toBe(true);
    expect(new URL(done.url).searchParams.get('code')).toEqual(expect.any(String));
    expect(fx.mustChange.has('u2')).toBe(false);
  });
});
