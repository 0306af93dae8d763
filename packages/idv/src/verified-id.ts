/**
 * Microsoft Entra Verified ID with Face Check, through the Request Service API: a presentation request
 * (`requestedCredentials` with `configuration.validation.faceCheck`: `sourcePhotoClaimName`,
 * `matchConfidenceThreshold`), and the callback the service posts to the gate (`request_retrieved`,
 * `presentation_verified`, `presentation_error`), authenticated by the `api-key` header the request set:
 * a per-request key derived from the configured secret and the request's state, compared in constant time.
 * @see https://learn.microsoft.com/entra/verified-id/presentation-request-api
 * @module
 */

import { createHmac } from 'node:crypto';
import {
  GateError,
  type IdvProvider,
  type IdvReceived,
  type IdvResult,
  secretsEqual,
} from '@recovery-gate/core';
import type { VerifiedIdConfig } from './config.js';
import { type Fetch, MAX_BODY_BYTES, readJson, timedFetch } from './http.js';

/** The Request Service API's resource: its `.default` scope is what the gate's app token must carry. */
export const VERIFIED_ID_SCOPE = '3db474b9-6a0c-4840-96ac-1fceb342124f/.default';

/** Options for {@link createVerifiedIdProvider}. */
export interface VerifiedIdOptions {
  readonly fetch?: Fetch;
  /** The clock (the callback carries no verification time: its arrival is it). @default Date.now */
  readonly now?: () => number;
}

type Json = Readonly<Record<string, unknown>>;
const obj = (v: unknown): Json | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;
const str = (v: unknown): string | null =>
  typeof v === 'string' && v.length > 0 && v.length <= 512 ? v : null;

/** The api-key the service must send back with callbacks for `state`. */
export function callbackKey(secret: string, state: string): string {
  return createHmac('sha256', secret).update(`verified-id-callback:${state}`).digest('base64url');
}

function header(headers: Readonly<Record<string, string | undefined>>, name: string): string | null {
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return found?.[1] ?? null;
}

function normalise(name: string, config: VerifiedIdConfig, body: Json, nowMs: number): IdvResult {
  const state = str(body.state);
  const requestId = str(body.requestId);
  const credential = Array.isArray(body.verifiedCredentialsData)
    ? obj(body.verifiedCredentialsData[0])
    : null;
  const claims = obj(credential?.claims);
  if (requestId === null || credential === null || claims === null) {
    throw new GateError(
      'ERR_HOOK_MALFORMED',
      'presentation_verified lacks requestId or verifiedCredentialsData.',
    );
  }
  const types = Array.isArray(credential.type) ? credential.type.map(String) : [];
  const issuer = config.acceptedIssuers.find((i) => i.did === credential.issuer);
  const face = obj(credential.faceCheck);
  const score = typeof face?.matchConfidenceScore === 'number' ? face.matchConfidenceScore : null;
  const expiry = str(credential.expirationDate);
  return {
    provider: name,
    kind: 'entra_verified_id',
    transactionId: requestId,
    binding: { state, nonce: null, requestId },
    verifiedAt: new Date(nowMs).toISOString(),
    // Only an accepted issuer's credential carries its proofing's framework and level; any other gives none.
    trustFramework: issuer && types.includes(config.credentialType) ? issuer.trustFramework : null,
    assuranceLevel: issuer && types.includes(config.credentialType) ? issuer.assuranceLevel : null,
    claims: {
      givenName: str(claims.givenName) ?? str(claims.firstName),
      familyName: str(claims.surname) ?? str(claims.lastName),
      middleNames: null,
      birthdate: str(claims.birthdate) ?? str(claims.dateOfBirth),
      employeeNumber: str(claims.employeeId) ?? str(claims.employeeNumber),
    },
    document: {
      type: types.includes(config.credentialType) ? config.credentialType : null,
      issuingCountry: null,
      validUntil: expiry === null ? null : expiry.slice(0, 10),
      valid: str(obj(credential.credentialState)?.revocationStatus) === 'VALID',
    },
    biometric:
      face === null
        ? null
        : { method: 'face_match', passed: score !== null && score >= config.matchConfidenceThreshold, score },
  };
}

