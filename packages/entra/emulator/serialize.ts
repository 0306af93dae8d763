/**
 * Graph JSON shapes of the emulator's objects.
 * @module
 */

import { restrictedUnits } from './authz.js';
import type { EmuGroup, EmuMethod, EmuUnit, EmuUser, TenantState } from './state.js';

/** A user in Graph's shape (no password). */
export function userJson(tenant: TenantState, user: EmuUser): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.user',
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    givenName: user.givenName,
    surname: user.surname,
    mail: user.mail,
    otherMails: user.otherMails,
    mobilePhone: user.mobilePhone,
    businessPhones: [],
    accountEnabled: user.accountEnabled,
    employeeType: user.employeeType,
    employeeLeaveDateTime: user.employeeLeaveDateTime,
    createdDateTime: user.createdDateTime,
    lastPasswordChangeDateTime: user.lastPasswordChangeDateTime,
    signInSessionsValidFromDateTime: user.signInSessionsValidFromDateTime,
    isManagementRestricted: restrictedUnits(tenant, user.id).length > 0,
    passwordProfile: {
      password: null,
      forceChangePasswordNextSignIn: user.forceChangePasswordNextSignIn,
      forceChangePasswordNextSignInWithMfa: false,
    },
    userType: 'Member',
    ...user.extensions,
  };
}

/** A group in Graph's shape. */
export function groupJson(group: EmuGroup): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.group',
    id: group.id,
    displayName: group.displayName,
    description: group.description,
    mailNickname: group.mailNickname,
    mailEnabled: group.mailEnabled,
    securityEnabled: group.securityEnabled,
    isAssignableToRole: group.isAssignableToRole,
    groupTypes: [],
    createdDateTime: group.createdDateTime,
  };
}

/** An administrative unit in Graph's shape. */
export function unitJson(unit: EmuUnit): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.administrativeUnit',
    id: unit.id,
    displayName: unit.displayName,
    description: unit.description,
    isMemberManagementRestricted: unit.isMemberManagementRestricted,
    visibility: null,
    membershipType: 'Assigned',
  };
}

const ODATA_TYPES: Readonly<Record<string, string>> = {
  password: '#microsoft.graph.passwordAuthenticationMethod',
  phone: '#microsoft.graph.phoneAuthenticationMethod',
  email: '#microsoft.graph.emailAuthenticationMethod',
  microsoftAuthenticator: '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
  fido2: '#microsoft.graph.fido2AuthenticationMethod',
  softwareOath: '#microsoft.graph.softwareOathAuthenticationMethod',
  windowsHelloForBusiness: '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod',
  temporaryAccessPass: '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
};

/** TAP usability as Graph reports it. */
export function tapUsability(
  method: EmuMethod,
  nowMs: number,
  enabled: boolean,
): { isUsable: boolean; reason: string } {
  const tap = method.tap;
  if (!tap) return { isUsable: false, reason: 'DisabledByPolicy' };
  if (!enabled) return { isUsable: false, reason: 'DisabledByPolicy' };
  if (nowMs < tap.startMs) return { isUsable: false, reason: 'NotYetValid' };
  if (nowMs >= tap.startMs + tap.lifetimeInMinutes * 60_000) return { isUsable: false, reason: 'Expired' };
  if (tap.isUsableOnce && tap.used) return { isUsable: false, reason: 'OneTimeUsed' };
  return { isUsable: true, reason: 'EnabledByPolicy' };
}

/** A method in Graph's shape; the TAP string only when `reveal` (the 201 of its creation). */
export function methodJson(
  method: EmuMethod,
  nowMs: number,
  tapEnabled: boolean,
  reveal = false,
): Record<string, unknown> {
  const base: Record<string, unknown> = {
    '@odata.type': ODATA_TYPES[method.type],
    id: method.id,
    createdDateTime: method.createdDateTime,
    ...method.props,
  };
  if (method.type === 'temporaryAccessPass' && method.tap) {
    const usability = tapUsability(method, nowMs, tapEnabled);
    Object.assign(base, {
      temporaryAccessPass: reveal ? method.tap.secret : null,
      startDateTime: new Date(method.tap.startMs).toISOString(),
      lifetimeInMinutes: method.tap.lifetimeInMinutes,
      isUsableOnce: method.tap.isUsableOnce,
      isUsable: usability.isUsable,
      methodUsabilityReason: usability.reason,
    });
  }
  return base;
}
