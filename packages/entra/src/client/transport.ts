/**
 * Builds the Graph client and the app-only credential. Production talks https to Microsoft; tests pass
 * the two seams documented in shared/idp/entra.md: a terminal Graph handler that forwards to a loopback
 * origin (the client then still builds https URLs, attaches the bearer token and follows https links),
 * and an `httpClient` for @azure/identity with an https authority host and instance discovery disabled.
 * @module
 */

import {
  ClientCertificateCredential,
  ClientSecretCredential,
  type TokenCredential,
  type TokenCredentialOptions,
} from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import type { ProviderConfig } from '../config.js';
import { createRetryMiddleware, type RetrySettings } from './retry.js';

/** The identity library's pluggable HTTP client type. */
export type IdentityHttpClient = NonNullable<TokenCredentialOptions['httpClient']>;

/** Test seams for reaching an emulator; production leaves them unset. */
export interface TransportSeams {
  /** Where Graph requests really go (e.g. `http://127.0.0.1:5100`); URLs keep the https Graph host otherwise. */
  readonly graphOrigin?: string;
  /** The fetch the terminal Graph handler uses. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** HTTP client for @azure/identity (token endpoint traffic); disables instance discovery. */
  readonly httpClient?: IdentityHttpClient;
}

function terminalHandler(baseUrl: string, seams: TransportSeams, timeoutMs: number): Middleware {
  const doFetch = seams.fetch ?? globalThis.fetch;
  return {
    async execute(context: Context) {
      const url = typeof context.request === 'string' ? context.request : context.request.url;
      const target =
        seams.graphOrigin && url.startsWith(baseUrl) ? seams.graphOrigin + url.slice(baseUrl.length) : url;
      // A Graph call that never answers must end (the retry middleware then decides), or a case waits forever.
      const options = (context.options ?? {}) as RequestInit;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      context.response = await doFetch(target, { ...options, signal });
    },
  };
}

/** The app-only credential: certificate (preferred) or client secret. */
export function createCredential(config: ProviderConfig, seams: TransportSeams): TokenCredential {
  const options = {
    authorityHost: config.authorityHost,
    ...(seams.httpClient ? { httpClient: seams.httpClient, disableInstanceDiscovery: true } : {}),
  };
  if ('certificate' in config.auth) {
    return new ClientCertificateCredential(
      config.tenantId,
      config.auth.clientId,
      { certificate: config.auth.certificate },
      options,
    );
  }
  return new ClientSecretCredential(config.tenantId, config.auth.clientId, config.auth.clientSecret, options);
}

/** Builds the Graph client: authentication -> bounded retry -> terminal fetch. */
export function createGraphClient(
  config: ProviderConfig,
  credential: TokenCredential,
  seams: TransportSeams,
  retry: RetrySettings,
): Client {
  const scope = `${config.graphBaseUrl}/.default`;
  const auth = new AuthenticationHandler({
    getAccessToken: async () => {
      const token = await credential.getToken(scope);
      if (!token) throw Object.assign(new Error('no access token'), { name: 'AuthenticationError' });
      return token.token;
    },
  });
  const retryMiddleware = createRetryMiddleware(retry);
  auth.setNext(retryMiddleware);
  retryMiddleware.setNext?.(terminalHandler(config.graphBaseUrl, seams, config.requestTimeoutMs));
  return Client.initWithMiddleware({
    middleware: auth,
    baseUrl: `${config.graphBaseUrl}/`,
    defaultVersion: 'v1.0',
  });
}

type PipelineRequest = Parameters<IdentityHttpClient['sendRequest']>[0];
type PipelineResponse = Awaited<ReturnType<IdentityHttpClient['sendRequest']>>;
type Headers = PipelineResponse['headers'];

function pipelineHeaders(source: globalThis.Headers): Headers {
  const map = new Map<string, string>();
  for (const [name, value] of source) map.set(name.toLowerCase(), value);
  const headers: Headers = {
    get: (name) => map.get(name.toLowerCase()),
    has: (name) => map.has(name.toLowerCase()),
    set: (name, value) => {
      map.set(name.toLowerCase(), String(value));
    },
    delete: (name) => {
      map.delete(name.toLowerCase());
    },
    toJSON: () => Object.fromEntries(map),
    [Symbol.iterator]: () => map.entries(),
  };
  return headers;
}

function requestBody(request: PipelineRequest): string | undefined {
  if (typeof request.body === 'string') return request.body;
  if (request.formData) {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(request.formData)) {
      for (const item of Array.isArray(value) ? value : [value])
        if (typeof item === 'string') form.append(key, item);
    }
    return form.toString();
  }
  return undefined;
}

/**
 * An identity `httpClient` that sends every token-endpoint request to `origin` over loopback (tests and
 * the demo against the emulator); the credential still believes it talks to its https authority.
 */
export function loopbackHttpClient(
  origin: string,
  doFetch: typeof fetch = globalThis.fetch,
): IdentityHttpClient {
  return {
    async sendRequest(request) {
      const url = new URL(request.url);
      const body = requestBody(request);
      const response = await doFetch(`${origin}${url.pathname}${url.search}`, {
        method: request.method,
        // Like a reverse proxy: the emulator tells the credential's authority host from other callers.
        headers: { ...request.headers.toJSON(), 'x-forwarded-host': url.host },
        ...(body === undefined ? {} : { body }),
      });
      return {
        request,
        status: response.status,
        headers: pipelineHeaders(response.headers),
        bodyAsText: await response.text(),
      };
    },
  };
}
