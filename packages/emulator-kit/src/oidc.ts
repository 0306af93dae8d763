import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider from 'oidc-provider';
import { json, parseUrl, replayableRequest } from './http.js';
import { DEFAULT_ACR_POLICY, DEFAULT_AMR, stepUpDecider } from './oidc-acr.js';
import { type ClientRegistry, createClientRegistry, registerOidcClient } from './oidc-clients.js';
import {
  buildConfiguration,
  createSigningKey,
  DEFAULT_ROUTES,
  type ResolvedRoutes,
  resolveTtl,
} from './oidc-config.js';
import { createInteractionUi, type InteractionUi } from './oidc-interactions.js';
import { createOidcStore } from './oidc-store.js';
import { createTokenControl, type TokenControl } from './oidc-tokens.js';
import type { OidcClientInput, OidcServerOptions, PushChallenge, SignInMethod } from './oidc-types.js';
import { createAccessTokenVerifier, type VerifiedAccessToken } from './oidc-verify.js';

/** A running OIDC authorization server, mounted into an emulator's HTTP server. */
export interface OidcServer extends TokenControl {
  /** The issuer URL (as in discovery and the `iss` claim). */
  readonly issuer: string;
  /** The path prefix to mount `handler` on. */
  readonly mountPath: string;
  /** Absolute endpoint URLs. */
  readonly endpoints: {
    readonly discovery: string;
    readonly authorization: string;
    readonly token: string;
    readonly jwks: string;
    readonly userinfo: string;
    readonly endSession: string;
    readonly revocation: string;
    readonly introspection: string;
  };
  /** Node handler for every request under `mountPath`. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** The underlying oidc-provider instance (for emulator-specific needs). */
  readonly provider: Provider;
  /** Adds or replaces a client after start. @throws TypeError on invalid metadata */
  registerClient(client: OidcClientInput): Promise<void>;
  /** Answers the newest waiting push challenge of the account; false when none waits. */
  answerPush(accountId: string, answer: 'approve' | 'reject'): boolean;
  /** Push challenges raised by the sign-in UI, newest first. */
  pushChallenges(accountId?: string): readonly PushChallenge[];
  /** The code the account's authenticator app shows now; undefined when it has none (the demo inbox shows it). */
  currentOtp(accountId: string): Promise<string | undefined>;
  /** Checks a bearer token this server issued; undefined when invalid, expired, revoked or the account is inactive. */
  verifyAccessToken(token: string): Promise<VerifiedAccessToken | undefined>;
}

/** The amr of each sign-in method: the option's function, or its values over the RFC 8176 defaults. */
function amrOf(option: OidcServerOptions['amr']): (method: SignInMethod) => readonly string[] {
  if (typeof option === 'function') return option;
  const table = { ...DEFAULT_AMR, ...option };
  return (method) => table[method];
}

/**
 * Drops `amr` from the ID tokens of clients `carries` says no to. oidc-provider copies the session's amr into
 * every ID token (authorization endpoint, code exchange, refresh), so the one place to decide per client is
 * the token's payload; each provider has its own IdToken class, so this touches no other server.
 */
function withholdAmr(provider: Provider, carries: (clientId: string) => boolean): void {
  type Payload = () => Promise<Record<string, unknown>>;
  const idToken = provider.IdToken.prototype as unknown as {
    payload: Payload;
    client?: { clientId: string };
  };
  const payload = idToken.payload;
  idToken.payload = async function (this: typeof idToken) {
    const claims = await payload.call(this);
    if (this.client === undefined || !carries(this.client.clientId)) delete claims.amr;
    return claims;
  };
}

/** Endpoint layouts of the emulated IdPs, relative to the mount path. */
export const OIDC_ROUTE_PRESETS = {
  /** Okta custom authorization server, mounted at `/oauth2/default`. */
  okta: {
    authorization: '/v1/authorize',
    token: '/v1/token',
    jwks: '/v1/keys',
    userinfo: '/v1/userinfo',
    end_session: '/v1/logout',
    revocation: '/v1/revoke',
    introspection: '/v1/introspect',
  },
  /** Keycloak realm, mounted at `/realms/<realm>`. */
  keycloak: {
    authorization: '/protocol/openid-connect/auth',
    token: '/protocol/openid-connect/token',
    jwks: '/protocol/openid-connect/certs',
    userinfo: '/protocol/openid-connect/userinfo',
    end_session: '/protocol/openid-connect/logout',
    revocation: '/protocol/openid-connect/revoke',
    introspection: '/protocol/openid-connect/token/introspect',
  },
  /** Entra ID v2 endpoints, mounted at `/<tenant>` with issuer `${url}/<tenant>/v2.0`. */
  entra: {
    authorization: '/oauth2/v2.0/authorize',
    token: '/oauth2/v2.0/token',
    jwks: '/discovery/v2.0/keys',
    userinfo: '/oidc/userinfo',
    end_session: '/oauth2/v2.0/logout',
    revocation: '/oauth2/v2.0/revoke',
    introspection: '/oauth2/v2.0/introspect',
  },
} as const;

interface Layout {
  readonly issuer: string;
  readonly issuerPath: string;
  readonly mountPath: string;
  readonly routes: ResolvedRoutes;
  /** Absolute URL of a route. */
  readonly at: (route: string) => string;
}

