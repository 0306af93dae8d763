/**
 * Admin API: realm settings, events config, admin and login events, required actions (roles: routes-roles.ts).
 * @module
 */

import { adminEvent, authenticate, type Emu, requireRole } from './context.js';
import { ADMIN_PERMISSIONS_CLIENT } from './fgap.js';
import { HttpError, messageError, type Req, type Res, type Router } from './http.js';
import { clientRoutes, groupRoutes } from './routes-groups.js';
import { mapperRoutes } from './routes-mappers.js';
import { roleRoutes } from './routes-roles.js';
import { REQUIRED_ACTIONS } from './routes-users.js';
import { addClient } from './seed.js';
import type { EmuAdminEvent } from './state.js';
import { clientByClientId, uuidFrom } from './state.js';

const R = '/admin/realms/:realm';

function realmRep(emu: Emu): Record<string, unknown> {
  const s = emu.realm.settings;
  const fgap = clientByClientId(emu.realm, ADMIN_PERMISSIONS_CLIENT);
  const defaultRole = emu.realm.realmRoles.get(`default-roles-${s.realm}`);
  return {
    ...s,
    ...(defaultRole === undefined
      ? {}
      : {
          defaultRole: {
            id: defaultRole.id,
            name: `default-roles-${s.realm}`,
            composite: true,
            clientRole: false,
            containerId: s.id,
          },
        }),
    ...(s.adminPermissionsEnabled && fgap !== undefined
      ? { adminPermissionsClient: { id: fgap.id, clientId: fgap.clientId, enabled: true } }
      : {}),
  };
}

function updateRealm(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  requireRole(emu, caller, 'manage-realm');
  const rep = req.body as Record<string, unknown> | undefined;
  if (typeof rep !== 'object' || rep === null) throw messageError(400, 'Invalid realm representation');
  const s = emu.realm.settings;
  if (typeof rep.adminPermissionsEnabled === 'boolean') {
    s.adminPermissionsEnabled = rep.adminPermissionsEnabled;
    if (rep.adminPermissionsEnabled && clientByClientId(emu.realm, ADMIN_PERMISSIONS_CLIENT) === undefined) {
      addClient(emu.realm, { clientId: ADMIN_PERMISSIONS_CLIENT });
    }
  }
  for (const key of ['accessTokenLifespan', 'actionTokenGeneratedByAdminLifespan', 'notBefore'] as const) {
    if (typeof rep[key] === 'number') s[key] = rep[key];
  }
  for (const key of [
    'eventsEnabled',
    'adminEventsEnabled',
    'adminEventsDetailsEnabled',
    'bruteForceProtected',
  ] as const) {
    if (typeof rep[key] === 'boolean') s[key] = rep[key];
  }
  adminEvent(emu, caller, 'UPDATE', 'REALM', '', rep);
  return { status: 204 };
}

/** `GET .../authentication/flows/{flowAlias}/executions` (view-realm, as AuthenticationManagementResource). */
function listExecutions(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  requireRole(emu, caller, 'view-realm', 'manage-realm');
  const executions = emu.realm.authentication.flows.get(req.params.flowAlias ?? '');
  if (executions === undefined) throw messageError(404, 'Flow not found');
  return {
    status: 200,
    body: executions.map((e) => ({
      id: e.id,
      requirement: e.requirement,
      displayName: e.displayName,
      requirementChoices: ['REQUIRED', 'ALTERNATIVE', 'DISABLED'],
      configurable: e.providerId !== 'basic-flow',
      ...(e.providerId === 'basic-flow' ? { authenticationFlow: true } : { providerId: e.providerId }),
      ...(e.authenticationConfig === undefined ? {} : { authenticationConfig: e.authenticationConfig }),
      level: e.level,
      index: e.index,
      priority: (e.index + 1) * 10,
    })),
  };
}

/** `GET .../authentication/config/{id}` (view-realm). */
function getAuthConfig(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  requireRole(emu, caller, 'view-realm', 'manage-realm');
  const config = emu.realm.authentication.configs.get(req.params.id ?? '');
  if (config === undefined) throw messageError(404, 'Could not find authenticator config');
  return { status: 200, body: { id: config.id, alias: config.alias, config: { ...config.config } } };
}

