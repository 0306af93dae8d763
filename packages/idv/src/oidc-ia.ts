/**
 * An identity-verification provider speaking OpenID Connect for Identity Assurance 1.0 (openid-client
 * v6): authorization code + PKCE, state and nonce, verified claims requested through the `claims`
 * parameter, pushed authorization requests when configured or required by the provider's metadata.
 * Plain http only for loopback issuers (emulators, tests).
 * @module
 */

import { GateError, type IdvProvider, type IdvReceived } from '@recovery-gate/core';
import * as client from 'openid-client';
import type { OidcIaConfig } from './config.js';
import { type Fetch, timedFetch } from './http.js';
import { normaliseVerifiedClaims, VERIFIED_CLAIMS_REQUEST } from './oidc-ia-claims.js';

/** The GateError a wrapped failure carries (openid-client wraps what its fetch throws), if any. */
function gateErrorIn(error: unknown): GateError | null {
  for (let e: unknown = error, i = 0; e instanceof Error && i < 5; e = e.cause, i += 1) {
    if (e instanceof GateError) return e;
  }
  return null;
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** Options for {@link createOidcIaProvider}. */
export interface OidcIaOptions {
  /** The fetch the client uses (tests inject faults). @default global fetch */
  readonly fetch?: Fetch;
}

/** Creates the provider. @throws GateError ERR_CONFIG_INVALID for a plain-http issuer off loopback */
export function createOidcIaProvider(
  name: string,
  config: OidcIaConfig,
  options: OidcIaOptions = {},
): IdvProvider {
  const issuer = new URL(config.issuer);
  const insecure = issuer.protocol === 'http:';
  if (insecure && !isLoopback(issuer)) {
    throw new GateError(
      'ERR_CONFIG_INVALID',
      'An http identity-verification issuer is only allowed on loopback.',
    );
  }
  const fetcher = timedFetch(config.timeoutMs, options.fetch);
  const custom: client.CustomFetch = (url, init) => fetcher(url, init as RequestInit);
  let discovered: Promise<client.Configuration> | null = null;
  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client
      .discovery(issuer, config.clientId, undefined, client.ClientSecretPost(config.clientSecret.reveal()), {
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
        [client.customFetch]: custom,
      })
      .then((c) => {
        c[client.customFetch] = custom;
        return c;
      })
      .catch((error: unknown) => {
        discovered = null;
        const known = gateErrorIn(error);
        if (known) throw known;
        throw new GateError('ERR_IDV_UNAVAILABLE', 'The identity-verification provider cannot be reached.', {
          cause: error,
        });
      });
    return discovered;
  };
  return {
    name,
    kind: 'oidc_ia',
    displayName: config.displayName,
    async start(input) {
      const c = await configuration();
      const verifier = client.randomPKCECodeVerifier();
      const params: Record<string, string> = {
        redirect_uri: input.returnUrl,
        scope: config.scope,
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: input.state,
        nonce: input.nonce,
        claims: JSON.stringify(VERIFIED_CLAIMS_REQUEST),
        ...(input.loginHint ? { login_hint: input.loginHint } : {}),
      };
      const par = config.par || c.serverMetadata().require_pushed_authorization_requests === true;
      let url: URL;
      try {
        url = par
          ? await client.buildAuthorizationUrlWithPAR(c, params)
          : client.buildAuthorizationUrl(c, params);
      } catch (error) {
        const known = gateErrorIn(error);
        if (known) throw known;
        throw new GateError('ERR_IDV_UNAVAILABLE', 'The provider refused the pushed authorization request.', {
          cause: error,
        });
      }
      return { url: url.href, requestId: null, expiresAt: null, pending: { verifier } };
    },
    async receive(input): Promise<IdvReceived> {
      if (input.via !== 'redirect') {
        throw new GateError('ERR_HOOK_MALFORMED', 'This provider answers by browser redirect only.');
      }
      const c = await configuration();
      const error = input.url.searchParams.get('error');
      if (error !== null && input.url.searchParams.get('state') === input.state) {
        return {
          status: 'failed',
          state: input.state,
          requestId: null,
          transactionId: null,
          reason: error.slice(0, 60),
        };
      }
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(c, input.url, {
          pkceCodeVerifier: input.pending.verifier ?? '',
          expectedState: input.state,
          expectedNonce: input.nonce,
          idTokenExpected: true,
        });
      } catch (cause) {
        const known = gateErrorIn(cause);
        if (known) throw known;
        throw new GateError('ERR_IDV_RESPONSE_INVALID', 'The verification answer does not verify.', {
          cause,
        });
      }
      const claims = tokens.claims();
      if (!claims) throw new GateError('ERR_IDV_RESPONSE_INVALID', 'The provider returned no ID token.');
      const result = normaliseVerifiedClaims(name, claims, {
        state: input.state,
        nonce: typeof claims.nonce === 'string' ? claims.nonce : null,
        requestId: null,
      });
      if (result === null) {
        return {
          status: 'failed',
          state: input.state,
          requestId: null,
          transactionId: null,
          reason: 'not_verified',
        };
      }
      return { status: 'completed', result };
    },
  };
}
