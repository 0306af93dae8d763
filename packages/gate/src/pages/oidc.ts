/**
 * OIDC sign-in for the pages through each IdP (openid-client v6): authorization code + PKCE (S256), state
 * and nonce, step-up by `acr_values` / `max_age` or a `claims` request (Entra authentication contexts).
 * Plain http is allowed only for loopback issuers (emulators, tests).
 * @module
 */

import { GateError, type IdpKind, type Secret, type SignInDefaults } from '@recovery-gate/core';
import * as client from 'openid-client';

/** How the pages sign people in through one IdP. */
export interface OidcIdpSettings {
  /** The issuer (discovery at `${issuer}/.well-known/openid-configuration`). */
  readonly issuer: string;
  readonly clientId: string;
  /** A confidential client's secret; public clients (PKCE only) have none. */
  readonly clientSecret?: Secret;
  /** @default 'openid profile email' */
  readonly scope?: string;
  /** What to ask for when the page needs step-up. */
  readonly stepUp: {
    /** `acr_values` to request (e.g. Okta `urn:okta:loa:2fa:any`, Keycloak `2`). */
    readonly acrValues?: string;
    /** A `claims` request (e.g. Entra `{ id_token: { acrs: { essential: true, value: 'c1' } } }`). */
    readonly claims?: Readonly<Record<string, unknown>>;
    /** `max_age` in seconds: how fresh the authentication must be. @default 300 */
    readonly maxAgeSeconds?: number;
  };
  /** acr values that prove a step-up (multi-factor) sign-in. */
  readonly stepUpAcrs: readonly string[];
  /** amr values of which one must be present after step-up (Okta: `mfa`); not checked when unset. */
  readonly stepUpAmrs?: readonly string[];
  /** amr values meaning one of the IdP's own saved recovery codes finished the sign-in (Keycloak). */
  readonly recoveryCodeAmrs?: readonly string[];
  /** An Entra-style `acrs` claim value that must be present after step-up, when set. */
  readonly requiredAcrsClaim?: string;
  /** The claim naming the person as the IdP's user id (Entra: `oid`, since its `sub` is pairwise). @default 'sub' */
  readonly subjectClaim?: string;
}

/**
 * The tenant's sign-in for one IdP: issuer and client, and any step-up value to override. What is left out
 * comes from the adapter's declared {@link SignInDefaults} (`provider.settings.signIn`).
 */
export type OidcSignIn = Omit<OidcIdpSettings, 'stepUp' | 'stepUpAcrs'> & {
  readonly stepUp?: OidcIdpSettings['stepUp'];
  readonly stepUpAcrs?: readonly string[];
  /** The authentication context to step up to, for IdPs that step up by context (Entra). */
  readonly authenticationContext?: string;
};

/**
 * The full sign-in settings: the tenant's values over the adapter's defaults. An IdP that steps up by
 * authentication context gets the `claims` request and the `acrs` check for the context.
 * @throws GateError ERR_CONFIG_INVALID when neither says which acr values prove a step-up
 */
export function resolveSignIn(s: OidcSignIn, d: SignInDefaults | undefined): OidcIdpSettings {
  const context =
    d?.authenticationContext === undefined ? undefined : (s.authenticationContext ?? d.authenticationContext);
  const stepUpAcrs =
    s.stepUpAcrs ?? (d && [...d.stepUpAcrs, ...(s.authenticationContext ? [s.authenticationContext] : [])]);
  if (stepUpAcrs === undefined) {
    throw new GateError('ERR_CONFIG_INVALID', 'No adapter declares how to check a step-up sign-in here.');
  }
  const { authenticationContext: _context, ...own } = s;
  return {
    ...(d?.stepUpAmrs === undefined ? {} : { stepUpAmrs: d.stepUpAmrs }),
    ...(d?.recoveryCodeAmrs === undefined ? {} : { recoveryCodeAmrs: d.recoveryCodeAmrs }),
    ...(d?.subjectClaim === undefined ? {} : { subjectClaim: d.subjectClaim }),
    ...(context === undefined ? {} : { requiredAcrsClaim: context }),
    ...own,
    stepUp: {
      ...d?.stepUp,
      ...(context === undefined
        ? {}
        : { claims: { id_token: { acrs: { essential: true, value: context } } } }),
      ...s.stepUp,
    },
    stepUpAcrs,
  };
}

/** What a finished sign-in tells the pages. */
export interface SignInResult {
  readonly sub: string;
  readonly name: string | null;
  readonly acr: string | null;
  readonly amr: readonly string[];
  readonly authTime: number | null;
  /** True when the sign-in met the step-up requirement (acr, acrs; max_age is checked by openid-client). */
  readonly steppedUp: boolean;
  /** True when the IdP's amr says one of its own saved recovery codes finished the sign-in. */
  readonly usedRecoveryCode: boolean;
}

/** How strong and fresh a sign-in must be. */
export type SignInMode = 'plain' | 'fresh' | 'stepup';

/** An authorization request to send the browser to, with what to remember in the session. */
export interface SignInStart {
  readonly url: string;
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly maxAge: number | null;
  /** The `acr_values` asked for; the returned acr must be one of them. */
  readonly acrValues: string | null;
}