/** `PUT .../authentication/config/{id}` (manage-realm): replaces the alias and the config map. */
function updateAuthConfig(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  requireRole(emu, caller, 'manage-realm');
  const config = emu.realm.authentication.configs.get(req.params.id ?? '');
  if (config === undefined) throw messageError(404, 'Could not find authenticator config');
  const rep = req.body as { alias?: unknown; config?: unknown } | undefined;
  if (typeof rep !== 'object' || rep === null) throw messageError(400, 'Invalid authenticator config');
  const entries = typeof rep.config === 'object' && rep.config !== null ? Object.entries(rep.config) : [];
  if (entries.some(([, v]) => typeof v !== 'string')) throw messageError(400, 'Invalid authenticator config');
  if (typeof rep.alias === 'string' && rep.alias !== '') config.alias = rep.alias;
  config.config = Object.fromEntries(entries) as Record<string, string>;
  adminEvent(emu, caller, 'UPDATE', 'AUTHENTICATOR_CONFIG', `authentication/config/${config.id}`, rep);
  return { status: 204 };
}

function eventsConfig(emu: Emu): Record<string, unknown> {
  const s = emu.realm.settings;
  return {
    eventsEnabled: s.eventsEnabled,
    ...(s.eventsExpiration === undefined ? {} : { eventsExpiration: s.eventsExpiration }),
    eventsListeners: [...s.eventsListeners],
    enabledEventTypes: [...s.enabledEventTypes],
    adminEventsEnabled: s.adminEventsEnabled,
    adminEventsDetailsEnabled: s.adminEventsDetailsEnabled,
  };
}

function updateEventsConfig(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  requireRole(emu, caller, 'manage-events');
  const rep = req.body as Record<string, unknown> | undefined;
  if (typeof rep !== 'object' || rep === null) throw messageError(400, 'Invalid events config');
  const s = emu.realm.settings;
  for (const key of ['eventsEnabled', 'adminEventsEnabled', 'adminEventsDetailsEnabled'] as const) {
    if (typeof rep[key] === 'boolean') s[key] = rep[key];
  }
  if (typeof rep.eventsExpiration === 'number') s.eventsExpiration = rep.eventsExpiration;
  if (Array.isArray(rep.eventsListeners)) s.eventsListeners = rep.eventsListeners.map(String);
  if (Array.isArray(rep.enabledEventTypes)) s.enabledEventTypes = rep.enabledEventTypes.map(String);
  adminEvent(emu, caller, 'UPDATE', 'REALM', 'events/config', rep);
  return { status: 204 };
}

/** Parses `yyyy-MM-dd` or epoch millis, as Keycloak 26 does; throws 400 otherwise. */
function parseDate(value: string | null, name: string, endOfDay: boolean): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value)) return Number(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value))
    return Date.parse(`${value}T00:00:00Z`) + (endOfDay ? 86_399_999 : 0);
  throw new HttpError(400, {
    error: 'invalid_request',
    error_description: `Invalid value for '${name}', expected format is yyyy-MM-dd or an Epoch timestamp`,
  });
}

