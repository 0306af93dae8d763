/**
 * A stateful in-memory double of the provider port with the shared demo cast, for the engine's own unit
 * tests (a double of the gate's seam, not of any IdP SDK). Its state is the oracle: sessions, refresh
 * tokens, temporary credentials, authenticators, request markers and case status.
 * @module
 */

import { randomBytes, randomUUID } from 'node:crypto';
import {
  type Authenticator,
  CAPABILITIES,
  type Capabilities,
  type Channel,
  createSecret,
  type DeviceChallenge,
  GateError,
  type IdpKind,
  type RecoveryProvider,
  type SubjectFacts,
} from '@recovery-gate/core';
import { ADAPTER_SETTINGS } from '../testing/idp-settings.js';

const DAY = 86_400_000;
/** The IdPs whose double can push to a registered device (as Okta Verify does). */
const PUSH_IDPS: ReadonlySet<IdpKind> = new Set(['okta']);
const PHONES: Readonly<Record<string, string>> = {
  carol: '+1-555-0103',
  dave: '+1-555-0104',
  erin: '+1-555-0105',
};

interface FakeUser {
  id: string;
  login: string;
  groups: string[];
  adminRoles: string[];
  attributes: Record<string, string | null>;
  manager: string | null;
  sponsor: string | null;
  status: SubjectFacts['status'];
  authenticators: Authenticator[];
  channels: Channel[];
}

/** The double and its probes. */
export interface FakeIdp {
  readonly provider: RecoveryProvider;
  /** Port calls in order (method and user). */
  readonly calls: { method: string; userId: string }[];
  id(name: string): string;
  mintSession(userId: string): string;
  refreshTokenWorks(token: string): boolean;
  /** Temporary credentials that are live now (not revoked, not expired). */
  liveCredentials(userId: string): { id: string; secret: string }[];
  answerChallenge(userId: string, answer: 'approved' | 'rejected'): void;
  /** Makes the next `count` calls of `method` fail with ERR_IDP_UNAVAILABLE. */
  failNext(method: string, count: number): void;
  caseStatus(userId: string): string | null;
  markers(): string[];
  authenticators(userId: string): Authenticator[];
  enrol(userId: string, kind: Authenticator['kind']): string;
  /** Locks the account as repeated failed sign-ins would. */
  lockOut(userId: string): void;
}

function channel(
  id: string,
  kind: 'email' | 'phone',
  value: string,
  ageDays: number,
  start: number,
  mailbox = false,
): Channel {
  return {
    id,
    kind,
    value,
    lastChangedAt: new Date(start - ageDays * DAY).toISOString(),
    verified: true,
    isAccountMailbox: mailbox,
  };
}

function auth(id: string, kind: Authenticator['kind'], enrolledAt: number): Authenticator {
  return {
    id,
    kind,
    label: kind,
    enrolledAt: new Date(enrolledAt).toISOString(),
    status: 'active',
    supportsDeviceChallenge: kind === 'push',
  };
}

function seed(start: number): FakeUser[] {
  const person = (name: string, over: Partial<FakeUser> = {}): FakeUser => ({
    id: `u-${name}`,
    login: `${name}@example.com`,
    groups: [],
    adminRoles: [],
    attributes: {},
    manager: 'u-erin',
    sponsor: null,
    status: 'active',
    authenticators: [
      auth(`push-${name}`, 'push', start - 400 * DAY),
      auth(`pw-${name}`, 'password', start - 400 * DAY),
    ],
    channels: [
      channel('phone:mobile', 'phone', PHONES[name] ?? '+1-555-0199', 400, start),
      channel('email:primary', 'email', `${name}@example.com`, 400, start, true),
    ],
    ...over,
  });
  return [
    person('alice', {
      groups: ['Staff', 'recovery-eligible'],
      channels: [
        channel('phone:mobile', 'phone', '+1-555-0101', 400, start),
        channel('email:primary', 'email', 'alice@example.com', 400, start, true),
        channel('email:personal', 'email', 'alice.personal@example.net', 400, start),
      ],
    }),
    person('bob', {
      groups: ['Staff', 'recovery-eligible'],
      channels: [
        channel('phone:mobile', 'phone', '+1-555-0102', 2, start),
        channel('email:primary', 'email', 'bob@example.com', 400, start, true),
      ],
    }),
    person('carol', { groups: ['Tier0-Admins'], adminRoles: ['SUPER_ADMIN'] }),
    person('dave', {
      groups: ['Contractors', 'recovery-eligible'],
      attributes: { employeeType: 'contractor', contractEnd: '2026-01-31' },
      manager: null,
      sponsor: 'u-erin',
    }),
    person('erin', { groups: ['Managers', 'recovery-eligible'], manager: null }),
    person('frank', { groups: ['HelpDesk'] }),
    person('gina', { groups: ['HelpDesk'] }),
    person('sam', { groups: ['SecurityTeam'], manager: null }),
    person('sara', { groups: ['SecurityTeam'], manager: null }),
    person('ivan', { groups: ['Incident-Commanders'], manager: null }),
  ];
}

