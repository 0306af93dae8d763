/**
 * A scripted RecoveryProvider for intake tests (a double of the gate's own seam, not of any IdP SDK):
 * hooks carry `{ events }` JSON behind an `authorization` secret; streams serve scripted pages.
 * @module
 */

import {
  CAPABILITIES,
  type Capabilities,
  createSecret,
  type EventPage,
  GateError,
  type IdpKind,
  type NormalizedEvent,
  type RecoveryProvider,
  secretsEqual,
} from '@recovery-gate/core';
import { ADAPTER_SETTINGS } from './idp-settings.js';

/** A scripted provider plus its controls. */
export interface TestProvider extends RecoveryProvider {
  /** Events per stream, in order; `readEvents` pages through them by index cursor. */
  readonly log: Map<string, NormalizedEvent[]>;
  /** Calls to readEvents, for assertions. */
  readonly reads: { stream: string; cursor: string | null }[];
  /** When set, the next readEvents throws it. */
  failNextRead: Error | null;
}

/** Builds a normalised event with defaults. */
export function testEvent(id: string, overrides: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    id,
    idp: 'okta',
    kind: 'recovery_requested',
    sourceType: 'group.user_membership.add',
    occurredAt: '2026-03-01T09:00:00.000Z',
    actor: { id: 'agent-1', type: 'user', displayName: 'Agent One' },
    subject: { userId: 'user-1', login: 'jane@acme.example' },
    action: 'password_reset',
    authenticatorKind: null,
    ...overrides,
  };
}

const unsupported = (): Promise<never> => Promise.reject(new GateError('ERR_UNSUPPORTED'));

/** Creates a scripted provider for `idp` whose hooks need `authorization: <hookSecret>`. */
export function createTestProvider(idp: IdpKind, hookSecret: string, pageSize = 2): TestProvider {
  const secret = createSecret(hookSecret);
  const capabilities = Object.fromEntries(
    CAPABILITIES.map((c) => [c, { supported: c === 'hooks' || c === 'audit_events', note: 'test' }]),
  ) as Capabilities;
  const provider: TestProvider = {
    idp,
    capabilities,
    settings: ADAPTER_SETTINGS[idp],
    streams: ['system_log', 'admin_events'],
    log: new Map(),
    reads: [],
    failNextRead: null,
    readSubjectFacts: unsupported,
    findUser: unsupported,
    startDeviceChallenge: unsupported,
    pollDeviceChallenge: unsupported,
    revokeSessions: unsupported,
    resetAuthenticators: unsupported,
    resetPassword: unsupported,
    unlock: unsupported,
    suspend: unsupported,
    issueTemporaryCredential: unsupported,
    revokeTemporaryCredential: unsupported,
    writeCaseStatus: unsupported,
    clearRequestMarker: unsupported,
    planGuardrails: unsupported,
    applyGuardrails: unsupported,
    doctor: unsupported,
    async readEvents(stream, cursor): Promise<EventPage> {
      provider.reads.push({ stream, cursor });
      if (provider.failNextRead !== null) {
        const error = provider.failNextRead;
        provider.failNextRead = null;
        throw error;
      }
      const all = provider.log.get(stream) ?? [];
      const start = cursor === null ? 0 : Number(cursor);
      const events = all.slice(start, start + pageSize);
      const next = start + events.length;
      return { events, cursor: String(next), more: next < all.length };
    },
    async verifyHook(request) {
      if (request.method === 'GET') {
        const challenge = request.headers['x-verification-challenge'];
        if (challenge === undefined) throw new GateError('ERR_HOOK_MALFORMED');
        return {
          response: {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ verification: challenge }),
          },
          events: [],
          resync: [],
          handshake: true,
        };
      }
      const presented = request.headers.authorization;
      if (presented === undefined || !secretsEqual(presented, secret))
        throw new GateError('ERR_HOOK_UNAUTHENTICATED');
      let body: { events?: NormalizedEvent[]; resync?: string[] };
      try {
        body = JSON.parse(request.body) as typeof body;
      } catch (error) {
        throw new GateError('ERR_HOOK_MALFORMED', undefined, { cause: error });
      }
      if (!Array.isArray(body.events)) throw new GateError('ERR_HOOK_MALFORMED');
      return {
        response: { status: 200, headers: {}, body: '' },
        events: body.events,
        resync: body.resync ?? [],
        handshake: false,
      };
    },
  };
  return provider;
}
