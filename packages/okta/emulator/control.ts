/**
 * Test and demo control of the emulator: clock, faults, push answers, TAC sign-in, lockouts, sessions,
 * agent tokens, and native-console actions performed by an agent through the real API.
 * @module
 */

import { timingSafeEqual } from 'node:crypto';
import type { FaultInjector, OidcClientInput, WebhookDispatcher } from '@recovery-gate/emulator-kit';
import type { EmuContext } from './context.js';
import { TEST_CLIENT_ID } from './oidc.js';
import { mintSession } from './sessions.js';
import { type EmuUser, findGroupByName, findUser, newToken, type OrgState } from './state.js';
import { appendEvent, type LogInput, userRef } from './syslog.js';
import { setStatus } from './users.js';

/** A native-console action an agent performs (through the API, with the agent's own token). */
export type NativeAction =
  | {
      readonly kind:
        | 'reset_factors'
        | 'reset_password'
        | 'unlock'
        | 'clear_sessions'
        | 'expire_password'
        | 'suspend';
    }
  | { readonly kind: 'add_to_group' | 'remove_from_group'; readonly group: string }
  | { readonly kind: 'update_profile'; readonly profile: Readonly<Record<string, string | null>> };

/** Every management scope the emulator knows (a service app's default grant). */
const ALL_SCOPES = [
  'users',
  'groups',
  'logs',
  'eventHooks',
  'roles',
  'schemas',
  'authenticators',
  'sessions',
].flatMap((area) => [`okta.${area}.read`, `okta.${area}.manage`]);

/** Control surface of the Okta emulator. */
export interface OktaEmulatorControl {
  /** The raw org state (read it as the oracle). */
  readonly state: OrgState;
  /** Emulator time in epoch ms. */
  now(): number;
  /** Moves the clock forward. */
  advanceClock(ms: number): void;
  /** Fault injection and the request log (conformance tests read it). */
  readonly faults: FaultInjector;
  /** Event-hook deliveries: log, drops, `idle()` to await in-flight deliveries. */
  readonly hooks: WebhookDispatcher;
  /** The id of a user by login (or id). @throws Error when unknown */
  userId(login: string): string;
  /** Signs a user in to a client (the test app by default): a session and a refresh token. */
  mintSession(user: string, clientId?: string): Promise<{ refreshToken: string; sessionId: string }>;
  /** Registers (or replaces) an OIDC client of `/oauth2/default`, e.g. the gate's verification pages. */
  registerOidcClient(client: OidcClientInput): Promise<void>;
  /**
   * Answers the user's pending push: a Factors API transaction, else a push raised by the sign-in UI;
   * false when there is none.
   */
  /**
   * Answers the latest push on the user's device. With number matching, approving needs the number the user
   * picks: none leaves the push waiting (false), a wrong one fails it (REJECTED), as Okta Verify does.
   * @see https://help.okta.com/oie/en-us/content/topics/identity-engine/authenticators/nm-ov-authenticator.htm
   */
  answerPush(user: string, answer: 'approve' | 'reject', picked?: number): boolean;
  /** The number the latest pending push of the user shows, or null. */
  pendingPushNumber(user: string): number | null;
  /** Tries a TAC sign-in; consumes a single-use code on success (and starts a session). */
  signInWithTac(user: string, code: string): Promise<boolean>;
  /** Locks the account as repeated failed sign-ins would. */
  lockOut(user: string): void;
  /** Issues an SSWS API token owned by `login` (an agent's own token). */
  createApiToken(login: string): string;
  /**
   * Registers an OAuth service app (client_credentials + private_key_jwt) with its public JWK and the
   * scopes granted to it (default: every okta.* management scope the emulator knows).
   */
  registerServiceApp(
    clientId: string,
    jwk: Record<string, unknown>,
    options?: {
      readonly name?: string;
      readonly scopes?: readonly string[];
      /** Standard admin roles assigned to the app (default Super Administrator; `[]` for none). */
      readonly roles?: readonly string[];
    },
  ): void;
  /** Performs a native admin action as `agent` through the API; resolves to the HTTP status. */
  nativeAction(agent: string, user: string, action: NativeAction): Promise<number>;
  /** Appends a System Log event directly (for tests of odd events). */
  appendEvent(input: LogInput): void;
  /** A profile attribute of a user (e.g. the case status), or null. */
  profileValue(user: string, attribute: string): string | null;
}

function userOf(state: OrgState, key: string): EmuUser {
  const user = findUser(state, key);
  if (!user) throw new Error(`no such user: ${key}`);
  return user;
}

function actionRequest(
  action: NativeAction,
  base: string,
  userId: string,
  state: OrgState,
): { method: string; url: string; body?: unknown } {
  const u = `${base}/api/v1/users/${userId}`;
  switch (action.kind) {
    case 'reset_factors':
      return { method: 'POST', url: `${u}/lifecycle/reset_factors` };
    case 'reset_password':
      return { method: 'POST', url: `${u}/lifecycle/reset_password?sendEmail=false` };
    case 'expire_password':
      return { method: 'POST', url: `${u}/lifecycle/expire_password` };
    case 'unlock':
      return { method: 'POST', url: `${u}/lifecycle/unlock` };
    case 'suspend':
      return { method: 'POST', url: `${u}/lifecycle/suspend` };
    case 'clear_sessions':
      return { method: 'DELETE', url: `${u}/sessions?oauthTokens=true` };
    case 'update_profile':
      return { method: 'POST', url: u, body: { profile: action.profile } };
    default: {
      const group = findGroupByName(state, action.group);
      if (!group) throw new Error(`no such group: ${action.group}`);
      return {
        method: action.kind === 'add_to_group' ? 'PUT' : 'DELETE',
        url: `${base}/api/v1/groups/${group.id}/users/${userId}`,
      };
    }
  }
}

