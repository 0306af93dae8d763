import type Provider from 'oidc-provider';
import type { ClientCredentials } from './oidc-clients.js';
import type { OidcStore } from './oidc-store.js';

/** A session the authorization server holds. */
export interface OidcSessionInfo {
  /** The session handle (oidc-provider's stable session `uid`, also the `sid` source). */
  readonly sessionId: string;
  readonly accountId: string;
  /** Sign-in time, epoch seconds (real time). */
  readonly loginTs: number | undefined;
  readonly acr: string | undefined;
  readonly amr: readonly string[];
  /** Clients that obtained a grant in this session. */
  readonly clientIds: readonly string[];
}

/** What {@link createTokenControl} needs. */
export interface TokenControlDeps {
  readonly provider: Provider;
  readonly store: OidcStore;
  /** How to authenticate as a registered client, by id. */
  readonly clientCredentials: (clientId: string) => ClientCredentials | undefined;
  /** Absolute token endpoint URL. */
  readonly tokenEndpoint: string;
  /** Absolute introspection endpoint URL. */
  readonly introspectionEndpoint: string;
  readonly rotateRefreshTokens: boolean;
  readonly isActive: (accountId: string) => Promise<boolean>;
  readonly ttl: { readonly session: number; readonly refreshToken: number };
  /** The JWT access-token audience (resource indicator) when access tokens are JWTs. */
  readonly jwtAudience: string | undefined;
  /** Client used to ask about tokens the store does not know. */
  readonly fallbackClientId: () => string | undefined;
}

/** Token-state control for contract probes and the emulators' revoke APIs. */
export interface TokenControl {
  mintRefreshToken(
    accountId: string,
    clientId: string,
    options?: { readonly scope?: string; readonly acr?: string; readonly amr?: readonly string[] },
  ): Promise<{ readonly refreshToken: string; readonly sessionId: string }>;
  refreshTokenWorks(refreshToken: string): Promise<boolean>;
  /**
   * Destroys the account's sessions, grants and tokens (refresh, access, codes). With `clientId`, only that
   * client's grants and tokens (sessions stay unless `sessions: true`). `tokens: false` ends sessions only:
   * refresh tokens outlive sessions, as at the real IdPs (Okta without `oauthTokens`, Keycloak offline tokens).
   */
  revokeAccountTokens(
    accountId: string,
    options?: {
      readonly clientId?: string;
      readonly sessions?: boolean;
      readonly tokens?: boolean;
      /**
       * Only what was issued (tokens: `iat`; sessions: sign-in time) before this epoch-ms instant, as an IdP
       * that revokes "everything issued before now" applies it later (Entra's signInSessionsValidFromDateTime).
       * Whole seconds, so a token of the same second counts as before. @default every one
       */
      readonly issuedBefore?: number;
      /**
       * `false` keeps access tokens (and the grants they hang on) until they expire, as IdPs whose session
       * revocation ends refresh tokens and sessions only (Entra). @default true
       */
      readonly accessTokens?: boolean;
    },
  ): Promise<{ readonly sessions: number; readonly grants: number; readonly tokens: number }>;
  /** Ends one session by its id; false when it did not exist. */
  endSession(sessionId: string): Promise<boolean>;
  /** Revokes one refresh token (other tokens of the grant stay valid); false when unknown. */
  revokeRefreshToken(refreshToken: string): Promise<boolean>;
  sessionActive(sessionId: string): Promise<boolean>;
  listSessions(accountId: string): Promise<readonly OidcSessionInfo[]>;
  listRefreshTokens(
    accountId: string,
    clientId?: string,
  ): readonly { readonly id: string; readonly clientId: string }[];
}

const TOKEN_MODELS = [
  'AccessToken',
  'RefreshToken',
  'AuthorizationCode',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
];

/**
 * Builds client authentication for a POST to the kit's own endpoints, per the registered method.
 * @throws TypeError for methods the kit cannot perform (private_key_jwt...).
 */
function clientAuth(
  clientId: string,
  credentials: ClientCredentials | undefined,
): { headers: Record<string, string>; form: Record<string, string> } {
  const method = credentials?.method ?? 'none';
  const secret = credentials?.secret?.reveal();
  if (method === 'none' || secret === undefined) return { headers: {}, form: { client_id: clientId } };
  if (method === 'client_secret_post')
    return { headers: {}, form: { client_id: clientId, client_secret: secret } };
  if (method !== 'client_secret_basic') {
    throw new TypeError(
      `refreshTokenWorks cannot authenticate as ${clientId} (${method}); register it with a secret`,
    );
  }
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString(
    'base64',
  );
  return { headers: { authorization: `Basic ${basic}` }, form: {} };
}

