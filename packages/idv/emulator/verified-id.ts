/**
 * The Microsoft Entra Verified ID Request Service API, emulated: app tokens from the tenant's token
 * endpoint (client credentials, the Verified ID resource's `.default` scope), `createPresentationRequest`
 * with its validation (authority, callback, requestedCredentials, Face Check threshold 50–100), and the
 * callbacks the service posts with the request's own headers (`request_retrieved`, then
 * `presentation_verified` with `faceCheck.matchConfidenceScore`, or `presentation_error`). A test drives
 * the wallet: `present(requestId, personaId)` is the person scanning the QR code and taking a selfie.
 * @see https://learn.microsoft.com/entra/verified-id/presentation-request-api
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IdvPersona } from './personas.js';
import { type IdvServer, readLimited, serveIdv } from './serve.js';

const SCOPE = '3db474b9-6a0c-4840-96ac-1fceb342124f/.default';

/** Options of {@link startVerifiedIdEmulator}. */
export interface VerifiedIdEmulatorOptions {
  readonly tenantId: string;
  /** App registrations allowed to call the API. */
  readonly apps: readonly { readonly clientId: string; readonly clientSecret: string }[];
  /** The verifier authority DID the tenant is onboarded with. */
  readonly authority: string;
  /** The issuer DID of the credentials people hold (issued after their IAL2 proofing). */
  readonly issuer: string;
  readonly credentialType: string;
  readonly personas: readonly IdvPersona[];
  readonly now?: () => number;
  readonly port?: number;
}

/** A presentation request the service holds. */
export interface EmulatedPresentationRequest {
  readonly requestId: string;
  readonly state: string;
  readonly callbackUrl: string;
  readonly callbackHeaders: Readonly<Record<string, string>>;
  readonly threshold: number;
  readonly photoClaim: string;
  readonly expiry: number;
  status: 'created' | 'retrieved' | 'verified' | 'error';
}

/** One callback the service posted, and the status the receiver answered. */
export interface CallbackDelivery {
  readonly requestId: string;
  readonly requestStatus: string;
  readonly responseStatus: number;
}

/** A running emulator. */
export interface VerifiedIdEmulator {
  readonly url: string;
  readonly server: IdvServer;
  readonly requests: Map<string, EmulatedPresentationRequest>;
  readonly deliveries: CallbackDelivery[];
  /** The person scans the request and presents their credential with a selfie; callbacks are posted. */
  present(requestId: string, personaId: string): Promise<void>;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function apiError(res: ServerResponse, status: number, code: string, message: string, target?: string): void {
  json(res, status, {
    requestId: randomUUID(),
    date: new Date().toUTCString(),
    error: { code, message, innererror: { code, message, ...(target ? { target } : {}) } },
  });
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;

/** Starts the emulator on a loopback port. */
export async function startVerifiedIdEmulator(
  options: VerifiedIdEmulatorOptions,
): Promise<VerifiedIdEmulator> {
  const now = options.now ?? Date.now;
  const tokens = new Map<string, number>();
  const requests = new Map<string, EmulatedPresentationRequest>();
  const deliveries: CallbackDelivery[] = [];
  const personas = new Map(options.personas.map((p) => [p.id, p]));

  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const form = new URLSearchParams((await readLimited(req, 8192)) ?? '');
    const app = options.apps.find((a) => a.clientId === form.get('client_id'));
    if (form.get('grant_type') !== 'client_credentials')
      return apiError(res, 400, 'unsupported_grant_type', 'AADSTS70003');
    if (!app || app.clientSecret !== form.get('client_secret')) {
      return json(res, 401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
      });
    }
    if (form.get('scope') !== SCOPE)
      return json(res, 400, { error: 'invalid_scope', error_description: 'AADSTS70011' });
    const value = randomUUID();
    tokens.set(value, now() + 3600_000);
    return json(res, 200, { token_type: 'Bearer', expires_in: 3599, access_token: value });
  };

