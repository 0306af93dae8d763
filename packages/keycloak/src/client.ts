/**
 * The admin-client session: client-credentials tokens re-obtained before expiry and after a 401
 * (the SDK's `auth()` cannot refresh a client-credentials token), bounded retries of 429 / 5xx /
 * network failures on an injected sleep, and error mapping.
 * @module
 */

import KcAdminClient from '@keycloak/keycloak-admin-client';
import {
  GateError,
  type IdpErrorContext,
  parseRetryAfter,
  retryWait,
  type Secret,
} from '@recovery-gate/core';
import type { ProviderConfig } from './config.js';
import { httpFailure, isTokenEndpoint, operationOf, type ResourceKind, toGateError } from './errors.js';

/** Seams a test (or the gate) injects. */
export interface SessionOptions {
  readonly now: () => Date;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly maxRetries: number;
}

/** An authenticated admin-client session. */
export interface KcSession {
  readonly config: ProviderConfig;
  readonly realm: string;
  readonly now: () => Date;
  /**
   * Runs one admin-client call with token handling, bounded retries and error mapping. `context` names the
   * operation for the error (or only what a 404 means: the operation is then the request's path, ids
   * replaced).
   */
  call<T>(fn: (kc: KcAdminClient) => Promise<T>, context?: ResourceKind | IdpErrorContext): Promise<T>;
  /** The gate's own service-account user id (the `sub` of its token): its writes are not native events. */
  selfUserId(): Promise<string>;
}

const EARLY_RENEW_MS = 10_000;
const MAX_BACKOFF_MS = 8_000;
const MAX_RETRY_AFTER_MS = 60_000;

function decodeClaims(token: string): { exp?: number; sub?: string } {
  const part = token.split('.')[1] ?? '';
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: number; sub?: string };
  } catch {
    return {};
  }
}

/** Opens a session on the realm with the gate's client credentials. */
export function createSession(config: ProviderConfig, secret: Secret, options: SessionOptions): KcSession {
  const kc = new KcAdminClient({
    baseUrl: config.baseUrl,
    realmName: config.realm,
    timeout: config.timeoutMs,
  });
  let token: { value: string; expMs: number; sub: string } | null = null;
  let pending: Promise<string> | null = null;
  let self: Promise<string> | null = null;

  const authenticate = async (): Promise<string> => {
    await kc.auth({
      grantType: 'client_credentials',
      clientId: config.auth.clientId,
      clientSecret: secret.reveal(),
    });
    const value = kc.accessToken ?? '';
    const claims = decodeClaims(value);
    token = { value, expMs: (claims.exp ?? 0) * 1000, sub: claims.sub ?? '' };
    return value;
  };
  const accessToken = (): Promise<string> => {
    if (token !== null && token.expMs - options.now().getTime() > EARLY_RENEW_MS)
      return Promise.resolve(token.value);
    pending ??= authenticate().finally(() => {
      pending = null;
    });
    return pending;
  };
  kc.registerTokenProvider({ getAccessToken: accessToken });

  const backoff = (attempt: number, retryAfter: string | null): number => {
    const asked = parseRetryAfter(retryAfter, options.now());
    const policy = { baseMs: 250, capMs: MAX_BACKOFF_MS, random: options.random };
    return retryWait(attempt, policy, asked === null ? null : Math.min(asked, MAX_RETRY_AFTER_MS));
  };

  const call = async <T>(
    fn: (client: KcAdminClient) => Promise<T>,
    context: ResourceKind | IdpErrorContext = 'other',
  ): Promise<T> => {
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(kc);
      } catch (error) {
        if (error instanceof GateError) throw error;
        const failure = httpFailure(error);
        // An expired or revoked token: obtain a new one once (client credentials cannot be refreshed).
        if (failure?.status === 401 && !isTokenEndpoint(failure) && !reauthenticated) {
          token = null;
          reauthenticated = true;
          attempt -= 1;
          continue;
        }
        const retryable =
          failure === null
            ? error instanceof TypeError || isAbort(error)
            : failure.status === 429 || failure.status >= 500;
        if (!retryable || attempt >= options.maxRetries)
          throw toGateError(error, errorContext(context, failure));
        await options.sleep(backoff(attempt, failure?.retryAfter ?? null));
      }
    }
  };

  return {
    config,
    realm: config.realm,
    now: options.now,
    call,
    selfUserId: async () => {
      await call(() => accessToken());
      const sub = (token as { sub: string } | null)?.sub ?? '';
      if (sub !== '') return sub;
      // Lightweight tokens or a client without the `basic` scope carry no `sub`: ask for the service account.
      self ??= call(async (client) => {
        const [mine] = await client.clients.find({ realm: config.realm, clientId: config.auth.clientId });
        const user =
          mine?.id === undefined
            ? undefined
            : await client.clients.getServiceAccountUser({ realm: config.realm, id: mine.id });
        if (user?.id === undefined)
          throw new GateError('ERR_IDP_RESPONSE_INVALID', "The gate's client has no service account user.");
        return user.id;
      }).catch((error: unknown) => {
        self = null;
        throw error;
      });
      return self;
    },
  };
}

function errorContext(
  context: ResourceKind | IdpErrorContext,
  failure: ReturnType<typeof httpFailure>,
): IdpErrorContext {
  if (typeof context !== 'string') return context;
  return { operation: failure === null ? 'keycloak call' : operationOf(failure), notFound: context };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