/** Creates the token-state control over oidc-provider's models and the kit's store. */
export function createTokenControl(deps: TokenControlDeps): TokenControl {
  const { provider, store } = deps;

  async function post(url: string, clientId: string, form: Record<string, string>): Promise<Response> {
    const auth = clientAuth(clientId, deps.clientCredentials(clientId));
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth.headers },
      body: new URLSearchParams({ ...form, ...auth.form }),
    });
  }

  return {
    async mintRefreshToken(accountId, clientId, options = {}) {
      const client = await provider.Client.find(clientId);
      if (!client) throw new TypeError(`unknown OIDC client ${clientId}`);
      if (!client.grantTypeAllowed('refresh_token')) {
        throw new TypeError(`client ${clientId} may not use refresh tokens`);
      }
      const scope = options.scope ?? 'openid offline_access profile email';
      const amr = [...(options.amr ?? ['pwd'])];
      const loginTs = Math.floor(Date.now() / 1000);
      const grant = new provider.Grant({ accountId, clientId });
      grant.addOIDCScope(scope);
      if (deps.jwtAudience) grant.addResourceScope(deps.jwtAudience, scope);
      const grantId = await grant.save();
      const session = new provider.Session();
      session.loginAccount({ accountId, loginTs, amr, ...(options.acr ? { acr: options.acr } : {}) });
      session.grantIdFor(clientId, grantId);
      session.ensureClientContainer(clientId);
      await session.save(deps.ttl.session);
      const token = new provider.RefreshToken({
        accountId,
        client,
        grantId,
        scope,
        gty: 'authorization_code',
        authTime: loginTs,
        amr,
        ...(options.acr ? { acr: options.acr } : {}),
        sessionUid: session.uid,
        sid: session.sidFor(clientId),
        expiresWithSession: false,
        expiresIn: deps.ttl.refreshToken,
        ...(deps.jwtAudience ? { resource: deps.jwtAudience } : {}),
      });
      const refreshToken = await token.save();
      return { refreshToken, sessionId: session.uid };
    },

    async refreshTokenWorks(refreshToken) {
      const stored = store.get('RefreshToken', refreshToken);
      const clientId = stored?.payload.clientId ?? deps.fallbackClientId();
      if (!clientId) return false;
      if (!deps.rotateRefreshTokens) {
        const response = await post(deps.tokenEndpoint, clientId, {
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
        });
        await response.arrayBuffer();
        return response.ok;
      }
      // With rotation a real refresh would consume the token, so ask introspection instead.
      const response = await post(deps.introspectionEndpoint, clientId, {
        token: refreshToken,
        token_type_hint: 'refresh_token',
      });
      if (!response.ok) return false;
      const body = (await response.json()) as { active?: boolean; sub?: string };
      return body.active === true && typeof body.sub === 'string' && (await deps.isActive(body.sub));
    },

    async revokeAccountTokens(accountId, options = {}) {
      const cutoff = options.issuedBefore === undefined ? null : Math.floor(options.issuedBefore / 1000);
      const before = (seconds: unknown) =>
        cutoff === null || (typeof seconds === 'number' && seconds <= cutoff);
      const matches = (payload: {
        accountId?: string | undefined;
        clientId?: string | undefined;
        iat?: unknown;
      }) =>
        payload.accountId === accountId &&
        (options.clientId === undefined || payload.clientId === options.clientId) &&
        before(payload.iat);
      const keepAccess = options.accessTokens === false;
      let tokens = 0;
      let grants = 0;
      if (options.tokens ?? true) {
        const models = keepAccess
          ? TOKEN_MODELS.filter((m) => m !== 'AccessToken')
          : [...TOKEN_MODELS, 'Grant'];
        for (const model of models) {
          for (const entry of store.list(model).filter((candidate) => matches(candidate.payload))) {
            store.remove(model, entry.id);
            if (model === 'Grant') grants += 1;
            else tokens += 1;
          }
        }
      }
      let sessions = 0;
      if (options.sessions ?? options.clientId === undefined) {
        for (const entry of store
          .list('Session')
          .filter(
            (candidate) => candidate.payload.accountId === accountId && before(candidate.payload.loginTs),
          )) {
          store.remove('Session', entry.id);
          sessions += 1;
        }
      }
      return { sessions, grants, tokens };
    },

    async endSession(sessionId) {
      const entry = store.list('Session').find((candidate) => candidate.payload.uid === sessionId);
      if (entry) store.remove('Session', entry.id);
      return entry !== undefined;
    },

    async revokeRefreshToken(refreshToken) {
      const found = store.get('RefreshToken', refreshToken) !== undefined;
      store.remove('RefreshToken', refreshToken);
      return found;
    },

    async sessionActive(sessionId) {
      return (await provider.Session.findByUid(sessionId)) !== undefined;
    },

    async listSessions(accountId) {
      return store
        .list('Session')
        .filter((entry) => entry.payload.accountId === accountId)
        .map((entry) => ({
          sessionId: String(entry.payload.uid),
          accountId,
          loginTs: entry.payload.loginTs,
          acr: entry.payload.acr,
          amr: entry.payload.amr ?? [],
          clientIds: Object.keys(entry.payload.authorizations ?? {}),
        }));
    },

    listRefreshTokens(accountId, clientId) {
      return store
        .list('RefreshToken')
        .filter((entry) => entry.payload.accountId === accountId)
        .filter((entry) => clientId === undefined || entry.payload.clientId === clientId)
        .map((entry) => ({ id: entry.id, clientId: String(entry.payload.clientId) }));
    },
  };
}
