import { describe, expect, it } from 'vitest';
import { pagesConfigSchema, pagesSettingsFrom } from './config.js';

const SECRET = 's'.repeat(40);

describe('pages configuration', () => {
  it('fills each IdP step-up from its defaults and keeps secrets wrapped', () => {
    const settings = pagesSettingsFrom(
      pagesConfigSchema.parse({
        sessionSecret: SECRET,
        signIn: {
          okta: { issuer: 'https://acme.okta.com/oauth2/default', clientId: 'pages' },
          entra: {
            issuer: 'https://login.microsoftonline.com/t/v2.0',
            clientId: 'app',
            authenticationContext: 'c7',
          },
          keycloak: {
            issuer: 'https://sso.acme.example/realms/acme',
            clientId: 'gate',
            clientSecret: 'kc-secret-value',
          },
        },
        viewer: { idp: 'okta' },
      }),
    );
    expect(settings.oidc.okta?.stepUp.acrValues).toBe('urn:okta:loa:2fa:any');
    expect(settings.oidc.entra?.stepUp.claims).toEqual({
      id_token: { acrs: { essential: true, value: 'c7' } },
    });
    expect(settings.oidc.entra?.requiredAcrsClaim).toBe('c7');
    expect(settings.oidc.entra?.subjectClaim).toBe('oid');
    expect(settings.oidc.keycloak?.stepUp.acrValues).toBe('2');
    expect(String(settings.oidc.keycloak?.clientSecret)).not.toContain('kc-secret-value');
    expect(settings.oidc.keycloak?.clientSecret?.reveal()).toBe('kc-secret-value');
    expect(JSON.stringify(settings)).not.toContain(SECRET);
    expect(settings.viewer.groups).toEqual(['SecurityTeam', 'HelpDesk-Leads']);
  });

  it('refuses a short session secret and unknown keys', () => {
    expect(
      pagesConfigSchema.safeParse({ sessionSecret: 'short', signIn: {}, viewer: { idp: 'okta' } }).success,
    ).toBe(false);
    const typo = { sessionSecret: SECRET, signIn: {}, viewer: { idp: 'okta' }, viewers: {} };
    expect(pagesConfigSchema.safeParse(typo).success).toBe(false);
  });
});
