import type { IdpKind } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { ADAPTER_SETTINGS } from '../testing/idp-settings.js';
import { pagesConfigSchema, pagesSettingsFrom } from './config.js';
import { resolveSignIn } from './oidc.js';

const SECRET = 's'.repeat(40);

describe('pages configuration', () => {
  it('fills each IdP step-up from what its adapter declares and keeps secrets wrapped', () => {
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
    const resolved = (idp: IdpKind) => {
      const s = settings.oidc[idp];
      if (!s) throw new Error(`no ${idp}`);
      return resolveSignIn(s, ADAPTER_SETTINGS[idp].signIn);
    };
    expect(resolved('okta').stepUp.acrValues).toBe('urn:okta:loa:2fa:any');
    expect(resolved('entra').stepUp.claims).toEqual({
      id_token: { acrs: { essential: true, value: 'c7' } },
    });
    expect(resolved('entra').requiredAcrsClaim).toBe('c7');
    expect(resolved('entra').stepUpAcrs).toEqual(['mfa', 'c1', 'c7']);
    expect(resolved('entra').subjectClaim).toBe('oid');
    expect(resolved('keycloak').stepUp.acrValues).toBe('2');
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