/** Creates the provider. */
export function createVerifiedIdProvider(
  name: string,
  config: VerifiedIdConfig,
  options: VerifiedIdOptions = {},
): IdvProvider {
  const http = timedFetch(config.timeoutMs, options.fetch);
  const now = options.now ?? Date.now;
  let token: { value: string; until: number } | null = null;
  const accessToken = async (): Promise<string> => {
    if (token && token.until > now()) return token.value;
    const response = await http(
      `${config.loginAuthority}/${encodeURIComponent(config.tenantId)}/oauth2/v2.0/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: config.clientId,
          client_secret: config.clientSecret.reveal(),
          scope: VERIFIED_ID_SCOPE,
        }),
      },
    );
    const body = await readJson(response, 'token');
    const value = str(body.access_token);
    if (value === null)
      throw new GateError('ERR_IDV_RESPONSE_INVALID', 'The token answer has no access_token.');
    const ttl = typeof body.expires_in === 'number' ? body.expires_in : 300;
    token = { value, until: now() + Math.max(0, ttl - 60) * 1000 };
    return value;
  };
  return {
    name,
    kind: 'entra_verified_id',
    displayName: config.displayName,
    async start(input) {
      const bearer = await accessToken();
      const response = await http(`${config.endpoint}/v1.0/verifiableCredentials/createPresentationRequest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          authority: config.authority,
          includeQRCode: false,
          includeReceipt: false,
          registration: {
            clientName: 'Account recovery',
            purpose: 'Prove it is you to recover your account',
          },
          callback: {
            url: input.callbackUrl,
            state: input.state,
            headers: { 'api-key': callbackKey(config.callbackSecret.reveal(), input.state) },
          },
          requestedCredentials: [
            {
              type: config.credentialType,
              purpose: 'Match your face to your verified identity',
              acceptedIssuers: config.acceptedIssuers.map((i) => i.did),
              configuration: {
                validation: {
                  allowRevoked: false,
                  validateLinkedDomain: true,
                  faceCheck: {
                    sourcePhotoClaimName: config.sourcePhotoClaimName,
                    matchConfidenceThreshold: config.matchConfidenceThreshold,
                  },
                },
              },
            },
          ],
        }),
      });
      const body = await readJson(response, 'createPresentationRequest');
      const requestId = str(body.requestId);
      const url = str(body.url);
      if (requestId === null || url === null) {
        throw new GateError(
          'ERR_IDV_RESPONSE_INVALID',
          'The presentation request answer lacks requestId or url.',
        );
      }
      const expiry = typeof body.expiry === 'number' ? new Date(body.expiry * 1000).toISOString() : null;
      return { url, requestId, expiresAt: expiry, pending: {} };
    },
    async receive(input): Promise<IdvReceived> {
      if (input.via !== 'callback')
        throw new GateError('ERR_HOOK_MALFORMED', 'Verified ID answers by callback only.');
      const key = header(input.headers, 'api-key');
      if (key === null) throw new GateError('ERR_HOOK_UNAUTHENTICATED', 'The callback carries no api-key.');
      if (Buffer.byteLength(input.body, 'utf8') > MAX_BODY_BYTES) {
        throw new GateError('ERR_HOOK_TOO_LARGE', undefined, { details: { limit: MAX_BODY_BYTES } });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(input.body);
      } catch {
        throw new GateError('ERR_HOOK_MALFORMED', 'The callback body is not JSON.');
      }
      const body = obj(parsed);
      const state = str(body?.state);
      if (body === null || state === null)
        throw new GateError('ERR_HOOK_MALFORMED', 'The callback has no state.');
      if (!secretsEqual(key, callbackKey(config.callbackSecret.reveal(), state))) {
        throw new GateError('ERR_HOOK_UNAUTHENTICATED', 'The callback api-key is wrong.');
      }
      const requestId = str(body.requestId);
      switch (body.requestStatus) {
        case 'request_retrieved':
          return { status: 'progress', state, requestId, step: 'request_retrieved' };
        case 'presentation_error': {
          const code = str(obj(body.error)?.code) ?? 'presentation_error';
          return { status: 'failed', state, requestId, transactionId: requestId, reason: code.slice(0, 60) };
        }
        case 'presentation_verified':
          return { status: 'completed', result: normalise(name, config, body, now()) };
        default:
          throw new GateError('ERR_HOOK_MALFORMED', 'Unknown requestStatus.');
      }
    },
  };
}
