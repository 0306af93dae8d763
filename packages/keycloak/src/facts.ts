/**
 * Subject facts: status (enabled, brute-force lock, pending password update), groups with their
 * ancestors, effective admin roles, policy attributes, manager and sponsor, credentials, channels.
 * @module
 */

import type CredentialRepresentation from '@keycloak/keycloak-admin-client/lib/defs/credentialRepresentation.js';
import type {
  AccountStatus,
  Authenticator,
  AuthenticatorKind,
  PersonRef,
  SubjectFacts,
} from '@recovery-gate/core';
import { attribute, type KcUser, lookupUser, personOf, requireUser } from './client/users.js';
import type { KcSession } from './client.js';
import { readChannels } from './facts/channels.js';
import { optional, type Refusals, refuse } from './facts/reads.js';

/** Keycloak credential types, normalised. */
export function kindOf(type: string | undefined): AuthenticatorKind {
  switch (type) {
    case 'password':
      return 'password';
    case 'otp':
      return 'totp';
    case 'webauthn':
    case 'webauthn-passwordless':
      return 'webauthn';
    case 'recovery-authn-codes':
      return 'recovery_codes';
    default:
      return 'other';
  }
}

/** Credentials as authenticators (password history entries are not authenticators). */
export function authenticatorsOf(credentials: readonly CredentialRepresentation[]): Authenticator[] {
  return credentials
    .filter((c) => typeof c.id === 'string' && c.type !== 'password-history')
    .map((c) => ({
      id: c.id as string,
      kind: kindOf(c.type),
      label: c.userLabel ?? c.type ?? null,
      enrolledAt: typeof c.createdDate === 'number' ? new Date(c.createdDate).toISOString() : null,
      status: 'active' as const,
      supportsDeviceChallenge: false,
    }));
}

/** The realm-management client's UUID (cached per session). */
const rmCache = new WeakMap<KcSession, Promise<string | null>>();
export function realmManagementId(s: KcSession): Promise<string | null> {
  let cached = rmCache.get(s);
  if (cached === undefined) {
    cached = s
      .call((kc) => kc.clients.find({ realm: s.realm, clientId: 'realm-management' }))
      .then((list) => list[0]?.id ?? null);
    cached.catch(() => rmCache.delete(s));
    rmCache.set(s, cached);
  }
  return cached;
}

/**
 * Effective admin roles: `realm-management` client roles (direct, composite, through groups and their
 * parents, as Keycloak expands them) and the configured privileged realm roles. Any refused read, or a
 * realm-management client the gate cannot see (it exists in every realm), leaves them unknown.
 */
async function adminRolesOf(s: KcSession, id: string, refusals: Refusals): Promise<string[] | null> {
  // The client roles follow the realm-management client's id (cached), not the realm roles: same round.
  const rmRead = optional(refusals, 'realmManagement', () => realmManagementId(s));
  const [rm, realmRoles, clientRoles] = await Promise.all([
    rmRead,
    optional(refusals, 'realmRoles', () =>
      s.call((kc) => kc.users.listCompositeRealmRoleMappings({ realm: s.realm, id }), 'user'),
    ),
    rmRead.then((clientUniqueId) =>
      clientUniqueId === null
        ? null
        : optional(refusals, 'clientRoles', () =>
            s.call(
              (kc) => kc.users.listCompositeClientRoleMappings({ realm: s.realm, id, clientUniqueId }),
              'user',
            ),
          ),
    ),
  ]);
  if (rm === null) {
    refuse(refusals, 'realmManagement');
    return null;
  }
  if (clientRoles === null || realmRoles === null) return null;
  const names = new Set(clientRoles.map((r) => r.name ?? '').filter((n) => n !== ''));
  for (const r of realmRoles)
    if (r.name !== undefined && s.config.privilegedRoles.includes(r.name)) names.add(r.name);
  return [...names].sort();
}

async function groupsOf(s: KcSession, id: string, refusals: Refusals): Promise<string[] | null> {
  const groups = await optional(refusals, 'groups', () =>
    s.call((kc) => kc.users.listGroups({ realm: s.realm, id, briefRepresentation: true }), 'user'),
  );
  if (groups === null) return null;
  const names = new Set<string>();
  for (const g of groups) {
    for (const part of (g.path ?? `/${g.name ?? ''}`).split('/')) if (part !== '') names.add(part);
  }
  return [...names].sort();
}

async function statusOf(s: KcSession, user: KcUser, refusals: Refusals): Promise<AccountStatus> {
  if (user.enabled === false) return 'disabled';
  const brute = await optional(refusals, 'bruteForce', () =>
    s.call((kc) => kc.attackDetection.findOne({ realm: s.realm, id: user.id }), 'user'),
  );
  if (brute === null || brute === undefined) return 'unknown';
  if (brute.disabled === true) return 'locked';
  if ((user.requiredActions ?? []).includes('UPDATE_PASSWORD')) return 'password_expired';
  return 'active';
}

async function personFor(
  s: KcSession,
  value: string | null,
  read: 'manager' | 'sponsor',
  refusals: Refusals,
): Promise<PersonRef | null> {
  if (value === null || value === '') return null;
  // Only the person's id and names are needed: the search's representation has them.
  const person = await optional(refusals, read, () => lookupUser(s, value, { full: false }));
  return person === null ? null : personOf(person);
}

/** Reads the facts policy needs about a user (by id, username or email). */
export async function readSubjectFacts(s: KcSession, who: string): Promise<SubjectFacts> {
  const user = await requireUser(s, who);
  const refusals: Refusals = [];
  const [status, groups, adminRoles, credentials, channels, manager, sponsor] = await Promise.all([
    statusOf(s, user, refusals),
    groupsOf(s, user.id, refusals),
    adminRolesOf(s, user.id, refusals),
    optional(refusals, 'credentials', () =>
      s.call((kc) => kc.users.getCredentials({ realm: s.realm, id: user.id }), 'user'),
    ),
    readChannels(s, user, refusals),
    personFor(s, attribute(user, s.config.managerAttribute), 'manager', refusals),
    personFor(s, attribute(user, s.config.sponsorAttribute), 'sponsor', refusals),
  ]);
  const attributes: Record<string, string | null> = {};
  // An attribute the user does not have is "not set" (absent), not unknown (null): the record was read.
  for (const name of s.config.policyAttributes) {
    const value = attribute(user, name);
    if (value !== null) attributes[name] = value;
  }
  // Names for binding an identity verification to this record.
  if (typeof user.firstName === 'string' && user.firstName.trim() !== '')
    attributes.givenName = user.firstName;
  if (typeof user.lastName === 'string' && user.lastName.trim() !== '') attributes.familyName = user.lastName;
  const name = personOf(user).displayName;
  return {
    idp: 'keycloak',
    userId: user.id,
    login: user.username,
    displayName: name,
    status,
    groups,
    adminRoles,
    attributes,
    manager,
    sponsor,
    authenticators: credentials === null ? null : authenticatorsOf(credentials),
    channels,
    protectedUnit: null,
    readAt: s.now().toISOString(),
    unreadable: refusals,
  };
}