/** Builds the control surface. */
export function createControl(
  ctx: EmuContext,
  faults: FaultInjector,
  advance: (ms: number) => void,
): OktaEmulatorControl {
  const { state } = ctx;
  const agentTokens = new Map<string, string>();
  const latestPush = (userId: string) =>
    [...state.transactions.values()]
      .filter((t) => t.userId === userId && t.result === 'WAITING' && t.expiresAt > ctx.now())
      .at(-1);
  const control: OktaEmulatorControl = {
    state,
    now: () => ctx.now(),
    advanceClock: advance,
    faults,
    hooks: ctx.dispatcher,
    userId: (login) => userOf(state, login).id,
    mintSession: (user, clientId = TEST_CLIENT_ID) => mintSession(ctx, userOf(state, user).id, clientId),
    async registerOidcClient(client) {
      if (!ctx.oidc) throw new Error('the authorization server is not running');
      await ctx.oidc.registerClient(client);
    },
    answerPush(user, answer, picked) {
      const id = userOf(state, user).id;
      const tx = latestPush(id);
      if (!tx) return ctx.oidc?.answerPush(id, answer) ?? false;
      if (answer === 'approve' && tx.numberMatching) {
        if (picked === undefined) return false;
        tx.result = picked === tx.correctAnswer ? 'SUCCESS' : 'REJECTED';
        return true;
      }
      tx.result = answer === 'approve' ? 'SUCCESS' : 'REJECTED';
      return true;
    },
    pendingPushNumber: (user) => latestPush(userOf(state, user).id)?.correctAnswer ?? null,
    async signInWithTac(user, code) {
      const subject = userOf(state, user);
      const tac = [...state.enrollments.values()].find((e) => e.userId === subject.id && e.key === 'tac');
      // RECOVERY users cannot sign in until the reset flow completes; whether a TAC overrides that is a switch.
      const usable =
        ['ACTIVE', 'PASSWORD_EXPIRED'].includes(subject.status) ||
        (subject.status === 'RECOVERY' && ctx.recoveryTacSignIn === 'allowed');
      const expected = Buffer.from(tac?.tac?.code ?? '\u0000');
      const given = Buffer.from(code);
      const matches = expected.length === given.length && timingSafeEqual(expected, given);
      const valid =
        usable && tac?.tac !== undefined && !tac.tac.used && tac.tac.expiresAt > ctx.now() && matches;
      appendEvent(ctx, {
        eventType: 'user.authentication.auth_via_mfa',
        actor: userRef(subject),
        targets: [userRef(subject)],
        outcome: valid ? 'SUCCESS' : 'FAILURE',
        reason: valid ? null : 'INVALID_CREDENTIALS',
      });
      if (!valid || !tac?.tac) return false;
      if (!tac.tac.multiUse) state.enrollments.delete(tac.id);
      await mintSession(ctx, subject.id, TEST_CLIENT_ID);
      return true;
    },
    lockOut(user) {
      const subject = userOf(state, user);
      setStatus(ctx, subject, 'LOCKED_OUT');
      appendEvent(ctx, {
        eventType: 'user.account.lock',
        actor: userRef(subject),
        targets: [userRef(subject)],
      });
    },
    createApiToken(login) {
      const existing = agentTokens.get(login);
      if (existing) return existing;
      const token = `00${newToken(40)}`;
      state.tokens.set(token, { type: 'User', id: userOf(state, login).id });
      agentTokens.set(login, token);
      return token;
    },
    registerServiceApp(clientId, jwk, options = {}) {
      const scopes = new Set(options.scopes ?? ALL_SCOPES);
      state.serviceApps.set(clientId, { name: options.name ?? 'Recovery Gate', jwk, scopes });
      for (const [id, a] of state.roleAssignments)
        if (a.principalType === 'CLIENT' && a.principalId === clientId) state.roleAssignments.delete(id);
      for (const type of options.roles ?? ['SUPER_ADMIN']) {
        const id = `ra1${newToken(17)}`;
        const now = ctx.now();
        state.roleAssignments.set(id, {
          id,
          principalType: 'CLIENT',
          principalId: clientId,
          type,
          roleId: null,
          resourceSetId: null,
          created: now,
          lastUpdated: now,
        });
      }
    },
    async nativeAction(agent, user, action) {
      const token = control.createApiToken(agent);
      const request = actionRequest(action, ctx.baseUrl(), userOf(state, user).id, state);
      const response = await fetch(request.url, {
        method: request.method,
        headers: {
          authorization: `SSWS ${token}`,
          accept: 'application/json',
          'content-type': 'application/json',
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      });
      await response.arrayBuffer();
      return response.status;
    },
    appendEvent: (input) => void appendEvent(ctx, input),
    profileValue(user, attribute) {
      const value = userOf(state, user).profile[attribute];
      return typeof value === 'string' ? value : null;
    },
  };
  return control;
}
