/**
 * The realm's interactive OIDC side (authorization endpoint with sign-in and step-up UI, code exchange,
 * userinfo, JWKS, discovery) served by the emulator-kit's OIDC server at `/realms/{realm}`, backed by the
 * realm's users. Keycloak ACR levels: `1` after the password, `2` after a second factor. A user holding
 * recovery-authn-codes may finish the second factor with one ("Try another way"), or must when nothing else
 * is bound. The `amr` claim is what Keycloak's AMR protocol mapper (`oidc-amr-mapper`) puts in tokens: the
 * reference values (`default.reference.value`) configured on the browser flow's executions the sign-in
 * completed, read from the realm at every sign-in (an admin can change them through the admin API); the
 * seeded realm sets `pwd`, `otp` and, on `auth-recovery-authn-code-form`, `recovery-code`. An execution with
 * no reference value adds nothing, as in Keycloak. Only a client that has the mapper (its own or on a default
 * client scope, with "Add to ID token") gets `amr` in its ID tokens; the seeded realm has it on `acr`. Every
 * OIDC client here is a realm client too, visible and configurable through the admin API, as in Keycloak.
 * @see https://www.keycloak.org/docs/latest/server_admin/#_mapping-acr-to-loa-realm
 * @module
 */

import { createHash } from 'node:crypto';
import { secretsEqual } from '@recovery-gate/core';
import {
  createOidcServer,
  OIDC_ROUTE_PRESETS,
  type OidcAccounts,
  type OidcClientInput,
  type OidcServer,
  otpCodeForKey,
  type SignInMethod,
} from '@recovery-gate/emulator-kit';
import { type Emu, loginEvent } from './context.js';
import { recordFailure } from './oidc.js';
import { finishUpdatePassword } from './password.js';
import { hasRecoveryCodes, redeemRecoveryCode } from './recovery-codes.js';
import { amrInIdToken } from './routes-mappers.js';
import { APP_CLIENT_ID, APP_CLIENT_SECRET, addClient } from './seed.js';
import type { EmuUser } from './state.js';
import { clientByClientId, groupPath } from './state.js';
import { bindTotp } from './totp.js';

/** The redirect URI the seeded app client may use for code flows. */
export const APP_REDIRECT_URI = 'http://127.0.0.1/callback';

const findLogin = (emu: Emu, login: string): EmuUser | undefined => {
  const needle = login.toLowerCase();
  return [...emu.realm.users.values()].find((u) => u.username === needle || u.email === needle);
};

const locked = (emu: Emu, user: EmuUser): boolean =>
  (emu.realm.loginFailures.get(user.id)?.failedLoginNotBefore ?? 0) * 1000 > emu.now();

/** The code an enrolled OTP authenticator shows (stable per credential; tests read it here). */
export function currentOtp(user: EmuUser): string | undefined {
  const otp = user.credentials.find((c) => c.type === 'otp');
  if (otp === undefined) return undefined;
  // One set up at sign-in (CONFIGURE_TOTP) shows what the emulated app shows for its key.
  if (otp.secret !== undefined) return otpCodeForKey(otp.secret);
  return String(
    Number.parseInt(createHash('sha256').update(`${user.id}:${otp.id}`).digest('hex').slice(0, 8), 16) %
      1_000_000,
  ).padStart(6, '0');
}