function resolveLayout(options: OidcServerOptions): Layout {
  const issuerUrl = new URL(options.issuer);
  const issuerPath = issuerUrl.pathname.replace(/\/$/, '');
  const mountPath = (options.mountPath ?? issuerPath).replace(/\/$/, '');
  if (mountPath !== '' && issuerPath !== mountPath && !issuerPath.startsWith(`${mountPath}/`)) {
    throw new TypeError(`mountPath ${mountPath} must be a prefix of the issuer path ${issuerPath}`);
  }
  return {
    issuer: issuerUrl.href.replace(/\/$/, ''),
    issuerPath,
    mountPath,
    routes: { ...DEFAULT_ROUTES, ...options.routes },
    at: (route) => `${issuerUrl.origin}${mountPath}${route}`,
  };
}

function endpoints(layout: Layout): OidcServer['endpoints'] {
  const { at, routes } = layout;
  return {
    discovery: `${layout.issuer}/.well-known/openid-configuration`,
    authorization: at(routes.authorization),
    token: at(routes.token),
    jwks: at(routes.jwks),
    userinfo: at(routes.userinfo),
    endSession: at(routes.end_session),
    revocation: at(routes.revocation),
    introspection: at(routes.introspection),
  };
}

/** The Node handler for the mount: the sign-in UI, else oidc-provider with the prefix stripped. */
function mountHandler(layout: Layout, ui: InteractionUi, provider: Provider) {
  const callback = provider.callback();
  const { mountPath, issuerPath } = layout;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { path } = parseUrl(req);
    if (path !== mountPath && !path.startsWith(`${mountPath}/`)) {
      json(res, 404, { error: 'not_found' });
      return;
    }
    if (path.startsWith(`${mountPath}/interaction/`)) {
      await ui.handle(req, res);
      return;
    }
    const original = req.url ?? '/';
    const search = original.includes('?') ? original.slice(original.indexOf('?')) : '';
    const discoveryAlias =
      issuerPath !== mountPath && path === `${issuerPath}/.well-known/openid-configuration`;
    req.url = discoveryAlias
      ? `/.well-known/openid-configuration${search}`
      : original.slice(mountPath.length) || '/';
    // oidc-provider derives absolute endpoint URLs from the express-style `baseUrl` when mounted.
    Object.assign(req, { baseUrl: mountPath });
    // A route may delegate here after reading the body: replay it for oidc-provider's own parser.
    await callback(replayableRequest(req), res);
  };
}

/**
 * Creates an OIDC authorization server on oidc-provider: authorization code + PKCE, refresh tokens,
 * client credentials, acr/max_age/claims step-up through a sign-in UI, and token-state control.
 * @throws TypeError when the mount path is not a prefix of the issuer path, or a client is invalid.
 */
export async function createOidcServer(options: OidcServerOptions): Promise<OidcServer> {
  const layout = resolveLayout(options);
  const { mountPath, routes } = layout;
  const store = createOidcStore();
  const clients: ClientRegistry = createClientRegistry();
  const acr = options.acr ?? DEFAULT_ACR_POLICY;
  const needsStepUp = stepUpDecider(options);
  const isActive = async (accountId: string) => (await options.accounts.isAccountActive?.(accountId)) ?? true;
  const ttl = resolveTtl(options.ttl);
  const branding = options.branding ?? { name: 'Identity Provider' };
  const signingKey = options.signingKey ?? createSigningKey();
  const audience = options.accessTokens?.audience ?? layout.issuer;
  const configuration = buildConfiguration({
    options,
    store,
    signingKey,
    acr,
    needsStepUp,
    isActive,
    ttl,
    branding,
    mountPath,
    routes,
    audience,
  });
  const provider = new Provider(layout.issuer, configuration);
  if (options.amrInIdToken !== undefined) withholdAmr(provider, options.amrInIdToken);
  for (const client of options.clients ?? []) await registerOidcClient(provider, store, clients, client);
  const ui = createInteractionUi({
    provider,
    accounts: options.accounts,
    branding,
    mountPath,
    acr,
    needsStepUp,
    isActive,
    amr: amrOf(options.amr),
    maxOtpAttempts: options.maxOtpAttempts ?? 5,
    now: options.now ?? Date.now,
  });
  const tokens = createTokenControl({
    provider,
    store,
    isActive,
    ttl,
    clientCredentials: (clientId) => clients.get(clientId),
    tokenEndpoint: layout.at(routes.token),
    introspectionEndpoint: layout.at(routes.introspection),
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    fallbackClientId: () => clients.first(),
    jwtAudience: options.accessTokens?.format === 'jwt' ? audience : undefined,
  });
  return {
    ...tokens,
    issuer: provider.issuer,
    mountPath,
    endpoints: endpoints(layout),
    handler: mountHandler(layout, ui, provider),
    provider,
    registerClient: (client) => registerOidcClient(provider, store, clients, client),
    answerPush: ui.answerPush,
    pushChallenges: ui.pushChallenges,
    currentOtp: async (accountId) => (await options.accounts.currentOtp?.(accountId)) ?? undefined,
    verifyAccessToken: createAccessTokenVerifier({
      provider,
      signingKey,
      issuer: provider.issuer,
      audience,
      isActive,
    }),
  };
}
