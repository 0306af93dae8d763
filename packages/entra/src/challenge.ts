/**
 * Device challenge: Entra has none the gate can start. Microsoft Graph v1.0 manages a user's Microsoft
 * Authenticator registration (list, get, delete) but has no operation that sends a push or a number-matching
 * prompt to it; Authenticator prompts come only from an interactive Entra sign-in. Device evidence for Entra
 * therefore comes from the OIDC step-up sign-in (`oidc_step_up`), and `capabilities.device_challenge` is false.
 * @see https://learn.microsoft.com/graph/api/resources/microsoftauthenticatorauthenticationmethod?view=graph-rest-1.0
 * @see https://learn.microsoft.com/graph/api/resources/authenticationmethods-overview?view=graph-rest-1.0
 * @module
 */

import { type DeviceChallenge, type DeviceChallengeResult, GateError } from '@recovery-gate/core';

const WHY =
  'Entra has no API to push a challenge to Microsoft Authenticator (Graph v1.0 microsoftAuthenticatorAuthenticationMethod: list, get and delete only; https://learn.microsoft.com/graph/api/resources/microsoftauthenticatorauthenticationmethod?view=graph-rest-1.0); use the OIDC step-up sign-in.';

function unsupported(): Promise<never> {
  return Promise.reject(
    new GateError('ERR_UNSUPPORTED', WHY, { details: { capability: 'device_challenge' } }),
  );
}

/** @throws ERR_UNSUPPORTED always: Entra cannot push a challenge through Graph. */
export function startDeviceChallenge(_userId: string): Promise<DeviceChallenge> {
  return unsupported();
}

/** @throws ERR_UNSUPPORTED always: there is no challenge to poll. */
export function pollDeviceChallenge(
  _userId: string,
  _challenge: DeviceChallenge,
): Promise<DeviceChallengeResult> {
  return unsupported();
}
