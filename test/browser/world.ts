/**
 * A browser-test world for one IdP: the real adapter on its seeded emulator, the emulator's OIDC
 * authorization server, a PGlite store, the case engine, the gate's
 * HTTP server with the pages mounted, a recording notifier and an injected gate clock.
 * @module
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  baselinePolicyInput,
  createSecret,
  type IdpKind,
  type NormalizedEvent,
  type Policy,
  parsePolicy,
  type RecoveryAction,
} from '@recovery-gate/core';
import {
  CALLBACK_PATH,
  type CaseEngine,
  createAuditLog,
  createMetrics,
  createOrchestrator,
  createRouter,
  GATE_MIGRATIONS,
  mountPages,
  type Notification,
  openStore,
  type PagesSettings,
  type Store,
  silentLogger,
  startHttpServer,
} from '@recovery-gate/gate';
import { type IdpSide, SIDES } from './sides.js';

/** Seconds a link lives in these tests. */
export const LINK_TTL_SECONDS = 900;

/**
 * The policy of the browser tests: a standard MFA reset needs two of step-up, a phone code and the manager,
 * plus a second agent; a password reset holds for an hour, an authenticator rebind for ten minutes (within
 * the page session), each with a cancel link.
 */
export const PAGES_POLICY = parsePolicy({
  ...baselinePolicyInput,
  subjects: {
    ...baselinePolicyInput.subjects,
    // By group: Keycloak reports an unset employeeType as unknown, which (rightly) never lowers the class.
    contractor: { ...baselinePolicyInput.subjects.contractor, match: { group: 'Contractors' } },
  },
  tiers: {
    ...baselinePolicyInput.tiers,
    PAGES: {
      description: 'Standard MFA reset in the browser tests.',
      rank: 20,
      evidence: { atLeast: 2, of: ['oidc_step_up', 'phone_otp', 'manager_approval'] },
      approvals: [{ role: 'second_agent' }],
      freshness: { evidenceMaxAge: '30m', channelMinAge: '30d' },
      credential: { lifetime: '30m', singleUse: true },
      revoke: ['sessions', 'refresh_tokens', 'grants'],
      notify: ['subject', 'manager', 'security'],
    },
    HELD: {
      description: 'Standard password reset with a hold and a cancel link.',
      rank: 15,
      evidence: { anyOf: ['oidc_step_up', 'manager_approval'] },
      freshness: { evidenceMaxAge: '30m', channelMinAge: '30d' },
      hold: { duration: '1h', notice: true, cancelLink: true },
      credential: { lifetime: '30m', singleUse: true },
      revoke: ['sessions', 'refresh_tokens'],
      notify: ['subject', 'security'],
    },
    PUSH: {
      description: 'Unlock with a number-matching push (Okta) and a step-up sign-in.',
      rank: 14,
      evidence: { allOf: ['device_challenge', 'oidc_step_up'] },
      freshness: { evidenceMaxAge: '30m', channelMinAge: '30d' },
      revoke: ['sessions', 'refresh_tokens'],
      notify: ['subject', 'security'],
    },
    REBIND: {
      description: 'Authenticator rebind: step-up, then a hold whose cancel link outlives the run.',
      rank: 16,
      evidence: { anyOf: ['oidc_step_up', 'manager_approval'] },
      // Keycloak mails the credential to the account's address, on file for two days for bob.
      freshness: { evidenceMaxAge: '30m', channelMinAge: '1d' },
      hold: { duration: '10m', notice: true, cancelLink: true },
      credential: { lifetime: '30m', singleUse: true },
      revoke: ['sessions', 'refresh_tokens'],
      notify: ['subject', 'security'],
    },
  },
  matrix: {
    ...baselinePolicyInput.matrix,
    authenticator_rebind: { ...baselinePolicyInput.matrix.authenticator_rebind, standard: 'REBIND' },
    account_unlock: { ...baselinePolicyInput.matrix.account_unlock, standard: 'PUSH' },
    mfa_reset: { ...baselinePolicyInput.matrix.mfa_reset, standard: 'PAGES' },
    password_reset: { ...baselinePolicyInput.matrix.password_reset, standard: 'HELD' },
  },
});

