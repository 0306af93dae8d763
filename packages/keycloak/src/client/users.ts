/**
 * Looking users up by id, username or email, and small shared readers.
 * @module
 */

import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation.js';
import type { PersonRef } from '@recovery-gate/core';
import type { KcSession } from '../client.js';
import { userNotFound } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user as the admin API returns it, with an id. */
export type KcUser = UserRepresentation & { readonly id: string; readonly username: string };

const withId = (u: UserRepresentation | undefined | null): KcUser | null =>
  u !== undefined && u !== null && typeof u.id === 'string' && typeof u.username === 'string'
    ? (u as KcUser)
    : null;

/** Finds a user by id, username or email; null when none. */
export async function lookupUser(
  s: KcSession,
  user: string,
  options: { readonly full?: boolean } = {},
): Promise<KcUser | null> {
  if (user.trim() === '') return null;
  if (UUID.test(user)) {
    const byId = withId(await s.call((kc) => kc.users.findOne({ id: user, realm: s.realm }), 'user'));
    if (byId !== null) return byId;
  }
  const byName = await s.call((kc) => kc.users.find({ realm: s.realm, username: user, exact: true }));
  const hit = byName.map(withId).find((u) => u !== null && u.username.toLowerCase() === user.toLowerCase());
  // The search's representation names the person; `full: false` takes it as is (a manager or sponsor:
  // one round trip fewer), otherwise the user is read whole.
  if (hit !== undefined && hit !== null && options.full === false) return hit;
  if (hit !== undefined && hit !== null)
    return s.call(async (kc) => withId(await kc.users.findOne({ id: hit.id, realm: s.realm })), 'user');
  if (!user.includes('@')) return null;
  const byEmail = await s.call((kc) => kc.users.find({ realm: s.realm, email: user, exact: true }));
  const mail = byEmail.map(withId).find((u) => u !== null && u.email?.toLowerCase() === user.toLowerCase());
  return mail === undefined || mail === null ? null : mail;
}

/** Like {@link lookupUser}, but an unknown user throws `ERR_USER_NOT_FOUND`. */
export async function requireUser(s: KcSession, user: string): Promise<KcUser> {
  const found = await lookupUser(s, user);
  if (found === null) throw userNotFound();
  return found;
}

/**
 * The id of a user given by id, username or email. An id is used as is, with no read: the user-scoped call
 * that follows answers 404 (ERR_USER_NOT_FOUND) for a user that does not exist. A username or email costs
 * the lookup.
 * @throws GateError ERR_USER_NOT_FOUND
 */
export async function userIdOf(s: KcSession, user: string): Promise<string> {
  if (UUID.test(user)) return user;
  return (await requireUser(s, user)).id;
}

/** A person reference for a user. */
export function personOf(u: KcUser): PersonRef {
  const name = [u.firstName, u.lastName].filter((p) => typeof p === 'string' && p !== '').join(' ');
  return { id: u.id, login: u.username, displayName: name === '' ? null : name };
}

/** The first value of a user attribute, or null. */
export function attribute(u: UserRepresentation, name: string): string | null {
  const values = (u.attributes as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(values)) return typeof values[0] === 'string' ? values[0] : null;
  return typeof values === 'string' ? values : null;
}
