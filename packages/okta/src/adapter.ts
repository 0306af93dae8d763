/**
 * The Okta provider factory: wires config, the SDK client and the operations into a RecoveryProvider.
 * @module
 */

import { createSecret, GateError, type RecoveryProvider } from '@recovery-gate/core';
import * as z from 'zod';
import { capabilities, settings } from './capabilities.js';
import { pollDeviceChallenge, startDeviceChallenge } from './challenge.js';
import { createContext, createOktaClient } from './client.js';
import { configSchema } from './config.js';
import { issueTemporaryCredential, revokeTemporaryCredential } from './credential.js';
import { doctor } from './doctor.js';
import { readEvents, SYSTEM_LOG } from './events.js';
import { findUser, readSubjectFacts } from './facts.js';
import { applyGuardrails, planGuardrails } from './guardrails.js';
import { verifyHook } from './hooks.js';
import { maintain } from './maintain.js';
import { resetAuthenticators, resetPassword, suspend, unlock } from './reset.js';
import { revokeSessions } from './revoke.js';
import { clearRequestMarker, writeCaseStatus } from './status.js';

/** What touches the world, injectable for tests. */
export interface ProviderOptions {
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Retries after the first attempt for 429, 5xx and timeouts (core's back-off). @default 3 (4 attempts in all) */
  readonly maxRetries?: number;
  /** Environment the proxy settings are read from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the Okta provider.
 * @throws GateError ERR_CONFIG_INVALID when the configuration does not match the schema
 */
export function createProvider(config: unknown, options: ProviderOptions = {}): RecoveryProvider {
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) {
    throw new GateError(
      'ERR_CONFIG_INVALID',
      `Invalid Okta provider configuration:\n${z.prettifyError(parsed.error)}`,
    );
  }
  const cfg = parsed.data;
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? realSleep;
  const secrets = [
    createSecret('token' in cfg.auth ? cfg.auth.token : cfg.auth.privateKey),
    ...(cfg.hook ? [createSecret(cfg.hook.secret)] : []),
  ];
  const hookSecret = cfg.hook ? (secrets[1] ?? null) : null;
  const hookTarget = cfg.hook && hookSecret ? { url: cfg.hook.url, secret: hookSecret } : null;
  const clientDeps = {
    now,
    sleep,
    random: options.random ?? Math.random,
    maxRetries: options.maxRetries ?? 3,
    ...(options.env ? { env: options.env } : {}),
  };
  const client = createOktaClient(cfg, clientDeps);
  const ctx = createContext(client, cfg, { now, sleep }, secrets);
  return {
    idp: 'okta',
    capabilities,
    settings,
    streams: [SYSTEM_LOG],
    readSubjectFacts: (user) => readSubjectFacts(ctx, user),
    findUser: (user) => findUser(ctx, user),
    startDeviceChallenge: (userId) => startDeviceChallenge(ctx, userId),
    pollDeviceChallenge: (userId, challenge) => pollDeviceChallenge(ctx, userId, challenge),
    revokeSessions: (userId, scope) => revokeSessions(ctx, userId, scope),
    resetAuthenticators: (userId, selection) => resetAuthenticators(ctx, userId, selection),
    resetPassword: (userId, opts) => resetPassword(ctx, userId, opts),
    unlock: (userId) => unlock(ctx, userId),
    suspend: (userId) => suspend(ctx, userId),
    issueTemporaryCredential: (userId, opts) => issueTemporaryCredential(ctx, userId, opts),
    revokeTemporaryCredential: (userId, credential) => revokeTemporaryCredential(ctx, userId, credential),
    readEvents: (stream, cursor, opts) => readEvents(ctx, stream, cursor, opts),
    verifyHook: (request) => verifyHook(ctx, hookSecret, request),
    writeCaseStatus: (userId, marker) => writeCaseStatus(ctx, userId, marker),
    clearRequestMarker: (userId, action) => clearRequestMarker(ctx, userId, action),
    planGuardrails: (context) => planGuardrails(ctx, hookSecret, context),
    applyGuardrails: (plan, onProgress) => applyGuardrails(ctx, hookSecret, plan, onProgress),
    maintain: () => maintain(ctx, hookTarget),
    doctor: () =>
      doctor(ctx, (scopes) =>
        createOktaClient({ ...cfg, auth: { ...cfg.auth, scopes: [...scopes] } }, clientDeps),
      ),
  };
}