/** One started world. */
export interface BrowserWorld {
  readonly idp: IdpKind;
  readonly side: IdpSide;
  readonly gateUrl: string;
  readonly engine: CaseEngine;
  readonly store: Store;
  readonly sent: Notification[];
  readonly clock: { now: Date };
  /** The IdP id of a cast member. */
  id(name: string): Promise<string>;
  /** Opens a case as frank's native-console request would. */
  open(subject: string, action?: RecoveryAction): Promise<string>;
  /** The newest link URL with `purpose` sent to `address` (or `security`), rebased on the gate URL. */
  linkTo(address: string, purpose: 'verify' | 'approve' | 'cancel' | 'reveal', nth?: number): string;
  /** The address of a cast member's channel. */
  address(name: string, kind: 'phone' | 'email', mailbox?: boolean): Promise<string>;
  close(): Promise<void>;
}

let seq = 0;

/** Starts a world for `idp`; `settings` add to the pages' own (e.g. recovery codes); `policy` replaces the tests' own. */
export async function startBrowserWorld(
  idp: IdpKind,
  settings: Partial<PagesSettings> = {},
  policy: Policy = PAGES_POLICY,
): Promise<BrowserWorld> {
  const side = await SIDES[idp]();
  const dir = await mkdtemp(join(tmpdir(), `pages-${idp}-`));
  const store = await openStore({ dataDir: dir });
  const clock = { now: new Date() };
  const sent: Notification[] = [];
  const router = createRouter();
  const server = await startHttpServer({ logger: silentLogger, router, port: 0 });
  const engine = createOrchestrator(
    {
      store,
      providers: new Map([[idp, side.adapter]]),
      policy,
      audit: createAuditLog(store, () => clock.now),
      notifier: { send: async (n) => void sent.push(n) },
      metrics: createMetrics(),
      logger: silentLogger,
      now: () => clock.now,
      baseUrl: server.url,
    },
    { linkTtlSeconds: LINK_TTL_SECONDS },
  );
  await store.migrate([...GATE_MIGRATIONS, ...engine.migrations]);
  await side.registerClient({
    client_id: side.clientId,
    redirect_uris: [`${server.url}${CALLBACK_PATH}`],
    // The refresh_token grant lets the tests mint an app session on the same client (the revocation oracle).
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  });
  const audit = createAuditLog(store, () => clock.now);
  mountPages(
    router,
    () => ({
      engine,
      store,
      providers: new Map([[idp, side.adapter]]),
      notifier: { send: async (n) => void sent.push(n) },
      audit,
      baseUrl: server.url,
      logger: silentLogger,
    }),
    {
      oidc: { [idp]: { ...side.settings, clientId: side.clientId } },
      sessionSecret: createSecret('browser-test-session-secret-0123456789'),
      viewer: { idp, groups: ['SecurityTeam', 'HelpDesk-Leads'] },
      now: () => clock.now,
      ...settings,
    },
  );
  const ids = new Map<string, string>();
  const world: BrowserWorld = {
    idp,
    side,
    gateUrl: server.url,
    engine,
    store,
    sent,
    clock,
    async id(name) {
      const known = ids.get(name);
      if (known) return known;
      const person =
        (await side.adapter.findUser(`${name}@example.com`)) ?? (await side.adapter.findUser(name));
      if (!person) throw new Error(`${name} is not seeded on ${idp}`);
      ids.set(name, person.id);
      return person.id;
    },
    async open(subject, action = 'mfa_reset') {
      seq += 1;
      const event: NormalizedEvent = {
        id: `pages-${seq}-${Date.now()}`,
        idp,
        kind: 'recovery_requested',
        sourceType: 'request-group membership added',
        occurredAt: clock.now.toISOString(),
        actor: { id: await world.id('frank'), type: 'user', displayName: 'Frank' },
        subject: { userId: await world.id(subject), login: null },
        action,
        authenticatorKind: null,
      };
      await engine.handleEvent(event);
      const [c] = await engine.listCases({ subjectId: await world.id(subject), kind: 'recovery' });
      if (!c) throw new Error(`no case for ${subject}`);
      return c.id;
    },
    linkTo(address, purpose, nth = -1) {
      const urls = sent
        .filter((n) => (n.to.kind === 'security' ? address === 'security' : n.to.address === address))
        .flatMap((n) => n.links ?? [])
        .map((l) => l.url)
        .filter((u) => u.includes(`/${purpose}/`));
      const url = urls.at(nth);
      if (!url) throw new Error(`no ${purpose} link to ${address}`);
      return url;
    },
    async address(name, kind, mailbox = false) {
      const facts = await side.adapter.readSubjectFacts(await world.id(name));
      const ch = (facts.channels ?? []).find((c) => c.kind === kind && c.isAccountMailbox === mailbox);
      if (!ch) throw new Error(`${name} has no such ${kind} on ${idp}`);
      return ch.value;
    },
    async close() {
      await server.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
      await side.close();
    },
  };
  return world;
}
