/**
 * The identity-verification provider port: core owns it, each integration implements it (like the IdP
 * port). Start a verification for a case's subject, then receive its outcome (a browser return or a
 * provider callback) and normalise it to an {@link IdvResult}; the rules in `rules.ts` decide whether it counts.
 * @module
 */

import type { IdvProviderKind, IdvResult } from './result.js';

/** What the gate asks a provider to start. */
export interface IdvStartInput {
  /** The case the verification is for (never sent to the provider as such; `state` stands for it). */
  readonly caseId: string;
  /** Unguessable, single-use value bound to the case; echoed back by the provider. */
  readonly state: string;
  /** Unguessable, single-use value the provider must put in its signed answer (OpenID `nonce`). */
  readonly nonce: string;
  /** Where the provider sends the browser back (OpenID `redirect_uri`). */
  readonly returnUrl: string;
  /** Where the provider posts its result (Verified ID callback). */
  readonly callbackUrl: string;
  /** A hint of who is expected (login), when the protocol takes one; never a document datum. */
  readonly loginHint: string | null;
}

/** A started verification. */
export interface IdvStarted {
  /** Where to send the subject (authorization URL, or the Verified ID request URL for a QR code / deep link). */
  readonly url: string;
  /** The provider's request id, when it returns one at start. */
  readonly requestId: string | null;
  /** When the request expires at the provider (ISO 8601), when known. */
  readonly expiresAt: string | null;
  /**
   * What the gate keeps server-side until the result arrives (e.g. the PKCE verifier). Short-lived; it is
   * never logged or audited, and it is deleted once the verification ends.
   */
  readonly pending: Readonly<Record<string, string>>;
}

/** A result arriving at the gate. */
export type IdvReturn =
  | {
      /** The browser came back to the return URL (OpenID authorization response). */
      readonly via: 'redirect';
      readonly url: URL;
      readonly state: string;
      readonly nonce: string;
      readonly pending: Readonly<Record<string, string>>;
    }
  | {
      /** The provider posted to the callback URL. Authenticated by the integration before it is read. */
      readonly via: 'callback';
      readonly headers: Readonly<Record<string, string | undefined>>;
      readonly body: string;
    };

/** What a provider made of a return. */
export type IdvReceived =
  | { readonly status: 'completed'; readonly result: IdvResult }
  | {
      /** Still running (the subject scanned the QR code); nothing to evaluate yet. */
      readonly status: 'progress';
      readonly state: string;
      readonly requestId: string | null;
      readonly step: string;
    }
  | {
      /** The provider itself says the verification failed (or the subject gave up). */
      readonly status: 'failed';
      readonly state: string | null;
      readonly requestId: string | null;
      readonly transactionId: string | null;
      /** A safe, short reason code from the provider (never personal data). */
      readonly reason: string;
    };

/** One identity-verification provider, as the gate calls it. */
export interface IdvProvider {
  /** The configured name (`identityVerification.providers.<name>`). */
  readonly name: string;
  readonly kind: IdvProviderKind;
  /** What the subject sees: "Verify your identity with <displayName>". */
  readonly displayName: string;
  /**
   * Starts a verification. @throws GateError ERR_IDV_UNAVAILABLE (down, slow, refused),
   * ERR_IDV_RESPONSE_INVALID
   */
  start(input: IdvStartInput): Promise<IdvStarted>;
  /**
   * Reads a return: checks its authenticity (signature, callback authentication) and normalises it.
   * @throws GateError ERR_HOOK_UNAUTHENTICATED (forged callback), ERR_HOOK_MALFORMED, ERR_HOOK_TOO_LARGE,
   * ERR_IDV_RESPONSE_INVALID (a signed answer that does not verify or lacks what it must carry),
   * ERR_IDV_UNAVAILABLE
   */
  receive(input: IdvReturn): Promise<IdvReceived>;
}
