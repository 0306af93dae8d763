/**
 * The tenant's OIDC sign-in for apps (the gate's verification pages), on the emulator kit's
 * oidc-provider server: issuer `${url}/{tenant}/v2.0`, Entra endpoint paths, password or Temporary
 * Access Pass at the sign-in page, and step-up when an authentication context is requested
 * (`claims.id_token.acrs`), answered with Microsoft Authenticator (push) or an OATH code.
 * @module
 */

import { createOidcServer, OIDC_ROUTE_PRESETS, type OidcServer } from '@recovery-gate/emulator-kit';
import type { EmuEnv } from './http.js';
import { findUser, transitiveGroups } from './lookup.js';
import type { TenantState } from './state.js';
import { checkPassword, signInWithTap } from './token.js';

/** The client id of the gate's verification pages in the emulator tenant (public client, PKCE). */
export const PAGES_CLIENT_ID = '5b7f4a2e-6c1d-4e8f-9a3b-2d4c6e8f0a1b';

function requestedContexts(claims: Readonly<Record<string, unknown>> | undefined): string[] {
  const idToken = claims?.id_token as Record<string, unknown> | undefined;
  const acrs = (idToken?.acrs ?? claims?.acrs) as { value?: unknown; values?: unknown } | undefined;
  if (!acrs) return [];
  const values = Array.isArray(acrs.values) ? acrs.values : acrs.value === undefined ? [] : [acrs.value];
  return values.filter((v): v is string => typeof v === 'string');
}

function secondFactor(tenant: TenantState, userId: string): 'push' | 'otp' | 'none' {
  const types = new Set([...tenant.methods.values()].filter((m) => m.userId === userId).map((m) => m.type));
  if (types.has('microsoftAuthenticator')) return 'push';
  if (types.has('softwareOath')) return 'otp';
  return 'none';
}

/** Starts the OIDC server for the tenant at `${origin}/{tenant}/v2.0`. */
export async function startTenantOidc(
  env: EmuEnv,
  origin: string,
  redirectUris: readonly string[],
): Promise<OidcServer> {
  const tenant = env.tenant;
  return createOidcServer({
    issuer: `${origin}/${tenant.tenantId}/v2.0`,
    mountPath: `/${tenant.tenantId}`,
    routes: OIDC_ROUTE_PRESETS.entra,
    branding: { name: 'Microsoft Entra ID (emulator)' },
    now: env.now,
    acr: { passwordOnly: 'pwd', multiFactor: 'mfa', stepUp: ['c1', 'c2', 'c3'], supported: ['pwd', 'mfa'] },
    requiresStepUp: (request) =>
      requestedContexts(request.claims).length > 0 || request.acrValues.includes('mfa'),
    claims: { openid: ['sub', 'groups', 'acrs', 'oid', 'tid'] },
    extraClaims: (input) => {
      const user = tenant.users.get(input.accountId);
      const stepped = (input.amr ?? []).includes('mfa');
      const asked = requestedContexts(input.claimsRequest);
      return {
        oid: input.accountId,
        tid: tenant.tenantId,
        ...(user && stepped && asked.length > 0 ? { acrs: asked } : {}),
      };
    },
    clients: [
      {
        client_id: PAGES_CLIENT_ID,
        client_name: 'Recovery Gate verification pages',
        redirect_uris: [...redirectUris],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
      },
    ],
    accounts: {
      findAccount: (id) => {
        const user = tenant.users.get(id);
        if (!user) return undefined;
        return {
          email: user.mail ?? user.userPrincipalName,
          email_verified: true,
          name: user.displayName,
          given_name: user.givenName,
          family_name: user.surname,
          preferred_username: user.userPrincipalName,
          groups: transitiveGroups(tenant, user.id).map((g) => g.id),
        };
      },
      authenticate: (login, password) => {
        const checked = checkPassword(tenant, login, password, env.now());
        if ('id' in checked) return checked.id;
        // A Temporary Access Pass works at the password prompt, as at Entra's sign-in page.
        const tap = signInWithTap(env, login, password);
        return tap.status === 200 ? (findUser(tenant, login)?.id ?? null) : null;
      },
      secondFactor: (id) => secondFactor(tenant, id),
      isAccountActive: (id) => tenant.users.get(id)?.accountEnabled === true,
    },
  });
}