function accounts(emu: Emu): OidcAccounts {
  return {
    findAccount: (id) => {
      const u = emu.realm.users.get(id);
      if (u === undefined) return undefined;
      return {
        preferred_username: u.username,
        ...(u.email === undefined ? {} : { email: u.email, email_verified: u.emailVerified }),
        ...(u.firstName === undefined ? {} : { given_name: u.firstName }),
        ...(u.lastName === undefined ? {} : { family_name: u.lastName }),
        groups: [...u.groups].flatMap((g) => {
          const group = emu.realm.groups.get(g);
          return group === undefined ? [] : [groupPath(emu.realm, group)];
        }),
      };
    },
    authenticate: (login, password) => {
      const user = findLogin(emu, login);
      if (user === undefined || !user.enabled || locked(emu, user)) return null;
      const secret = user.credentials.find((c) => c.type === 'password')?.secret;
      if (secret === undefined || !secretsEqual(secret, password)) {
        recordFailure(emu, user);
        return null;
      }
      emu.realm.loginFailures.delete(user.id);
      return user.id;
    },
    // CONFIGURE_TOTP (an MFA reset) and UPDATE_PASSWORD (a temporary password) run before any session is
    // issued, as Keycloak's required actions.
    mustConfigureOtp: (id) => emu.realm.users.get(id)?.requiredActions.includes('CONFIGURE_TOTP') === true,
    bindOtp: (id, key, label, clientId) => {
      const user = emu.realm.users.get(id);
      if (user !== undefined) bindTotp(emu, user, key, label, clientId);
    },
    mustChangePassword: (id) => emu.realm.users.get(id)?.requiredActions.includes('UPDATE_PASSWORD') === true,
    changePassword: (id, next, clientId) => {
      const user = emu.realm.users.get(id);
      if (user === undefined) return 'Invalid user';
      return finishUpdatePassword(emu, user, next, clientId);
    },
    secondFactor: (id) =>
      emu.realm.users.get(id)?.credentials.some((c) => c.type === 'otp') === true ? 'otp' : 'none',
    currentOtp: (id) => {
      const user = emu.realm.users.get(id);
      return user === undefined ? undefined : currentOtp(user);
    },
    recoveryCodes: {
      has: (id) => {
        const user = emu.realm.users.get(id);
        return user !== undefined && hasRecoveryCodes(user);
      },
      redeem: (id, code) => {
        const user = emu.realm.users.get(id);
        return user !== undefined && redeemRecoveryCode(user, code);
      },
    },
    isAccountActive: (id) => {
      const user = emu.realm.users.get(id);
      return user?.enabled === true && !locked(emu, user);
    },
    onSignInEvent: (event) => {
      if (event.type === 'login_success')
        loginEvent(emu, 'LOGIN', event.accountId, event.clientId, { acr: event.acr });
      else if (event.accountId !== undefined) loginEvent(emu, 'LOGIN_ERROR', event.accountId, event.clientId);
    },
  };
}

/** The executions a sign-in with each method completes (Keycloak has no push: the password alone). */
const STEPS: Readonly<Record<SignInMethod, readonly string[]>> = {
  pwd: ['auth-username-password-form'],
  otp: ['auth-username-password-form', 'auth-otp-form'],
  push: ['auth-username-password-form'],
  recovery_code: ['auth-username-password-form', 'auth-recovery-authn-code-form'],
};

/** What Keycloak's AMR mapper puts in the tokens of a sign-in with `method`: the steps' reference values. */
function referenceValues(emu: Emu, method: SignInMethod): readonly string[] {
  const { authentication, settings } = emu.realm;
  const executions = authentication.flows.get(settings.browserFlow) ?? [];
  const values: string[] = [];
  for (const providerId of STEPS[method]) {
    const execution = executions.find((e) => e.providerId === providerId && e.requirement !== 'DISABLED');
    const configId = execution?.authenticationConfig;
    const value =
      configId === undefined
        ? undefined
        : authentication.configs.get(configId)?.config['default.reference.value'];
    if (value !== undefined && value !== '' && !values.includes(value)) values.push(value);
  }
  return values;
}

/** Starts the realm's OIDC server (mount it at `/realms/{realm}`). */
export async function createRealmOidc(
  emu: Emu,
  extraClients: readonly OidcClientInput[] = [],
): Promise<OidcServer> {
  const realm = emu.realm.settings.realm;
  const server = await createOidcServer({
    issuer: `${emu.baseUrl}/realms/${realm}`,
    routes: OIDC_ROUTE_PRESETS.keycloak,
    accounts: accounts(emu),
    acr: { passwordOnly: '1', multiFactor: '2', stepUp: ['2', 'gold'], supported: ['0', '1', '2'] },
    amr: (method) => referenceValues(emu, method),
    amrInIdToken: (clientId) => amrInIdToken(emu, clientId),
    clients: [
      {
        client_id: APP_CLIENT_ID,
        client_secret: APP_CLIENT_SECRET,
        redirect_uris: [APP_REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
      },
      ...extraClients,
    ],
    branding: { name: `Keycloak: ${realm}` },
    now: () => emu.now(),
  });
  for (const client of extraClients) asRealmClient(emu, client);
  return {
    ...server,
    registerClient: async (client) => {
      await server.registerClient(client);
      asRealmClient(emu, client);
    },
  };
}

/** Makes an OIDC client a realm client too (Keycloak has no other kind), unless one has its client id. */
function asRealmClient(emu: Emu, client: OidcClientInput): void {
  if (clientByClientId(emu.realm, client.client_id) !== undefined) return;
  addClient(emu.realm, {
    clientId: client.client_id,
    publicClient: client.client_secret === undefined,
    ...(client.client_secret === undefined ? {} : { secret: client.client_secret }),
    redirectUris: [...(client.redirect_uris ?? [])],
  });
}
