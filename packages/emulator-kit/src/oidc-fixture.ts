import { type BrowserlessSignInResult, signInBrowserless } from './browserless.js';
import { type HttpServerHandle, startHttpServer } from './http.js';
import { createOidcServer, OIDC_ROUTE_PRESETS, type OidcServer } from './oidc.js';
import type { OidcAccountProfile, SecondFactorMethod, SignInEvent } from './oidc-types.js';
import { createRouter } from './router.js';

/** The Okta-shaped server the kit's own OIDC tests run against. */
export interface OidcFixture {
  readonly http: HttpServerHandle;
  readonly oidc: OidcServer;
  readonly users: Record<
    string,
    { profile: OidcAccountProfile; factor: SecondFactorMethod; active: boolean }
  >;
  readonly otps: Readonly<Record<string, string>>;
  readonly events: SignInEvent[];
  /** Accounts that must choose a new password at the next sign-in (a temporary password). */
  readonly mustChange: Set<string>;
  /** Accounts that must set up an authenticator at the next sign-in (CONFIGURE_TOTP). */
  readonly mustSetUpOtp: Set<string>;
  /** Authenticators bound on the set-up step, by account id: the key and the device name typed. */
  readonly bound: Record<string, { key: string; label: string; clientId: string }>;
  /** Passwords chosen on the new-password form, by account id (the shared password otherwise). */
  readonly chosen: Record<string, string>;
  /** The client whose sign-in changed the password, by account id. */
  readonly changedFor: Record<string, string>;
  readonly password: string;
  readonly redirectUri: string;
  /** Signs in through the code flow (the push, if asked, is approved). */
  signIn(
    login: string,
    params?: Record<string, string>,
    extra?: { otp?: string; password?: string; newPassword?: string },
  ): Promise<BrowserlessSignInResult>;
  /** The authorization URL of a plain code flow as the test client (for tests that post the forms by hand). */
  authorizeUrl(): string;
  /** A raw refresh_token grant as the public test client. */
  refresh(token: string): Promise<Response>;
}

/** Starts the kit's test fixture: u1 alice (otp), u2 bob (push), u3 carol (no factor), u4 dave (otp). */
export async function startOidcFixture(): Promise<OidcFixture> {
  const password = 'Demo-Passw0rd!';
  const redirectUri = 'http://127.0.0.1:9/cb';
  const users: OidcFixture['users'] = {
    u1: {
      profile: { email: 'alice@example.com', name: 'Alice', preferred_username: 'alice', groups: ['Staff'] },
      factor: 'otp',
      active: true,
    },
    u2: { profile: { email: 'bob@example.com', preferred_username: 'bob' }, factor: 'push', active: true },
    u3: {
      profile: { email: 'carol@example.com', preferred_username: 'carol' },
      factor: 'none',
      active: true,
    },
    u4: { profile: { email: 'dave@example.com', preferred_username: 'dave' }, factor: 'otp', active: true },
  };
  const idOf = (login: string) =>
    Object.keys(users).find((id) => users[id]?.profile.preferred_username === login);
  const otps: Record<string, string> = { u1: '123456', u4: '654321' };
  const events: SignInEvent[] = [];
  const mustChange = new Set<string>();
  const mustSetUpOtp = new Set<string>();
  const bound: OidcFixture['bound'] = {};
  const chosen: Record<string, string> = {};
  const changedFor: Record<string, string> = {};
  const router = createRouter();
  const http = await startHttpServer(router.handle);
  const oidc = await createOidcServer({
    issuer: `${http.url}/oauth2/default`,
    routes: OIDC_ROUTE_PRESETS.okta,
    branding: { name: 'Okta', accent: '#00297a' },
    acr: {
      passwordOnly: 'urn:okta:loa:1fa:pwd',
      multiFactor: 'urn:okta:loa:2fa:any',
      stepUp: ['urn:okta:loa:2fa:any', 'phr', 'http://schemas.openid.net/pape/policies/2007/06/multi-factor'],
    },
    claims: { openid: ['sub', 'groups', 'ver'] },
    extraClaims: () => ({ ver: 1 }),
    accounts: {
      findAccount: (id) => users[id]?.profile,
      authenticate: (login, given) => {
        const id = idOf(login);
        return id && given === (chosen[id] ?? password) ? id : null;
      },
      mustChangePassword: (id) => mustChange.has(id),
      mustConfigureOtp: (id) => mustSetUpOtp.has(id),
      bindOtp: (id, key, label, clientId) => {
        bound[id] = { key, label, clientId };
        mustSetUpOtp.delete(id);
      },
      changePassword: (id, next, clientId) => {
        if (next.length < 8) return 'Invalid password: minimum length 8.';
        changedFor[id] = clientId;
        chosen[id] = next;
        mustChange.delete(id);
        return null;
      },
      secondFactor: (id) => users[id]?.factor ?? 'none',
      currentOtp: (id) => otps[id],
      isAccountActive: (id) => users[id]?.active ?? false,
      onSignInEvent: (event) => events.push(event),
    },
    clients: [{ client_id: 'gate', redirect_uris: [redirectUri] }],
  });
  router.mount(oidc.mountPath, oidc.handler);
  return {
    http,
    oidc,
    users,
    otps,
    events,
    mustChange,
    mustSetUpOtp,
    bound,
    chosen,
    changedFor,
    password,
    redirectUri,
    authorizeUrl: () =>
      `${oidc.endpoints.authorization}?${new URLSearchParams({
        client_id: 'gate',
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
      })}`,
    signIn: (login, params = {}, extra = {}) =>
      signInBrowserless({
        authorizationEndpoint: oidc.endpoints.authorization,
        tokenEndpoint: oidc.endpoints.token,
        clientId: 'gate',
        redirectUri,
        login,
        password: extra.password ?? password,
        params,
        otp: () => extra.otp ?? otps[idOf(login) ?? ''],
        ...(extra.newPassword === undefined ? {} : { newPassword: extra.newPassword }),
        approvePush: () => {
          oidc.answerPush(idOf(login) ?? '', 'approve');
        },
      }),
    refresh: (token) =>
      fetch(oidc.endpoints.token, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: 'gate' }),
      }),
  };
}