/** The pages' OIDC clients, one per IdP, discovered lazily. */
export interface OidcClients {
  has(idp: string): idp is IdpKind;
  /** `stepup`: fresh and multi-factor; `fresh`: a new authentication (`prompt=login`, `max_age`); `plain`: SSO is fine. */
  start(idp: IdpKind, redirectUri: string, mode: SignInMode): Promise<SignInStart>;
  finish(
    idp: IdpKind,
    callbackUrl: URL,
    expected: {
      readonly state: string;
      readonly nonce: string;
      readonly verifier: string;
      readonly maxAge: number | null;
      readonly acrValues?: string | null;
    },
  ): Promise<SignInResult>;
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/**
 * Creates the clients; `defaults` gives each IdP's declared step-up (read when a sign-in starts).
 * @throws GateError ERR_CONFIG_INVALID when an issuer is plain http and not loopback
 */
export function createOidcClients(
  settings: Partial<Record<IdpKind, OidcSignIn>>,
  defaults: (idp: IdpKind) => SignInDefaults | undefined = () => undefined,
): OidcClients {
  const configs = new Map<IdpKind, Promise<client.Configuration>>();
  const settingsOf = (idp: IdpKind): OidcIdpSettings => {
    const s = settings[idp];
    if (!s) throw new GateError('ERR_CONFIG_INVALID', `No sign-in is configured for ${idp}.`);
    return resolveSignIn(s, defaults(idp));
  };
  const configOf = (idp: IdpKind): Promise<client.Configuration> => {
    const known = configs.get(idp);
    if (known) return known;
    const s = settingsOf(idp);
    const issuer = new URL(s.issuer);
    const insecure = issuer.protocol === 'http:';
    if (insecure && !isLoopback(issuer)) {
      throw new GateError('ERR_CONFIG_INVALID', 'An http issuer is only allowed on loopback.');
    }
    const auth = s.clientSecret ? client.ClientSecretPost(s.clientSecret.reveal()) : client.None();
    const pending = client
      .discovery(
        issuer,
        s.clientId,
        undefined,
        auth,
        insecure ? { execute: [client.allowInsecureRequests] } : {},
      )
      .catch((error: unknown) => {
        configs.delete(idp);
        throw new GateError('ERR_IDP_UNAVAILABLE', 'The identity provider cannot be reached.', {
          cause: error,
        });
      });
    configs.set(idp, pending);
    return pending;
  };
  return {
    has: (idp): idp is IdpKind => settings[idp as IdpKind] !== undefined,
    async start(idp, redirectUri, mode) {
      const s = settingsOf(idp);
      const config = await configOf(idp);
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const params: Record<string, string> = {
        redirect_uri: redirectUri,
        scope: s.scope ?? 'openid profile email',
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      };
      let maxAge: number | null = null;
      if (mode !== 'plain') {
        maxAge = s.stepUp.maxAgeSeconds ?? 300;
        params.max_age = String(maxAge);
        params.prompt = 'login';
      }
      let acrValues: string | null = null;
      if (mode === 'stepup') {
        if (s.stepUp.acrValues) {
          params.acr_values = s.stepUp.acrValues;
          acrValues = s.stepUp.acrValues;
        }
        if (s.stepUp.claims) params.claims = JSON.stringify(s.stepUp.claims);
      }
      const url = client.buildAuthorizationUrl(config, params).href;
      return { url, state, nonce, verifier, maxAge, acrValues };
    },
    async finish(idp, callbackUrl, expected) {
      const s = settingsOf(idp);
      const config = await configOf(idp);
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: expected.verifier,
          expectedState: expected.state,
          expectedNonce: expected.nonce,
          idTokenExpected: true,
          ...(expected.maxAge === null ? {} : { maxAge: expected.maxAge }),
        });
      } catch (error) {
        throw new GateError('ERR_SIGN_IN_FAILED', 'The sign-in could not be completed.', { cause: error });
      }
      const claims = tokens.claims();
      const subject = claims?.[s.subjectClaim ?? 'sub'];
      if (!claims || typeof subject !== 'string' || subject.length === 0) {
        throw new GateError('ERR_SIGN_IN_FAILED', 'The sign-in returned no subject.');
      }
      return signInResult(s, { ...claims, sub: subject }, expected.maxAge, expected.acrValues ?? null);
    },
  };
}

/** acr values that never prove a second factor, whatever a configuration lists (Okta: MFA only "if possible"). */
function neverMfa(acr: string): boolean {
  return acr.endsWith(':ifpossible') || acr.startsWith('urn:okta:loa:1fa');
}

/**
 * What an ID token's claims prove. Step-up needs a fresh sign-in, an acr the settings count that is not
 * one of {@link neverMfa}, equal to one asked for (when acr_values were sent), the amr the settings name
 * and the Entra `acrs` value.
 */
export function signInResult(
  s: OidcIdpSettings,
  claims: Readonly<Record<string, unknown>>,
  maxAge: number | null,
  asked: string | null,
): SignInResult {
  const acr = typeof claims.acr === 'string' ? claims.acr : null;
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string') : [];
  const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : null;
  const acrs = Array.isArray(claims.acrs) ? claims.acrs : [];
  const acrOk =
    acr !== null &&
    s.stepUpAcrs.includes(acr) &&
    !neverMfa(acr) &&
    (asked === null || asked.split(' ').includes(acr));
  const amrOk = s.stepUpAmrs === undefined || amr.some((value) => s.stepUpAmrs?.includes(value));
  const acrsOk = s.requiredAcrsClaim === undefined || acrs.includes(s.requiredAcrsClaim);
  const name =
    typeof claims.name === 'string'
      ? claims.name
      : typeof claims.preferred_username === 'string'
        ? claims.preferred_username
        : typeof claims.email === 'string'
          ? claims.email
          : null;
  return {
    sub: claims.sub as string,
    name,
    acr,
    amr,
    authTime,
    steppedUp: maxAge !== null && authTime !== null && acrOk && amrOk && acrsOk,
    usedRecoveryCode: amr.some((value) => s.recoveryCodeAmrs?.includes(value) === true),
  };
}
