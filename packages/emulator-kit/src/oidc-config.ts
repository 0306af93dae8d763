import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Configuration, JWK, KoaContextWithOIDC } from 'oidc-provider';
import { errors, interactionPolicy } from 'oidc-provider';
import type { OidcStore } from './oidc-store.js';
import type { AcrPolicy, OidcServerOptions } from './oidc-types.js';
import { errorPage, messagePage, PAGE_HEADERS, type SignInBranding } from './oidc-views.js';

/** oidc-provider's own endpoint paths (used when the emulator gives none). */
export const DEFAULT_ROUTES = {
  authorization: '/auth',
  token: '/token',
  jwks: '/jwks',
  userinfo: '/me',
  end_session: '/session/end',
  revocation: '/token/revocation',
  introspection: '/token/introspection',
} as const;

/** Resolved endpoint paths. */
export type ResolvedRoutes = { readonly [K in keyof typeof DEFAULT_ROUTES]: string };

/** Resolved lifetimes in seconds. */
export interface ResolvedTtl {
  readonly accessToken: number;
  readonly idToken: number;
  readonly refreshToken: number;
  readonly authorizationCode: number;
  readonly session: number;
  readonly interaction: number;
}

const DEFAULT_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub', 'groups'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'],
  email: ['email', 'email_verified'],
  groups: ['groups'],
};

/** acr, amr and auth_time go into every ID token, not only when requested. */
const ALWAYS_IN_ID_TOKEN = ['sub', 'acr', 'amr', 'auth_time'];

let processKey: JWK | undefined;

/**
 * The RS256 signing key (private JWK with a random kid). Generated once per process: RSA generation takes
 * ~200 ms and emulators start once per test.
 */
export function createSigningKey(): JWK {
  if (!processKey) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    processKey = { ...jwk, kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' } as JWK;
  }
  return processKey;
}

/** Resolves lifetimes with defaults. */
export function resolveTtl(ttl: OidcServerOptions['ttl']): ResolvedTtl {
  return {
    accessToken: ttl?.accessToken ?? 3600,
    idToken: ttl?.idToken ?? 3600,
    refreshToken: ttl?.refreshToken ?? 30 * 24 * 3600,
    authorizationCode: ttl?.authorizationCode ?? 60,
    session: ttl?.session ?? 24 * 3600,
    interaction: ttl?.interaction ?? 3600,
  };
}

