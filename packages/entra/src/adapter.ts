/**
 * The Entra ID provider factory.
 * @module
 */

import { setTimeout as delay } from 'node:timers/promises';
import { type Capabilities, createSecret, GateError, type RecoveryProvider } from '@recovery-gate/core';
import * as z from 'zod';
import { capabilities, settings } from './capabilities.js';
import { pollDeviceChallenge, startDeviceChallenge } from './challenge.js';
import { createCredential, createGraphClient, type TransportSeams } from './client/transport.js';
import type { EntraContext } from './client.js';
import { configSchema, type ProviderConfig } from './config.js';
import { issueTemporaryCredential, revokeTemporaryCredential } from './credential.js';
import { doctor } from './doctor.js';
import { findRequester, readEvents, STREAMS } from './events.js';
import { lookupUser, personOf } from './facts/users.js';
import { readSubjectFacts } from './facts.js';
import { applyGuardrails, planGuardrails } from './guardrails.js';
import { verifyHook } from './hooks.js';
import { maintain } from './maintain.js';
import { resetAuthenticators, resetPassword, setEnabled } from './reset.js';
import { revokeSessions } from './revoke.js';
import { clearRequestMarker, writeCaseStatus } from './status.js';

/** Options of {@link createProvider}: injected clock, randomness, sleep, retry bound and transport seams. */
export interface ProviderOptions extends TransportSeams {
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Retries after the first attempt for 429, 503, 504 and no answer (core's back-off). @default 3 (4 attempts in all) */
  readonly maxRetries?: number;
  /** Longest single wait honoured from Retry-After. @default 60000 */
  readonly maxRetryDelayMs?: number;
}

function declared(config: ProviderConfig): Capabilities {
  if (config.notification) return capabilities;
  return {
    ...capabilities,
    hooks: {
      supported: false,
      note: 'providers.entra.notification is not configured: group delta polling only.',
    },
  };
}

const REDACTED = '[redacted]';

/** The configuration without its secrets: the adapter keeps this one (the credential got the secret). */
function redacted(config: ProviderConfig): ProviderConfig {
  const auth =
    'certificate' in config.auth
      ? { ...config.auth, certificate: REDACTED }
      : { ...config.auth, clientSecret: REDACTED };
  const notification = config.notification ? { ...config.notification, clientState: REDACTED } : undefined;
  const { notification: _omit, ...rest } = config;
  return { ...rest, auth, ...(notification ? { notification } : {}) };
}

/**
 * Creates the Entra provider on the Graph client and @azure/identity.
 * @throws GateError ERR_CONFIG_INVALID when the configuration does not match the schema
 */
export function createProvider(input: unknown, options: ProviderOptions = {}): RecoveryProvider {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new GateError(
      'ERR_CONFIG_INVALID',
      `Invalid Entra provider configuration:\n${z.prettifyError(parsed.error)}`,
    );
  }
  const config = parsed.data;
  const now = options.now ?? (() => new Date());
  const credential = createCredential(config, options);
  const client = createGraphClient(config, credential, options, {
    maxRetries: options.maxRetries ?? 3,
    maxDelayMs: options.maxRetryDelayMs ?? 60_000,
    sleep: options.sleep ?? ((ms) => delay(ms)),
    random: options.random ?? Math.random,
    now,
  });
  const ctx: EntraContext = {
    client,
    config: redacted(config),
    clientState: config.notification ? createSecret(config.notification.clientState) : null,
    clientId: config.auth.clientId,
    now,
    statusProperty: `extension_${config.auth.clientId.replaceAll('-', '')}_${config.statusExtension}`,
    cache: new Map(),
  };
  const mustExist = async (userId: string) => {
    if (!(await lookupUser(ctx, userId, ['id'])))
      throw new GateError('ERR_USER_NOT_FOUND', undefined, { details: { user: userId } });
  };
  return {
    idp: 'entra',
    capabilities: declared(config),
    settings,
    streams: STREAMS,
    readSubjectFacts: (user) => readSubjectFacts(ctx, user),
    findUser: async (user) => {
      const found = await lookupUser(ctx, user, ['id', 'userPrincipalName', 'displayName']);
      return found ? personOf(found) : null;
    },
    startDeviceChallenge: (userId) => startDeviceChallenge(userId),
    pollDeviceChallenge: (userId, challenge) => pollDeviceChallenge(userId, challenge),
    revokeSessions: (userId, scope) => revokeSessions(ctx, userId, scope),
    resetAuthenticators: (userId, selection) => resetAuthenticators(ctx, userId, selection),
    resetPassword: (userId) => resetPassword(ctx, userId),
    unlock: (userId) => setEnabled(ctx, userId, true),
    suspend: (userId) => setEnabled(ctx, userId, false),
    issueTemporaryCredential: (userId, credentialOptions) =>
      issueTemporaryCredential(ctx, userId, credentialOptions),
    revokeTemporaryCredential: async (userId, issued) => {
      await mustExist(userId);
      await revokeTemporaryCredential(ctx, userId, issued);
    },
    findRequester: (query) => findRequester(ctx, query),
    readEvents: (stream, cursor, readOptions) => readEvents(ctx, stream, cursor, readOptions),
    verifyHook: async (request) => verifyHook(ctx, request),
    writeCaseStatus: (userId, marker) => writeCaseStatus(ctx, userId, marker),
    clearRequestMarker: (userId, action) => clearRequestMarker(ctx, userId, action),
    planGuardrails: () => planGuardrails(ctx),
    applyGuardrails: (plan, onProgress) => applyGuardrails(ctx, plan, onProgress),
    doctor: () => doctor(ctx, () => credential.getToken(`${config.graphBaseUrl}/.default`)),
    maintain: () => maintain(ctx),
  };
}
