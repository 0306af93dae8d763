import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { JWK } from 'oidc-provider';

/** A valid access token, as an emulator's API sees its bearer. */
export interface VerifiedAccessToken {
  readonly clientId: string;
  /** Undefined for client_credentials tokens. */
  readonly accountId: string | undefined;
  readonly scope: string;
  /** Expiry, epoch seconds. */
  readonly exp: number | undefined;
  /** The JWT payload (JWT format) or the extra claims (opaque format). */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** What the verifier needs. */
export interface VerifierDeps {
  readonly provider: Provider;
  readonly signingKey: JWK;
  readonly issuer: string;
  readonly audience: string;
  readonly isActive: (accountId: string) => Promise<boolean>;
}

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function verifyJwt(token: string, deps: VerifierDeps): Record<string, unknown> | undefined {
  const [header = '', payload = '', signature = ''] = token.split('.');
  const head = decodePart(header);
  const claims = decodePart(payload);
  if (!head || !claims || head.alg !== 'RS256' || head.kid !== deps.signingKey.kid) return undefined;
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = deps.signingKey;
  const key = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' });
  const valid = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    key,
    Buffer.from(signature, 'base64url'),
  );
  if (!valid || claims.iss !== deps.issuer) return undefined;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(deps.audience)) return undefined;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return undefined;
  return claims;
}

/**
 * Creates `verifyAccessToken(token)`: checks a bearer token the server issued (JWT signature, issuer,
 * audience and expiry; or the stored opaque token) and that its account is still active.
 */
export function createAccessTokenVerifier(deps: VerifierDeps) {
  return async function verifyAccessToken(token: string): Promise<VerifiedAccessToken | undefined> {
    if (token.split('.').length === 3) {
      const claims = verifyJwt(token, deps);
      if (!claims) return undefined;
      const accountId =
        typeof claims.sub === 'string' && claims.sub !== claims.client_id ? claims.sub : undefined;
      if (accountId !== undefined && !(await deps.isActive(accountId))) return undefined;
      return {
        clientId: String(claims.client_id ?? ''),
        accountId,
        scope: typeof claims.scope === 'string' ? claims.scope : '',
        exp: claims.exp as number,
        claims,
      };
    }
    const stored =
      (await deps.provider.AccessToken.find(token)) ?? (await deps.provider.ClientCredentials.find(token));
    if (!stored || stored.isExpired) return undefined;
    const accountId = 'accountId' in stored ? stored.accountId : undefined;
    if (accountId !== undefined && !(await deps.isActive(accountId))) return undefined;
    return {
      clientId: stored.clientId ?? '',
      accountId,
      scope: stored.scope ?? '',
      exp: stored.exp,
      claims: { ...stored.extra },
    };
  };
}
