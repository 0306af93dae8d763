/**
 * The emulator context shared by route modules: the realm, the clock, caller authentication
 * for the admin API, and admin-event emission with Keycloak's resourcePath / authDetails shapes.
 * @module
 */

import { canGroup, canUser, type GroupScope, hasRole, type UserScope } from './fgap.js';
import { HttpError, type Req } from './http.js';
import { verifyJwt } from './jwt.js';
import type { EmuAdminEvent, EmuClient, EmuGroup, EmuUser, Realm } from './state.js';
import { newId } from './state.js';

/** The emulator's shared state. */
export interface Emu {
  readonly realm: Realm;
  /** Emulator time, epoch ms. */
  now(): number;
  /** The emulator's base URL (set once listening). */
  baseUrl: string;
  /** Ends the user's sessions and tokens at the realm's OIDC server (code-flow sign-ins); all clients when none named. */
  revokeOidc?: (userId: string, clientId?: string) => Promise<void>;
}

/** An authenticated admin API caller. */
export interface Caller {
  readonly user: EmuUser;
  readonly client: EmuClient;
  readonly ip: string;
}

const unauthorized = (): HttpError => new HttpError(401, { error: 'HTTP 401 Unauthorized' });
/** Keycloak's 403 body for the admin API. */
export const forbidden = (): HttpError => new HttpError(403, { error: 'HTTP 403 Forbidden' });
/** Keycloak's 404 body for an unknown user. */
export const userNotFound = (): HttpError => new HttpError(404, { error: 'User not found' });

/** Resolves the bearer token of an admin API request to a caller, or throws 401. */
export function authenticate(emu: Emu, req: Req): Caller {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) throw unauthorized();
  const claims = verifyJwt(emu.realm.keys, header.slice(7));
  if (claims === null || claims.typ !== 'Bearer') throw unauthorized();
  const nowSec = Math.floor(emu.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= nowSec) throw unauthorized();
  const user = emu.realm.users.get(String(claims.sub ?? emu.realm.tokenSubjects.get(String(claims.jti))));
  if (user === undefined || !user.enabled) throw unauthorized();
  if (
    typeof claims.iat !== 'number' ||
    claims.iat < user.notBefore ||
    claims.iat < emu.realm.settings.notBefore
  ) {
    throw unauthorized();
  }
  const client = [...emu.realm.clients.values()].find((c) => c.clientId === claims.azp);
  if (client === undefined || !client.enabled) throw unauthorized();
  // Keycloak >= 26.8.2: admin API tokens must carry the kc-admin-api client scope (audience check).
  const adminScope = [...emu.realm.clientScopes.values()].find((s) => s.name === 'kc-admin-api');
  if (adminScope !== undefined && !client.defaultClientScopes.includes(adminScope.id)) throw unauthorized();
  const ip =
    typeof req.headers['x-forwarded-for'] === 'string' ? req.headers['x-forwarded-for'] : '127.0.0.1';
  return { user, client, ip };
}

/** Throws 403 unless the caller holds one of the realm-management roles. */
export function requireRole(emu: Emu, caller: Caller, ...roles: string[]): void {
  if (!roles.some((r) => hasRole(emu.realm, caller.user, r))) throw forbidden();
}

/** Looks up a user or throws 404 (403 when the caller may not even view it, as Keycloak does). */
export function targetUser(emu: Emu, caller: Caller, id: string, scope: UserScope): EmuUser {
  const user = emu.realm.users.get(id);
  if (user === undefined) {
    if (
      !hasRole(emu.realm, caller.user, 'view-users') &&
      !hasRole(emu.realm, caller.user, 'manage-users') &&
      !hasRole(emu.realm, caller.user, 'query-users')
    ) {
      throw forbidden();
    }
    throw userNotFound();
  }
  if (!canUser(emu.realm, caller.user, scope, user)) throw forbidden();
  return user;
}

/** Looks up a group or throws 404 / 403. */
export function targetGroup(emu: Emu, caller: Caller, id: string, scope: GroupScope): EmuGroup {
  const group = emu.realm.groups.get(id);
  if (group === undefined) throw new HttpError(404, { error: 'Could not find group by id' });
  if (!canGroup(emu.realm, caller.user, scope, group)) throw forbidden();
  return group;
}

/** Records an admin event when the realm has admin events enabled (representation only with details on). */
export function adminEvent(
  emu: Emu,
  caller: Caller,
  operationType: EmuAdminEvent['operationType'],
  resourceType: string,
  resourcePath: string,
  representation?: unknown,
  details?: Record<string, string>,
): void {
  const s = emu.realm.settings;
  if (!s.adminEventsEnabled) return;
  const event: EmuAdminEvent = {
    id: newId(),
    time: emu.now(),
    realmId: s.id,
    authDetails: { realmId: s.id, clientId: caller.client.id, userId: caller.user.id, ipAddress: caller.ip },
    operationType,
    resourceType,
    resourcePath,
  };
  if (s.adminEventsDetailsEnabled && representation !== undefined)
    event.representation = JSON.stringify(representation);
  if (details !== undefined) event.details = details;
  emu.realm.adminEvents.push(event);
}

/** Records a login (user) event when events are enabled. */
export function loginEvent(
  emu: Emu,
  type: string,
  userId: string,
  clientId: string,
  details?: Record<string, string>,
): void {
  const s = emu.realm.settings;
  if (!s.eventsEnabled) return;
  if (s.enabledEventTypes.length > 0 && !s.enabledEventTypes.includes(type)) return;
  emu.realm.events.push({
    id: newId(),
    time: emu.now(),
    type,
    realmId: s.id,
    clientId,
    userId,
    ipAddress: '127.0.0.1',
    ...(details === undefined ? {} : { details }),
  });
}
