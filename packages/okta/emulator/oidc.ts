/**
 * The `default` custom authorization server (`/oauth2/default`) on the emulator-kit's OIDC server
 * (oidc-provider): sign-in with the org's users and passwords, Okta Verify push as the second factor,
 * Okta's acr values, and sign-in events in the System Log.
 * @see https://developer.okta.com/docs/concepts/auth-servers/
 * @module
 */

import {
  createOidcServer,
  OIDC_ROUTE_PRESETS,
  type OidcServer,
  type SignInEvent,
} from '@recovery-gate/emulator-kit';
import type { EmuContext } from './context.js';
import { autoUnlock } from './lockout.js';
import { findUser, groupsOf } from './state.js';
import { appendEvent, userRef } from './syslog.js';

/** The public test client registered at start (authorization code + PKCE, refresh tokens). */
export const TEST_CLIENT_ID = 'test-app';

/** Statuses that may sign in and refresh tokens. */
const CAN_SIGN_IN = new Set(['ACTIVE', 'PASSWORD_EXPIRED']);

/** Failed password sign-ins before Okta's default password policy locks the account. */
export const LOCKOUT_ATTEMPTS = 10;

function logSignIn(ctx: EmuContext, event: SignInEvent): void {
  // A wrong password names no account: find it by the login typed.
  const user = event.accountId
    ? ctx.state.users.get(event.accountId)
    : event.type === 'login_failure'
      ? findUser(ctx.state, event.login)
      : undefined;
  if (!user) return;
  const failed = event.type !== 'login_success';
  const counts = ctx.state.failedSignIns;
  const previous = counts.get(user.id) ?? 0;
  const count = event.type === 'login_failure' ? previous + 1 : event.type === 'login_success' ? 0 : previous;
  counts.set(user.id, count);
  appendEvent(ctx, {
    eventType:
      event.type === 'second_factor_failure' ? 'user.authentication.auth_via_mfa' : 'user.session.start',
    actor: userRef(user),
    targets: [userRef(user)],
    outcome: failed ? 'FAILURE' : 'SUCCESS',
    reason: failed ? 'INVALID_CREDENTIALS' : null,
  });
  if (count >= LOCKOUT_ATTEMPTS && user.status === 'ACTIVE') {
    user.status = 'LOCKED_OUT';
    user.statusChanged = ctx.now();
    appendEvent(ctx, { eventType: 'user.account.lock', actor: userRef(user), targets: [userRef(user)] });
  }
}

/** Starts the authorization server for an emulator whose base URL is known. */
export async function startOidc(ctx: EmuContext, redirectUris: readonly string[]): Promise<OidcServer> {
  const { state } = ctx;
  return createOidcServer({
    issuer: `${ctx.baseUrl()}/oauth2/default`,
    routes: OIDC_ROUTE_PRESETS.okta,
    branding: { name: 'Okta', accent: '#00297a' },
    acr: {
      passwordOnly: 'urn:okta:loa:1fa:pwd',
      multiFactor: 'urn:okta:loa:2fa:any',
      stepUp: ['urn:okta:loa:2fa:any', 'urn:okta:loa:2fa:any:ifpossible', 'phr', 'phrh'],
    },
    claims: { openid: ['sub', 'groups', 'ver'] },
    extraClaims: () => ({ ver: 1 }),
    now: ctx.now,
    accounts: {
      findAccount(id) {
        const user = state.users.get(id);
        if (!user) return undefined;
        const p = user.profile;
        return {
          email: String(p.email ?? ''),
          email_verified: true,
          name: `${String(p.firstName ?? '')} ${String(p.lastName ?? '')}`.trim(),
          given_name: String(p.firstName ?? ''),
          family_name: String(p.lastName ?? ''),
          preferred_username: String(p.login),
          groups: groupsOf(state, id).map((g) => g.name),
        };
      },
      authenticate(login, password) {
        autoUnlock(ctx);
        const user = findUser(state, login);
        return user && CAN_SIGN_IN.has(user.status) && user.password === password ? user.id : null;
      },
      secondFactor(id) {
        const push = [...state.factors.values()].some(
          (f) => f.userId === id && f.factorType === 'push' && f.status === 'ACTIVE',
        );
        return push ? 'push' : 'none';
      },
      isAccountActive: (id) => CAN_SIGN_IN.has(state.users.get(id)?.status ?? ''),
      onSignInEvent: (event) => logSignIn(ctx, event),
    },
    clients: [{ client_id: TEST_CLIENT_ID, redirect_uris: [...redirectUris] }],
  });
}
