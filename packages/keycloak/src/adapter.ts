/**
 * The Keycloak provider factory: wires the admin-client session to the operations.
 * @module
 */

import type { RecoveryProvider } from '@recovery-gate/core';
import { createSecret, GateError } from '@recovery-gate/core';
import * as z from 'zod';
import { capabilities, settings } from './capabilities.js';
import { pollDeviceChallenge, startDeviceChallenge } from './challenge.js';
import { lookupUser, personOf } from './client/users.js';
import { createSession } from './client.js';
import { configSchema } from './config.js';
import { resetToUnknownPassword } from './credential/temporary-password.js';
import { credentialSentSince, issueTemporaryCredential, revokeTemporaryCredential } from './credential.js';
import { doctor } from './doctor.js';
import { ADMIN_EVENTS, readEvents } from './events.js';
import { readSubjectFacts } from './facts.js';
import { applyGuardrails, planGuardrails } from './guardrails.js';
import { verifyHook } from './hooks.js';
import { maintain } from './maintain.js';
import { resetAuthenticators, suspend, unlock } from './reset.js';
import { revokeSessions } from './revoke.js';
import { clearRequestMarker, writeCaseStatus } from './status.js';

/** Seams for tests and the gate. */
export interface ProviderOptions {
  /** The clock (token renewal, issue times, facts' readAt). */
  readonly now?: () => Date;
  /** Randomness for backoff jitter. */
  readonly random?: () => number;
  /** How to wait between retries. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Retries of 429 / 5xx / network failures after the first attempt (core's back-off). @default 3 (4 attempts in all) */
  readonly maxRetries?: number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates the Keycloak provider. @throws GateError ERR_CONFIG_INVALID when the config does not parse. */
export function createProvider(config: unknown, options: ProviderOptions = {}): RecoveryProvider {
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) throw new GateError('ERR_CONFIG_INVALID', z.prettifyError(parsed.error));
  const s = createSession(parsed.data, createSecret(parsed.data.auth.clientSecret), {
    now: options.now ?? (() => new Date()),
    random: options.random ?? Math.random,
    sleep: options.sleep ?? realSleep,
    maxRetries: options.maxRetries ?? 3,
  });
  return {
    idp: 'keycloak',
    capabilities,
    settings,
    streams: [ADMIN_EVENTS],
    readSubjectFacts: (user) => readSubjectFacts(s, user),
    findUser: async (user) => {
      const found = await lookupUser(s, user);
      return found === null ? null : personOf(found);
    },
    startDeviceChallenge: () => startDeviceChallenge(),
    pollDeviceChallenge: () => pollDeviceChallenge(),
    revokeSessions: (userId, scope) => revokeSessions(s, userId, scope),
    resetAuthenticators: (userId, selection) => resetAuthenticators(s, userId, selection),
    resetPassword: (userId, opts) => resetToUnknownPassword(s, userId, opts),
    unlock: (userId) => unlock(s, userId),
    suspend: (userId) => suspend(s, userId),
    issueTemporaryCredential: (userId, opts) => issueTemporaryCredential(s, userId, opts),
    revokeTemporaryCredential: (userId, credential) => revokeTemporaryCredential(s, userId, credential),
    credentialSentSince: (userId, since) => credentialSentSince(s, userId, since),
    readEvents: (stream, cursor, opts) => readEvents(s, stream, cursor, opts),
    verifyHook: () => verifyHook(),
    writeCaseStatus: (userId, marker) => writeCaseStatus(s, userId, marker),
    clearRequestMarker: (userId, action) => clearRequestMarker(s, userId, action),
    planGuardrails: () => planGuardrails(s),
    applyGuardrails: (plan, onProgress) => applyGuardrails(s, plan, onProgress),
    doctor: (options) => doctor(s, options),
    maintain: () => maintain(s),
  };
}