function listAdminEvents(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  requireRole(emu, caller, 'view-events');
  const q = req.query;
  const ops = q.getAll('operationTypes');
  const types = q.getAll('resourceTypes');
  const pathLike = q.get('resourcePath');
  const pathRe =
    pathLike === null
      ? null
      : new RegExp(
          `^${pathLike
            .split('*')
            .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
        );
  const from = parseDate(q.get('dateFrom'), 'Date(From)', false);
  const to = parseDate(q.get('dateTo'), 'Date(To)', true);
  const matches = (e: EmuAdminEvent): boolean =>
    (ops.length === 0 || ops.includes(e.operationType)) &&
    (types.length === 0 || types.includes(e.resourceType)) &&
    (pathRe === null || pathRe.test(e.resourcePath)) &&
    (q.get('authClient') === null || e.authDetails.clientId === q.get('authClient')) &&
    (q.get('authUser') === null || e.authDetails.userId === q.get('authUser')) &&
    (from === null || e.time >= from) &&
    (to === null || e.time <= to);
  const asc = q.get('direction') === 'asc';
  const first = Number(q.get('first') ?? 0);
  const max = Number(q.get('max') ?? 100);
  return { status: 200, body: pageOfEvents(emu.realm.adminEvents, matches, asc, from, first, max) };
}

/**
 * One page of `events` in time order (ties in insertion order), oldest first when `asc`. Events are
 * appended as they happen, so the list is normally in time order already: then the page is found by a
 * binary search on `from` and a walk to the page's end, as a database index would (a catch-up of 100,000
 * events otherwise sorted the whole list on every page). Out of order, it falls back to a full sort.
 */
function pageOfEvents(
  events: readonly EmuAdminEvent[],
  matches: (e: EmuAdminEvent) => boolean,
  asc: boolean,
  from: number | null,
  first: number,
  max: number,
): EmuAdminEvent[] {
  let sorted = true;
  for (let i = 1; i < events.length && sorted; i += 1)
    sorted = (events[i - 1] as EmuAdminEvent).time <= (events[i] as EmuAdminEvent).time;
  if (!sorted) {
    return events
      .map((e, i) => ({ e, i }))
      .filter(({ e }) => matches(e))
      .sort((a, b) => (asc ? a.e.time - b.e.time || a.i - b.i : b.e.time - a.e.time || b.i - a.i))
      .map(({ e }) => e)
      .slice(first, first + max);
  }
  let lo = 0;
  let hi = events.length;
  while (asc && from !== null && lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as EmuAdminEvent).time < from) lo = mid + 1;
    else hi = mid;
  }
  const page: EmuAdminEvent[] = [];
  let skipped = 0;
  const step = asc ? 1 : -1;
  for (let i = asc ? lo : events.length - 1; i >= 0 && i < events.length && page.length < max; i += step) {
    const e = events[i] as EmuAdminEvent;
    if (!matches(e)) continue;
    if (skipped < first) skipped += 1;
    else page.push(e);
  }
  return page;
}

function listEvents(emu: Emu, req: Req): Res {
  const caller = authenticate(emu, req);
  requireRole(emu, caller, 'view-events');
  const q = req.query;
  const types = q.getAll('type');
  const from = parseDate(q.get('dateFrom'), 'Date(From)', false);
  const list = emu.realm.events
    .filter(
      (e) =>
        (types.length === 0 || types.includes(e.type)) &&
        (q.get('user') === null || e.userId === q.get('user')) &&
        (from === null || e.time >= from),
    )
    .sort((a, b) => (q.get('direction') === 'asc' ? a.time - b.time : b.time - a.time));
  const first = Number(q.get('first') ?? 0);
  return { status: 200, body: list.slice(first, first + Number(q.get('max') ?? 100)) };
}

/** Registers realm, events, group and client routes. */
export function realmRoutes(router: Router, emu: Emu): void {
  // Any authenticated admin may read it (the console does); the emulator models the fields the gate reads.
  router.on('GET', '/admin/serverinfo', (req) => {
    authenticate(emu, req);
    const version = emu.realm.settings.serverVersion;
    return {
      status: 200,
      body: {
        systemInfo: { version, serverTime: new Date(emu.now()).toISOString(), uptimeMillis: 0 },
        profileInfo: {
          name: 'community',
          disabledFeatures: [],
          previewFeatures: [],
          experimentalFeatures: [],
        },
        features: [{ name: 'ADMIN_FINE_GRAINED_AUTHZ_V2', type: 'DEFAULT', enabled: true }],
      },
    };
  });
  router.on('GET', R, (req) => {
    const caller = authenticate(emu, req);
    requireRole(emu, caller, 'view-realm', 'manage-realm');
    return { status: 200, body: realmRep(emu) };
  });
  router.on('PUT', R, (req) => updateRealm(emu, req));
  router.on('GET', `${R}/events/config`, (req) => {
    const caller = authenticate(emu, req);
    requireRole(emu, caller, 'view-events', 'manage-events');
    return { status: 200, body: eventsConfig(emu) };
  });
  router.on('PUT', `${R}/events/config`, (req) => updateEventsConfig(emu, req));
  router.on('GET', `${R}/admin-events`, (req) => listAdminEvents(emu, req));
  router.on('GET', `${R}/events`, (req) => listEvents(emu, req));
  router.on('GET', `${R}/authentication/required-actions`, (req) => {
    authenticate(emu, req);
    return {
      status: 200,
      body: REQUIRED_ACTIONS.map((alias, i) => ({
        alias,
        name: alias,
        providerId: alias,
        enabled: true,
        defaultAction: false,
        priority: (i + 1) * 10,
        config: {},
      })),
    };
  });
  router.on('GET', `${R}/authentication/flows/:flowAlias/executions`, (req) => listExecutions(emu, req));
  router.on('GET', `${R}/authentication/config/:id`, (req) => getAuthConfig(emu, req));
  router.on('PUT', `${R}/authentication/config/:id`, (req) => updateAuthConfig(emu, req));
  roleRoutes(router, emu);
  groupRoutes(router, emu);
  clientRoutes(router, emu);
  mapperRoutes(router, emu);
}

/** The id a seeded client scope has. */
export const scopeId = (name: string): string => uuidFrom(`scope:${name}`);
