/**
 * What the Entra adapter can do, and what Entra really does underneath.
 * @module
 */

import type { Capabilities, IdpSettings } from '@recovery-gate/core';

/** The Entra adapter's capability declaration (with every optional section configured). */
export const capabilities: Capabilities = {
  facts: {
    supported: true,
    note: 'accountEnabled, transitive groups and directory roles, manager, sponsors, methods with createdDateTime, phones and emails (last change from directoryAudits within the retention window), isManagementRestricted, employeeType and employeeLeaveDateTime (contractEnd). Smart lockout is not visible through Graph.',
  },
  device_challenge: {
    supported: false,
    note: 'Entra has no API to push a challenge to Microsoft Authenticator; device evidence comes from an OIDC step-up sign-in (oidc_step_up).',
  },
  oidc_step_up: {
    supported: true,
    note: 'The verification page signs the subject in through Entra with an authentication context (acrs claim) bound to a Conditional Access authentication strength.',
  },
  revoke_sessions: {
    supported: true,
    note: 'POST /users/{id}/revokeSignInSessions resets signInSessionsValidFromDateTime; takes up to a few minutes; access tokens stay valid until expiry (about 1 h) except at CAE-capable resources (Exchange, SharePoint, Teams, Graph), which act within up to 15 minutes.',
  },
  revoke_refresh_tokens: {
    supported: true,
    note: 'The same revokeSignInSessions call invalidates every refresh token issued to applications for the user (not for B2B guests, who sign in at their home tenant).',
  },
  revoke_grants: {
    supported: false,
    note: 'OAuth2 permission grants (consents) are not sessions; the adapter does not remove them. Revoked refresh tokens already stop their use.',
  },
  reset_authenticators: {
    supported: true,
    note: "Deletes methods one by one: the portal's 'Require re-register MFA' set (phones, Microsoft Authenticator, software OATH) plus FIDO2, email, Windows Hello, platform credentials and TAP; alternate phones before the mobile. The password stays (reset_password). Hardware OATH is beta-only and untouched.",
  },
  reset_password: {
    supported: true,
    note: 'App-only: PATCH /users/{id} passwordProfile with a random password and forceChangePasswordNextSignIn; needs the User Administrator role (Privileged Authentication Administrator for admins). The random password is discarded; the subject signs in with the TAP.',
  },
  unlock: {
    supported: true,
    note: 'Sets accountEnabled true. Entra smart lockout cannot be cleared through Graph; it expires on its own (or after a password reset).',
  },
  suspend: {
    supported: true,
    note: 'Sets accountEnabled false (sign-in blocked; existing tokens need revokeSignInSessions).',
  },
  temporary_credential: {
    supported: true,
    note: 'Temporary Access Pass: lifetime 10-43200 minutes within the tenant policy, isUsableOnce per the tier; returned once by Graph and never stored. A new TAP replaces the previous one.',
  },
  revoke_temporary_credential: {
    supported: true,
    note: 'DELETE /users/{id}/authentication/temporaryAccessPassMethods/{id}; an expired or deleted TAP cannot sign in.',
  },
  audit_events: {
    supported: true,
    note: "directoryAudits polling (streams: directory_audits) with an overlap window and seen ids; group delta (group_delta) for request groups. Audit records arrive with minutes of latency. Events initiated by the gate's own app are excluded.",
  },
  hooks: {
    supported: true,
    note: 'Graph change notifications on request group members: validationToken echo, clientState checked per notification; a notification only hints, so it asks the gate to resync group_delta. Needs providers.entra.notification.',
  },
  case_status: {
    supported: true,
    note: 'A directory extension property on the gate app (extension_<appId>_recoveryGateStatus), created by guardrails apply, visible with $select and in the user profile custom attributes.',
  },
  request_groups: {
    supported: true,
    note: 'Security groups <prefix><action>; agents add members in the Entra admin center; the gate removes them when done.',
  },
  guardrails: {
    supported: true,
    note: 'Request groups, the TAP method policy, a restricted management administrative unit for privileged users with the gate app as scoped Privileged Authentication Administrator, the status extension property, change-notification subscriptions, and removal (apply --remove-reset-roles) of standing help-desk assignments of the roles that can reset (Global, Privileged Authentication, Authentication, Helpdesk, Password, User Administrator); PIM activations are reported.',
  },
  idp_recovery_codes: {
    supported: false,
    note: 'Entra ID has no saved recovery codes of its own (no authentication method of that kind, no amr value for it); a tier naming idp_recovery_code is refused for Entra. Use recovery_code, issued by the gate.',
  },
};

/**
 * What the gate needs to know about Entra: it shows a Temporary Access Pass once; step-up asks for an
 * authentication context in a `claims` request and finds it in the `acrs` claim; people are named by `oid`
 * (the `sub` claim is pairwise per application).
 * @see https://learn.microsoft.com/entra/identity-platform/developer-guide-conditional-access-authentication-context
 */
export const settings: IdpSettings = {
  credential: { shown: 'entra_tap', selfDelivered: null, native: 'entra_tap' },
  contacts: 'authenticators',
  callbackUrlField: 'notification.url',
  signIn: {
    stepUp: { maxAgeSeconds: 300 },
    stepUpAcrs: ['mfa', 'c1'],
    authenticationContext: 'c1',
    subjectClaim: 'oid',
  },
};
