import type { IdpKind } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { ADAPTER_SETTINGS } from '../testing/idp-settings.js';
import { type OidcIdpSettings, resolveSignIn, signInResult } from './oidc.js';

const declared = (idp: IdpKind, issuer: string): OidcIdpSettings =>
  resolveSignIn({ issuer, clientId: 'c' }, ADAPTER_SETTINGS[idp].signIn);

/** Issue 22, item 4: an Okta step-up counts only when the returned acr and amr prove a second factor. */
const okta = declared('okta', 'https://example.okta.com');
const ASKED = 'urn:okta:loa:2fa:any';
const now = 1_780_000_000;
const claims = (acr: string, amr: string[]) => ({ sub: 'u1', acr, amr, auth_time: now });

describe('Okta step-up', () => {
  it('never counts urn:okta:loa:2fa:any:ifpossible, which lets one factor through', () => {
    expect(ADAPTER_SETTINGS.okta.signIn.stepUpAcrs).not.toContain('urn:okta:loa:2fa:any:ifpossible');
    const withIt = { ...okta, stepUpAcrs: [...okta.stepUpAcrs, 'urn:okta:loa:2fa:any:ifpossible'] };
    const result = signInResult(withIt, claims('urn:okta:loa:2fa:any:ifpossible', ['pwd', 'mfa']), 300, null);
    expect(result.steppedUp).toBe(false);
  });

  it('needs the acr that was asked for and an amr with mfa', () => {
    expect(signInResult(okta, claims(ASKED, ['pwd', 'mfa', 'swk']), 300, ASKED).steppedUp).toBe(true);
    // A different acr than the one asked for, even one the settings list.
    expect(signInResult(okta, claims('phr', ['pwd', 'mfa']), 300, ASKED).steppedUp).toBe(false);
    // The right acr without a second factor in amr.
    expect(signInResult(okta, claims(ASKED, ['pwd']), 300, ASKED).steppedUp).toBe(false);
    expect(signInResult(okta, { sub: 'u1', acr: ASKED, auth_time: now }, 300, ASKED).steppedUp).toBe(false);
    // Not fresh (no max_age asked) is never a step-up.
    expect(signInResult(okta, claims(ASKED, ['pwd', 'mfa']), null, ASKED).steppedUp).toBe(false);
  });

  it('keeps Keycloak and Entra as before: LoA 2 asked and returned; the acrs claim', () => {
    const keycloak = declared('keycloak', 'https://kc');
    expect(signInResult(keycloak, claims('2', []), 300, '2').steppedUp).toBe(true);
    expect(signInResult(keycloak, claims('1', []), 300, '2').steppedUp).toBe(false);
    const entra = declared('entra', 'https://e');
    expect(signInResult(entra, { ...claims('c1', ['pwd', 'mfa']), acrs: ['c1'] }, 300, null).steppedUp).toBe(
      true,
    );
    expect(signInResult(entra, claims('c1', ['pwd', 'mfa']), 300, null).steppedUp).toBe(false);
  });
});
