/**
 * Each IdP's side of a browser-test world: the adapter on its seeded emulator, the OIDC authorization
 * server the pages sign in through, the sign-in names, TOTP codes and the emulator as credential oracle.
 * @module
 */

import type { IdpKind, RecoveryProvider } from '@recovery-gate/core';
import type { ContractProbes } from '@recovery-gate/core/testing';
import type { OidcClientInput, OidcServer } from '@recovery-gate/emulator-kit';
import type { OidcIdpSettings } from '@recovery-gate/gate';

/** One IdP's side. */
export interface IdpSide {
  readonly adapter: RecoveryProvider;
  readonly probes: ContractProbes | null;
  readonly oidc: OidcServer;
  readonly clientId: string;
  readonly settings: Omit<OidcIdpSettings, 'clientId'>;
  /** Registers the gate as a client of the IdP's authorization server. */
  registerClient(client: OidcClientInput): Promise<void>;
  /** Signs the user in to an app of the IdP: a session and a refresh token (the oracle revocation must reach). */
  mintSession(userId: string): Promise<{ readonly refreshToken: string; readonly sessionId: string }>;
  /** The sign-in name of a cast member. */
  login(name: string): string;
  /** The six digits the cast member's authenticator shows, when it is a TOTP app. */
  otp(userId: string): string | undefined;
  /** Keycloak: the action-link emails the realm sent. */
  outbox(): readonly { readonly to: string; readonly userId: string; readonly link: string }[];
  /** Keycloak: enrols the IdP's own recovery codes, made at `createdAt` (epoch ms); returns them as shown. */
  enrolNativeRecoveryCodes?(userId: string, createdAt: number): readonly string[];
  /** Okta: answers the push on the user's device (approving needs the number picked). */
  answerPush?(userId: string, answer: 'approve' | 'reject', picked?: number): boolean;
  /** Okta: the number the pending push shows on the device, or null. */
  pushNumber?(userId: string): number | null;
  /** The emulator as oracle: does this temporary credential sign the user in (Okta TAC, Entra TAP)? */
  credentialWorks(userId: string, secret: string): Promise<boolean>;
  close(): Promise<void>;
}

async function oktaSide(): Promise<IdpSide> {
  const { startTestEnvironment } = await import('@recovery-gate/okta/testing');
  const env = await startTestEnvironment({ hook: false });
  // The org's own `default` authorization server: the sessions API the adapter calls revokes its sessions.
  const oidc = env.emulator.oidc.server;
  const control = env.emulator.control;
  return {
    adapter: env.adapter,
    probes: null,
    oidc,
    clientId: 'recovery-gate-pages',
    registerClient: (client) => control.registerOidcClient(client),
    mintSession: (userId) => control.mintSession(userId),
    settings: {
      issuer: oidc.issuer,
      stepUp: { acrValues: 'urn:okta:loa:2fa:any', maxAgeSeconds: 300 },
      stepUpAcrs: ['urn:okta:loa:2fa:any', 'phr'],
    },
    login: (name) => `${name}@example.com`,
    otp: () => undefined,
    outbox: () => [],
    credentialWorks: async (userId, secret) => control.signInWithTac(userId, secret),
    answerPush: (userId, answer, picked) => control.answerPush(userId, answer, picked),
    pushNumber: (userId) => control.pendingPushNumber(userId),
    close: () => env.close(),
  };
}

async function entraSide(): Promise<IdpSide> {
  const { startTestEnvironment } = await import('@recovery-gate/entra/testing');
  const env = await startTestEnvironment();
  return {
    adapter: env.adapter,
    probes: env.probes,
    oidc: env.emulator.oidc.server,
    clientId: env.emulator.oidc.clientId,
    registerClient: (client) => env.emulator.oidc.server.registerClient(client),
    mintSession: (userId) => env.probes.mintSession(userId),
    settings: {
      issuer: env.emulator.oidc.issuer,
      subjectClaim: 'oid',
      stepUp: { claims: { id_token: { acrs: { essential: true, value: 'c1' } } }, maxAgeSeconds: 300 },
      stepUpAcrs: ['mfa', 'c1'],
      requiredAcrsClaim: 'c1',
    },
    login: (name) => `${name}@example.com`,
    otp: () => undefined,
    outbox: () => [],
    credentialWorks: (userId, secret) => env.probes.signInWithTemporaryCredential(userId, secret),
    close: () => env.close(),
  };
}

async function keycloakSide(): Promise<IdpSide> {
  const { startTestEnvironment } = await import('@recovery-gate/keycloak/testing');
  const { currentOtp, enrolRecoveryCodeSet } = await import('@recovery-gate/keycloak/emulator');
  const pair = await startTestEnvironment();
  const realm = pair.emu.control.realm;
  return {
    adapter: pair.adapter,
    probes: pair.probes,
    oidc: pair.emu.oidc.server,
    clientId: 'recovery-gate-pages',
    registerClient: (client) => pair.emu.oidc.server.registerClient(client),
    mintSession: (userId) => pair.probes.mintSession(userId),
    settings: {
      issuer: pair.emu.oidc.issuer,
      stepUp: { acrValues: '2', maxAgeSeconds: 300 },
      stepUpAcrs: ['2'],
    },
    login: (name) => name,
    otp: (userId) => {
      const user = realm.users.get(userId);
      // The emulated authenticator app's code (the emulator's test seam).
      return user ? currentOtp(user) : undefined;
    },
    outbox: () => pair.emu.control.outbox(),
    enrolNativeRecoveryCodes: (userId, createdAt) => {
      const user = realm.users.get(userId);
      if (!user) throw new Error(`no user ${userId}`);
      return enrolRecoveryCodeSet(user, createdAt, 4).codes;
    },
    credentialWorks: (userId, secret) => pair.probes.signInWithTemporaryCredential(userId, secret),
    close: () => pair.close(),
  };
}

/** Starts an IdP's side. */
export const SIDES: Readonly<Record<IdpKind, () => Promise<IdpSide>>> = {
  okta: oktaSide,
  entra: entraSide,
  keycloak: keycloakSide,
};