function stepUpPolicy(needsStepUp: (params: Readonly<Record<string, unknown>>) => boolean) {
  const { Check } = interactionPolicy;
  const policy = interactionPolicy.base();
  const check = new Check('acr_step_up', 'a second authentication factor is required', (ctx) => {
    const { oidc } = ctx;
    if (!oidc.session?.accountId || oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
    if (!needsStepUp(oidc.params ?? {})) return Check.NO_NEED_TO_PROMPT;
    const multiFactor = (oidc.session.amr ?? []).includes('mfa');
    return multiFactor ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
  });
  policy.get('login')?.checks.add(check);
  return policy;
}

function claimsConfig(options: OidcServerOptions): Record<string, string[] | null> {
  const claims: Record<string, string[] | null> = {
    acr: null,
    amr: null,
    sid: null,
    auth_time: null,
    iss: null,
  };
  for (const [scope, names] of Object.entries({ ...DEFAULT_CLAIMS, ...options.claims }))
    claims[scope] = [...names];
  claims.openid = [...new Set([...(claims.openid ?? []), ...ALWAYS_IN_ID_TOKEN])];
  return claims;
}

/** Everything the configuration builder needs. */
export interface ConfigInput {
  readonly options: OidcServerOptions;
  readonly store: OidcStore;
  readonly signingKey: JWK;
  readonly acr: AcrPolicy;
  readonly needsStepUp: (params: Readonly<Record<string, unknown>>) => boolean;
  readonly isActive: (accountId: string) => Promise<boolean>;
  readonly ttl: ResolvedTtl;
  readonly branding: SignInBranding;
  readonly mountPath: string;
  readonly routes: ResolvedRoutes;
  /** `aud` of JWT access tokens. */
  readonly audience: string;
}

function resourceIndicators(input: ConfigInput, scopes: readonly string[]) {
  if (input.options.accessTokens?.format !== 'jwt') return { enabled: false } as const;
  return {
    enabled: true,
    defaultResource: async () => input.audience,
    useGrantedResource: async () => true,
    getResourceServerInfo: async (_ctx: KoaContextWithOIDC, indicator: string) => {
      if (indicator !== input.audience) throw new errors.InvalidTarget();
      return {
        scope: scopes.join(' '),
        audience: input.audience,
        accessTokenFormat: 'jwt',
        accessTokenTTL: input.ttl.accessToken,
        jwt: { sign: { alg: 'RS256' } },
      } as const;
    },
  } as const;
}

/**
 * Cookie names unique per issuer and the session cookie scoped to the mount path: browsers share cookies
 * across ports of 127.0.0.1, so three emulators and the gate would otherwise overwrite each other's `_session`.
 */
function cookieConfig(options: OidcServerOptions, mountPath: string): NonNullable<Configuration['cookies']> {
  const suffix = createHash('sha256').update(options.issuer).digest('hex').slice(0, 8);
  return {
    keys: [...(options.cookieKeys ?? [randomBytes(32).toString('hex')])],
    names: {
      session: `_session_${suffix}`,
      interaction: `_interaction_${suffix}`,
      resume: `_interaction_resume_${suffix}`,
    },
    long: { httpOnly: true, sameSite: 'lax', path: mountPath === '' ? '/' : mountPath },
    short: { httpOnly: true, sameSite: 'lax' },
  };
}

/** Builds oidc-provider's configuration from the kit's options. */
export function buildConfiguration(input: ConfigInput): Configuration {
  const { options, acr, ttl, branding } = input;
  const claims = claimsConfig(options);
  const scopes = [
    ...new Set(['openid', 'offline_access', ...Object.keys(claims), ...(options.scopes ?? [])]),
  ].filter((scope) => claims[scope] !== null);
  return {
    adapter: input.store.adapter,
    jwks: { keys: [input.signingKey] },
    cookies: cookieConfig(options, input.mountPath),
    claims,
    scopes: ['openid', 'offline_access', ...(options.scopes ?? [])],
    acrValues: [...new Set([acr.passwordOnly, acr.multiFactor, ...acr.stepUp, ...(acr.supported ?? [])])],
    conformIdTokenClaims: false,
    routes: input.routes,
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      clientCredentials: { enabled: true },
      // A public client may only ask about its own tokens; confidential clients act as resource servers.
      introspection: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) =>
          client.clientAuthMethod !== 'none' || token.clientId === ctx.oidc.client?.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.set(PAGE_HEADERS);
          const button =
            '<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>';
          ctx.body = messagePage(branding, 'Sign out', 'Do you want to sign out?', `${form}${button}`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.set(PAGE_HEADERS);
          ctx.body = messagePage(branding, 'Signed out', 'You have signed out.');
        },
      },
      resourceIndicators: resourceIndicators(input, scopes),
    },
    interactions: {
      policy: stepUpPolicy(input.needsStepUp),
      url: (_ctx, interaction) => `${input.mountPath}/interaction/${interaction.uid}`,
    },
    ttl: {
      AccessToken: ttl.accessToken,
      IdToken: ttl.idToken,
      RefreshToken: ttl.refreshToken,
      AuthorizationCode: ttl.authorizationCode,
      Session: ttl.session,
      Interaction: ttl.interaction,
      Grant: ttl.refreshToken,
      ClientCredentials: ttl.accessToken,
    },
    expiresWithSession: async () => false,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (options.issueRefreshToken?.(client.clientId, code.scopes) ?? true),
    rotateRefreshToken: options.rotateRefreshTokens ?? false,
    extraTokenClaims: async (_ctx, token) => {
      const extra = await options.accessTokens?.extraClaims?.({
        accountId: 'accountId' in token ? token.accountId : undefined,
        clientId: token.clientId ?? '',
        scope: token.scope ?? '',
      });
      return extra ? { ...extra } : undefined;
    },
    // Browsers never call the endpoints cross-origin in the emulators' flows (the gate exchanges server-side).
    clientBasedCORS: () => false,
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.set(PAGE_HEADERS);
      ctx.body = errorPage(branding, `${out.error}: ${out.error_description ?? 'the request was refused'}`);
    },
    findAccount: async (ctx: KoaContextWithOIDC, accountId, token) => {
      if (!(await input.isActive(accountId))) return undefined;
      const profile = await options.accounts.findAccount(accountId);
      if (!profile) return undefined;
      return {
        accountId,
        async claims(use, _scope, claimsRequest) {
          const source = (token ?? ctx.oidc.entities.Session) as { acr?: string; amr?: string[] } | undefined;
          const extra = await options.extraClaims?.({
            accountId,
            use,
            acr: source?.acr,
            amr: source?.amr,
            claimsRequest,
          });
          return { ...profile, ...extra, sub: accountId };
        },
      };
    },
  };
}