  const create = async (req: IncomingMessage, res: ServerResponse) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || (tokens.get(bearer) ?? 0) < now())
      return apiError(res, 401, 'Unauthorized', 'The access token is missing or invalid.');
    const raw = await readLimited(req, 64 * 1024);
    let body: Json | null = null;
    try {
      body = obj(JSON.parse(raw ?? ''));
    } catch {
      body = null;
    }
    if (!body) return apiError(res, 400, 'badRequest', 'The request body is not valid JSON.');
    if (body.authority !== options.authority)
      return apiError(
        res,
        400,
        'badOrMissingField',
        "authority is not this tenant's verifier DID.",
        'authority',
      );
    const callback = obj(body.callback);
    if (typeof callback?.url !== 'string' || typeof callback.state !== 'string') {
      return apiError(
        res,
        400,
        'badOrMissingField',
        'callback.url and callback.state are required.',
        'callback',
      );
    }
    const requested = Array.isArray(body.requestedCredentials) ? obj(body.requestedCredentials[0]) : null;
    if (!requested || typeof requested.type !== 'string') {
      return apiError(
        res,
        400,
        'badOrMissingField',
        'requestedCredentials[0].type is required.',
        'requestedCredentials',
      );
    }
    const face = obj(obj(obj(requested.configuration)?.validation)?.faceCheck);
    const threshold = face?.matchConfidenceThreshold ?? 70;
    if (
      face &&
      (typeof face.sourcePhotoClaimName !== 'string' ||
        typeof threshold !== 'number' ||
        threshold < 50 ||
        threshold > 100)
    ) {
      return apiError(
        res,
        400,
        'badOrMissingField',
        'faceCheck needs sourcePhotoClaimName and a matchConfidenceThreshold from 50 to 100.',
        'faceCheck',
      );
    }
    const requestId = randomUUID();
    const expiry = Math.floor(now() / 1000) + 300;
    const headers = Object.fromEntries(
      Object.entries(obj(callback.headers) ?? {}).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    );
    requests.set(requestId, {
      requestId,
      state: callback.state,
      callbackUrl: callback.url,
      callbackHeaders: headers,
      threshold: Number(threshold),
      photoClaim: face ? String(face.sourcePhotoClaimName) : '',
      expiry,
      status: 'created',
    });
    const address = new URL(server.url);
    return json(res, 201, {
      requestId,
      url: `openid-vc://?request_uri=${encodeURIComponent(`${address.origin}/v1.0/tenants/${options.tenantId}/verifiableCredentials/presentationRequests/${requestId}`)}`,
      expiry,
    });
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path === `/${options.tenantId}/oauth2/v2.0/token`) return token(req, res);
    if (req.method === 'POST' && path === '/v1.0/verifiableCredentials/createPresentationRequest')
      return create(req, res);
    return apiError(res, 404, 'notFound', 'No such resource.');
  };
  const server = await serveIdv(handler, options.port ?? 0);

  const post = async (r: EmulatedPresentationRequest, payload: Json) => {
    const response = await fetch(r.callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...r.callbackHeaders },
      body: JSON.stringify({ requestId: r.requestId, state: r.state, ...payload }),
    });
    await response.arrayBuffer();
    deliveries.push({
      requestId: r.requestId,
      requestStatus: String(payload.requestStatus),
      responseStatus: response.status,
    });
  };

  const present = async (requestId: string, personaId: string) => {
    const r = requests.get(requestId);
    const p = personas.get(personaId);
    if (!r || !p) throw new Error('unknown request or persona');
    if (r.expiry * 1000 < now() || r.status === 'verified' || r.status === 'error')
      throw new Error('request expired or used');
    r.status = 'retrieved';
    await post(r, { requestStatus: 'request_retrieved' });
    const score = p.faceScore ?? (p.outcome === 'pass' ? 92 : 31);
    if (score < r.threshold) {
      r.status = 'error';
      await post(r, {
        requestStatus: 'presentation_error',
        error: {
          code: 'faceCheckFailed',
          message: 'The face check did not reach the match confidence threshold.',
        },
      });
      return;
    }
    if (Date.parse(`${p.document.expiry}T23:59:59.999Z`) < now()) {
      // The service validates the credential's expirationDate and refuses an expired one.
      r.status = 'error';
      await post(r, {
        requestStatus: 'presentation_error',
        error: { code: 'expiredCredential', message: 'The presented credential has expired.' },
      });
      return;
    }
    r.status = 'verified';
    const issued = new Date(now() - 30 * 86_400_000).toISOString();
    await post(r, {
      requestStatus: 'presentation_verified',
      subject: `did:web:wallet.example:${p.id}`,
      verifiedCredentialsData: [
        {
          issuer: options.issuer,
          type: ['VerifiableCredential', options.credentialType],
          claims: {
            givenName: p.givenName,
            surname: p.familyName,
            displayName: `${p.givenName} ${p.familyName}`,
            revocationId: p.id,
          },
          credentialState: { revocationStatus: 'VALID' },
          domainValidation: { url: 'https://idv.example/' },
          issuanceDate: issued,
          expirationDate: `${p.document.expiry}T00:00:00.000Z`,
          faceCheck: { matchConfidenceScore: score, sourcePhotoQuality: 'HIGH' },
        },
      ],
    });
  };

  return { url: server.url, server, requests, deliveries, present, close: () => server.close() };
}
