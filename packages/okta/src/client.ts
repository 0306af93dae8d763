/**
 * Builds the Okta SDK client the adapter uses, with the 8.1.0 traps defused: no GET cache, no trailing
 * slash, no proxy for loopback / NO_PROXY hosts, our own retrying executor (`client/retry.ts`, on core's
 * back-off). The state every operation shares is built on it (`client/context.ts`).
 * @module
 */

import { Client } from '@okta/okta-sdk-nodejs';
import { RetryingRequestExecutor } from './client/retry.js';
import type { ProviderConfig } from './config.js';

export { createContext, type OktaContext } from './client/context.js';

/** What touches the world, injected. */
export interface ClientDeps {
  readonly now: () => Date;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly maxRetries: number;
  /** Environment to read proxy settings from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** True when `NO_PROXY` (or loopback) says the org must be reached directly. */
export function bypassesProxy(orgUrl: string, env: Readonly<Record<string, string | undefined>>): boolean {
  const host = new URL(orgUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1' || host.startsWith('127.')) return true;
  const list = (env.NO_PROXY ?? env.no_proxy ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return list.some(
    (entry) =>
      entry === '*' ||
      host === entry.replace(/^\./, '') ||
      host.endsWith(entry.startsWith('.') ? entry : `.${entry}`),
  );
}

/** Creates the SDK client. */
export function createOktaClient(config: ProviderConfig, deps: ClientDeps): Client {
  const requestExecutor = new RetryingRequestExecutor({
    maxRetries: deps.maxRetries,
    sleep: deps.sleep,
    random: deps.random,
    now: deps.now,
    maxRateLimitWaitMs: 60_000,
    requestTimeoutMs: config.requestTimeoutMs,
    baseDelayMs: 250,
    maxDelayMs: 8_000,
  });
  // The default cache middleware serves stale GETs forever (okta.md §9.6 #4): always null.
  // orgUrl has no trailing slash (the schema strips it): ServerConfiguration would build `//api/v1`.
  const common = { orgUrl: config.orgUrl, cacheMiddleware: null, requestExecutor };
  const client =
    'token' in config.auth
      ? new Client({ ...common, authorizationMode: 'SSWS', token: config.auth.token })
      : new Client({
          ...common,
          authorizationMode: 'PrivateKey',
          clientId: config.auth.clientId,
          scopes: [...config.auth.scopes],
          privateKey: config.auth.privateKey,
          ...(config.auth.keyId ? { keyId: config.auth.keyId } : {}),
        });
  // The SDK applies HTTPS_PROXY to every request and ignores NO_PROXY (okta.md §9.6 #6).
  if (bypassesProxy(config.orgUrl, deps.env ?? process.env)) {
    client.http.agent = undefined;
  }
  return client;
}
