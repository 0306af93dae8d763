/**
 * The org authorization server's token endpoint (`/oauth2/v1/token`) for OAuth service apps:
 * client_credentials with a private_key_jwt client assertion. The SDK's DPoP proof is accepted and
 * ignored, so it falls back to Bearer tokens.
 * @see https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/
 * @module
 */

import { createPublicKey, verify as verifySignature } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { json } from '@recovery-gate/emulator-kit';
import type { EmuContext, OktaRequest } from './context.js';
import type { Routes } from './routes.js';
import { newToken } from './state.js';

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  json(res, status, { error, error_description: description });
}

function form(req: OktaRequest): Record<string, string> {
  return typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, string>) : {};
}

function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signed: string;
  signature: Buffer;
} | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const [h, p, s] = parts as [string, string, string];
    return {
      header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>,
      payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>,
      signed: `${h}.${p}`,
      signature: Buffer.from(s, 'base64url'),
    };
  } catch {
    return null;
  }
}

function clientCredentials(ctx: EmuContext, req: OktaRequest, res: ServerResponse): void {
  const body = form(req);
  if (body.grant_type !== 'client_credentials') {
    oauthError(res, 400, 'unsupported_grant_type', 'The authorization grant type is not supported.');
    return;
  }
  const jwt = decodeJwt(body.client_assertion ?? '');
  const clientId = String(jwt?.payload.iss ?? '');
  const app = ctx.state.serviceApps.get(clientId);
  if (!jwt || !app || jwt.payload.sub !== clientId) {
    oauthError(res, 401, 'invalid_client', 'Client authentication failed.');
    return;
  }
  const alg = String(jwt.header.alg);
  const key = createPublicKey({ key: app.jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const digest = alg.endsWith('256') ? 'sha256' : alg.endsWith('384') ? 'sha384' : 'sha512';
  const valid = verifySignature(
    digest,
    Buffer.from(jwt.signed),
    alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : key,
    jwt.signature,
  );
  const exp = Number(jwt.payload.exp) * 1000;
  const audience = `${ctx.baseUrl()}/oauth2/v1/token`;
  if (!valid || jwt.payload.aud !== audience || !(exp > ctx.now())) {
    oauthError(res, 401, 'invalid_client', 'The client_assertion token is invalid.');
    return;
  }
  const requested = (body.scope ?? '').split(' ').filter((s) => s !== '');
  const refused = requested.filter((s) => !app.scopes.has(s));
  if (requested.length === 0 || refused.length > 0) {
    oauthError(
      res,
      400,
      'invalid_scope',
      'One or more scopes are not configured for the authorization server resource.',
    );
    return;
  }
  const accessToken = newToken(48);
  ctx.state.tokens.set(accessToken, {
    type: 'PublicClientApp',
    id: clientId,
    name: app.name,
    scopes: new Set(requested),
  });
  json(res, 200, {
    token_type: 'Bearer',
    expires_in: 3600,
    access_token: accessToken,
    scope: body.scope ?? '',
  });
}

/** Registers the org authorization server's token endpoint. */
export function registerServiceApps(ctx: EmuContext, r: Routes): void {
  r('POST', '/oauth2/v1/token', 'public', (req, res) => clientCredentials(ctx, req, res));
}
