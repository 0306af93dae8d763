/**
 * What Keycloak can do natively, and its caveats.
 * @module
 */

import type { Capabilities, IdpSettings } from '@recovery-gate/core';
import { REVOCATION_CAVEATS } from './revoke.js';

/** The Keycloak adapter's capability declaration. */
export const capabilities: Capabilities = {
  facts: {
    supported: true,
    note: 'User, groups (with ancestors), effective realm-management and privileged roles, attributes, credentials with createdDate (native recovery codes, recovery-authn-codes, as a recovery_codes authenticator: whether they exist and when they were made), brute-force status; channel change dates from admin and login events.',
  },
  device_challenge: {
    supported: false,
    note: 'Keycloak has no admin API to push a challenge to an enrolled authenticator (OTP and WebAuthn run only in browser flows); fails closed with ERR_UNSUPPORTED.',
  },
  oidc_step_up: {
    supported: true,
    note: 'Device evidence comes from an OIDC step-up sign-in on the verification page (acr_values / ACR-to-LoA mapping, max_age) with an authenticator still bound.',
  },
  revoke_sessions: {
    supported: true,
    note: 'POST users/{id}/logout ends every online session (back-channel logout) and sets the user not-before.',
  },
  revoke_refresh_tokens: {
    supported: true,
    note: `Logout's not-before makes older refresh and offline tokens "Stale"; consents holding offline tokens are revoked too. ${REVOCATION_CAVEATS[0]}`,
  },
  revoke_grants: {
    supported: true,
    note: "DELETE users/{id}/consents/{clientId} for every consent, which also deletes that client's offline tokens.",
  },
  reset_authenticators: {
    supported: true,
    note: 'DELETE users/{id}/credentials/{id} (OTP, WebAuthn, passkeys, recovery codes); users.removeTotp() is gone since 24 and never used.',
  },
  reset_password: {
    supported: true,
    note: 'Adds the UPDATE_PASSWORD required action (read-modify-write: the PUT replaces the list). No temporary password is ever set: it would not expire.',
  },
  unlock: {
    supported: true,
    note: 'DELETE attack-detection/brute-force/users/{id} and enabled=true (a permanent lockout disables the user).',
  },
  suspend: { supported: true, note: 'PUT users/{id} enabled=false.' },
  temporary_credential: {
    supported: true,
    note: "By default a random temporary password (reset-password, temporary: true) plus the action's required actions, shown once by the gate to the verified subject; the account mailbox gets nothing. Costs: Keycloak neither expires nor single-uses it (the gate replaces it at the end of the lifetime if still unused, and the forced UPDATE_PASSWORD ends it at first sign-in), and it replaces the password even for an MFA reset. Only a tier that asks for keycloak_action_link (never for privileged subjects) gets the action email: execute-actions-email with the tier lifespan and a one-time action (UPDATE_PASSWORD / CONFIGURE_TOTP), so the link is single-completion: Keycloak spends it when the required actions finish, not when it is opened, so an opened but unfinished link stays usable until the lifespan ends (keep tier lifetimes short); Keycloak emails it only to the account email, which must be the verified channel. Owning the mailbox is the only factor the link checks.",
  },
  revoke_temporary_credential: {
    supported: true,
    note: 'Temporary password: replaced by one nobody knows (whoever set the current one) and the account logged out; the gate does so at the end of the lifetime only while it is unused (UPDATE_PASSWORD pending). Action link: Keycloak has no endpoint to revoke an action token; the lever is disabling the account (action tokens of disabled users are refused) and logging it out; re-enabling it before the link expires would revive the link.',
  },
  audit_events: {
    supported: true,
    note: "Polls admin events (stream admin_events) with a persisted cursor; the gate's own service account is ignored. Admin events must be enabled (guardrails apply does it).",
  },
  hooks: {
    supported: false,
    note: 'Keycloak has no native outbound hooks in 26.x (event hooks are feature-flagged and absent from the 26.5 API); verifyHook throws ERR_UNSUPPORTED. Polling covers triggers and bypasses.',
  },
  case_status: {
    supported: true,
    note: 'A user attribute (recoveryCaseStatus by default), declared in the user profile as admin-editable only.',
  },
  request_groups: {
    supported: true,
    note: 'Child groups of /recovery-requests, one per action; agents add members in the console (FGAP v2 grants only that).',
  },
  guardrails: {
    supported: true,
    note: 'Events on, request groups, FGAP v2: help desk may fill request groups but not manage users; deny on privileged groups and users; help desk stripped of admin roles that bypass FGAP.',
  },
  idp_recovery_codes: {
    supported: true,
    note: "Native recovery codes (recovery-authn-codes): the facts say whether they exist and when the set was made; a step-up sign-in that used one is idp_recovery_code evidence (never oidc_step_up) when the ID token's amr carries the recovery-code execution's reference value (recovery-code by default): the realm's browser flow needs default.reference.value on auth-recovery-authn-code-form and the pages client the AMR protocol mapper (oidc-amr-mapper). Without them no sign-in is read as a recovery code.",
  },
};

/**
 * What the gate needs to know about Keycloak: the gate shows a temporary password once, unless a tier asks
 * for Keycloak's own action email (to the account's mailbox only); contacts are profile attributes the
 * credential's required actions make the subject update; step-up asks for LoA `2` (acr_values).
 * @see https://www.keycloak.org/docs/latest/server_admin/#_step-up-flow
 */
export const settings: IdpSettings = {
  credential: {
    shown: 'keycloak_temporary_password',
    selfDelivered: 'keycloak_action_link',
    native: 'keycloak_action_link',
  },
  contacts: 'profile',
  callbackUrlField: null,
  signIn: {
    stepUp: { acrValues: '2', maxAgeSeconds: 300 },
    stepUpAcrs: ['2'],
    recoveryCodeAmrs: ['recovery-code'],
  },
};