/** Creates the double for `idp`, seeded at `start` and reading time from `now`. */
export function createFakeIdp(idp: IdpKind, now: () => Date): FakeIdp {
  const users = new Map(seed(now().getTime()).map((u) => [u.id, u]));
  const tokens = new Map<string, string>();
  const creds: { userId: string; id: string; secret: string; expiresAt: number; revoked: boolean }[] = [];
  const challenges = new Map<string, { userId: string; state: 'pending' | 'approved' | 'rejected' }>();
  const faults = new Map<string, number>();
  const status = new Map<string, string | null>();
  const markers = new Set<string>();
  const calls: { method: string; userId: string }[] = [];
  const user = (id: string): FakeUser => {
    const u = users.get(id) ?? [...users.values()].find((x) => x.login === id);
    if (!u) throw new GateError('ERR_USER_NOT_FOUND');
    return u;
  };
  const enter = (method: string, userId: string) => {
    calls.push({ method, userId });
    const left = faults.get(method) ?? 0;
    if (left > 0) {
      faults.set(method, left - 1);
      throw new GateError('ERR_IDP_UNAVAILABLE', undefined, { details: { status: 503 } });
    }
  };
  const ref = (id: string | null) => (id ? { id, login: user(id).login, displayName: null } : null);
  const settings = ADAPTER_SETTINGS[idp];
  const capabilities = Object.fromEntries(
    CAPABILITIES.map((c) => [c, { supported: c !== 'device_challenge' || PUSH_IDPS.has(idp), note: 'fake' }]),
  ) as Capabilities;
  const provider: RecoveryProvider = {
    idp,
    capabilities,
    settings,
    streams: [],
    async readSubjectFacts(id) {
      enter('readSubjectFacts', id);
      const u = user(id);
      return {
        idp,
        userId: u.id,
        login: u.login,
        displayName: null,
        status: u.status,
        groups: [...u.groups],
        adminRoles: [...u.adminRoles],
        attributes: { ...u.attributes },
        manager: ref(u.manager),
        sponsor: ref(u.sponsor),
        authenticators: u.authenticators.map((a) => ({ ...a })),
        channels: u.channels.map((c) => ({ ...c })),
        protectedUnit: null,
        readAt: now().toISOString(),
      };
    },
    async findUser(id) {
      try {
        const u = user(id);
        return { id: u.id, login: u.login, displayName: null };
      } catch {
        return null;
      }
    },
    async startDeviceChallenge(userId) {
      enter('startDeviceChallenge', userId);
      const id = randomUUID();
      challenges.set(id, { userId, state: 'pending' });
      const at = now();
      return {
        id,
        authenticatorId: `push-${userId.slice(2)}`,
        numberToMatch: 42,
        startedAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + 300_000).toISOString(),
      };
    },
    async pollDeviceChallenge(userId, c: DeviceChallenge) {
      enter('pollDeviceChallenge', userId);
      return challenges.get(c.id)?.state ?? 'expired';
    },
    async revokeSessions(userId, scope) {
      enter('revokeSessions', userId);
      for (const [t, u] of tokens) if (u === userId && scope.refreshTokens) tokens.delete(t);
      return { revoked: ['sessions', 'refresh_tokens'], caveats: [] };
    },
    async resetAuthenticators(userId, selection) {
      enter('resetAuthenticators', userId);
      const u = user(userId);
      const drop = u.authenticators.filter((a) =>
        selection.all ? !(selection.keepKinds ?? []).includes(a.kind) : selection.ids.includes(a.id),
      );
      u.authenticators = u.authenticators.filter((a) => !drop.includes(a));
      return { removed: drop.map((a) => a.id) };
    },
    async resetPassword(userId) {
      enter('resetPassword', userId);
    },
    async unlock(userId) {
      enter('unlock', userId);
      user(userId).status = 'active';
    },
    async suspend(userId) {
      enter('suspend', userId);
      user(userId).status = 'suspended';
    },
    async issueTemporaryCredential(userId, options) {
      enter('issueTemporaryCredential', userId);
      const at = now();
      const id = randomUUID();
      const secret = randomBytes(12).toString('base64url');
      creds.push({
        userId,
        id,
        secret,
        expiresAt: at.getTime() + options.lifetimeSeconds * 1000,
        revoked: false,
      });
      // An IdP that delivers itself (Keycloak) mails only when a channel is named; else the gate shows it.
      const self = settings.credential.selfDelivered;
      const delivery = self !== null && options.deliverTo !== undefined ? 'idp' : 'gate';
      const kind = delivery === 'idp' && self !== null ? self : settings.credential.shown;
      // A temporary password forces a new one at the first sign-in (status password_expired).
      if (kind === 'keycloak_temporary_password') user(userId).status = 'password_expired';
      return {
        kind,
        id,
        issuedAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + options.lifetimeSeconds * 1000).toISOString(),
        singleUse: options.singleUse,
        delivery,
        secret: delivery === 'gate' ? createSecret(secret) : null,
        deliveredTo: delivery === 'idp' ? (options.deliverTo?.id ?? null) : null,
      };
    },
    async revokeTemporaryCredential(userId, credential) {
      enter('revokeTemporaryCredential', userId);
      for (const c of creds)
        if (c.userId === userId && (credential.id === null || c.id === credential.id)) c.revoked = true;
    },
    async readEvents() {
      return { events: [], cursor: '', more: false };
    },
    async verifyHook() {
      throw new GateError('ERR_UNSUPPORTED');
    },
    async writeCaseStatus(userId, marker) {
      enter('writeCaseStatus', userId);
      status.set(userId, marker?.status ?? null);
    },
    async clearRequestMarker(userId, action) {
      enter('clearRequestMarker', userId);
      markers.delete(`${userId}:${action}`);
    },
    async planGuardrails() {
      return { idp, changes: [], findings: [] };
    },
    async applyGuardrails() {
      return { applied: [] };
    },
    async doctor() {
      return {
        idp,
        checks: [{ id: 'credential', status: 'ok', summary: 'fake IdP', fix: null }],
        callbackUrl: null,
      };
    },
  };
  return {
    provider,
    calls,
    id: (name) => `u-${name}`,
    mintSession(userId) {
      const t = randomBytes(16).toString('hex');
      tokens.set(t, userId);
      markers.add(`${userId}:mfa_reset`);
      return t;
    },
    refreshTokenWorks: (t) => tokens.has(t),
    liveCredentials: (userId) =>
      creds
        .filter((c) => c.userId === userId && !c.revoked && c.expiresAt > now().getTime())
        .map((c) => ({ id: c.id, secret: c.secret })),
    answerChallenge(userId, answer) {
      for (const c of challenges.values()) if (c.userId === userId && c.state === 'pending') c.state = answer;
    },
    failNext: (method, count) => void faults.set(method, count),
    caseStatus: (userId) => status.get(userId) ?? null,
    markers: () => [...markers],
    authenticators: (userId) => user(userId).authenticators,
    lockOut(userId) {
      user(userId).status = 'locked';
    },
    enrol(userId, kind) {
      const a = auth(randomUUID(), kind, now().getTime());
      user(userId).authenticators.push(a);
      return a.id;
    },
  };
}
