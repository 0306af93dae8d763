import { describe, expect, it } from 'vitest';
import { howToUse } from './credential.js';

describe('howToUse: what the subject does with the credential at their IdP', () => {
  it('tells a Keycloak subject after an MFA reset that the authenticator set-up comes before the new password', () => {
    const mfa = howToUse('keycloak_temporary_password', 'mfa_reset');
    expect(mfa).toMatch(/this as your password/);
    expect(mfa).toMatch(/set up your authenticator app .* and choose a new password/);
    const password = howToUse('keycloak_temporary_password', 'password_reset');
    expect(password).not.toMatch(/authenticator/);
    expect(password).toMatch(/choose a new password/);
  });

  it("names each IdP's own prompt: Okta's Temporary Access Code, Entra's Temporary Access Pass", () => {
    expect(howToUse('okta_tac', 'mfa_reset')).toMatch(/"Temporary Access Code".*set up a new sign-in method/);
    expect(howToUse('okta_tac', 'password_reset')).toMatch(/choose a new password/);
    expect(howToUse('entra_tap', 'mfa_reset')).toMatch(/Temporary Access Pass instead of your password/);
    expect(howToUse('entra_temporary_password', 'password_reset')).toMatch(
      /temporary password.*new password/,
    );
  });

  it('falls back to the generic text for a kind it does not know', () => {
    expect(howToUse('something_new', 'mfa_reset')).toBe(
      'Use this to sign in and set up a new sign-in method.',
    );
  });
});
