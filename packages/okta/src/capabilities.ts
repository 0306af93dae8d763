/**
 * What the Okta adapter can do, with Okta's caveats.
 * @module
 */

import type { Capabilities, IdpSettings } from '@recovery-gate/core';

/** The Okta adapter's capability declaration. */
export const capabilities: Capabilities = {
  facts: {
    supported: true,
    note: 'Status, groups, admin roles (direct and via groups), manager, factors and OIE enrollments with dates; channel change dates come from the System Log (90-day retention).',
  },
  device_challenge: {
    supported: true,
    note: 'Okta Verify push through the Factors API with number matching; the gate shows the number to pick only to the subject (verification page, message to the trusted channels); polled to SUCCESS, REJECTED (denied, or the wrong number) or TIMEOUT.',
  },
  oidc_step_up: {
    supported: false,
    note: 'Not provided by the adapter: the gate runs OIDC step-up against the org authorization server itself.',
  },
  revoke_sessions: {
    supported: true,
    note: 'DELETE /users/{id}/sessions?oauthTokens=true&forgetDevices=true; app-local sessions of web and native apps are not cleared.',
  },
  revoke_refresh_tokens: {
    supported: true,
    note: 'With the sessions (oauthTokens=true), or per client; issued access tokens stay valid until they expire.',
  },
  revoke_grants: { supported: true, note: 'DELETE /users/{id}/grants removes every consent grant.' },
  reset_authenticators: {
    supported: true,
    note: 'Reset all factors (user.mfa.factor.reset_all), or single factors / OIE enrollments.',
  },
  reset_password: {
    supported: true,
    note: 'expire_password_with_temp_password (status PASSWORD_EXPIRED, the temporary password never read): the subject signs in with the TAC, which Okta does not document for RECOVERY users.',
  },
  unlock: { supported: true, note: 'lifecycle/unlock, only for LOCKED_OUT users.' },
  suspend: { supported: true, note: 'lifecycle/suspend, only for ACTIVE users.' },
  temporary_credential: {
    supported: true,
    note: 'Temporary Access Code (OIE, TEMPORARY_ACCESS_CODE feature): 10-14400 minutes, single use; issuing one invalidates the previous.',
  },
  revoke_temporary_credential: {
    supported: true,
    note: 'Deletes the TAC enrollment; the code stops working at once.',
  },
  audit_events: {
    supported: true,
    note: 'System Log polling (stream system_log) with an `after` cursor; events can arrive out of order.',
  },
  hooks: {
    supported: true,
    note: 'Event hooks: at-least-once, 3 s timeout, one retry; Authorization header secret (no signature); user.account.expire_password is not hook-eligible.',
  },
  case_status: {
    supported: true,
    note: 'A custom profile attribute (recoveryCaseStatus by default), read-only for the user.',
  },
  request_groups: {
    supported: true,
    note: 'One group per action, recovery-request-<action>; membership changes by agents start or withdraw a case.',
  },
  guardrails: {
    supported: true,
    note: 'Request groups, custom help-desk role without reset permissions, resource set on the eligible group, binding, status attribute, event hook; removal (apply --remove-reset-roles) of the built-in roles that can reset (SUPER_ADMIN, ORG_ADMIN, HELP_DESK_ADMIN, USER_ADMIN) held by the help-desk group or its agents.',
  },
  idp_recovery_codes: {
    supported: false,
    note: 'Okta has no saved recovery codes of its own that a sign-in reports (no authenticator of that kind, no amr value for it); a tier naming idp_recovery_code is refused for Okta. Use recovery_code, issued by the gate.',
  },
};

/**
 * What the gate needs to know about Okta: it shows a Temporary Access Code once; step-up asks for
 * `urn:okta:loa:2fa:any` (never `...:ifpossible`, which lets one factor through) and Okta puts `mfa` in amr.
 * @see https://developer.okta.com/docs/guides/step-up-authentication/main/
 */
export const settings: IdpSettings = {
  credential: { shown: 'okta_tac', selfDelivered: null, native: 'okta_tac' },
  contacts: 'authenticators',
  callbackUrlField: 'hook.url',
  signIn: {
    stepUp: { acrValues: 'urn:okta:loa:2fa:any', maxAgeSeconds: 300 },
    stepUpAcrs: ['urn:okta:loa:2fa:any', 'phr', 'phrh'],
    stepUpAmrs: ['mfa'],
  },
};
