/**
 * Users API: read, partial update, groups, lifecycle operations.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/
 * @module
 */

import type { ServerResponse } from 'node:http';
import {
  type EmuContext,
  invalid,
  limitOf,
  linkHeader,
  notFound,
  OktaError,
  type OktaRequest,
  objectBody,
  ok,
} from './context.js';
import { compileFilter, FilterSyntaxError } from './filter.js';
import { groupJson } from './groups.js';
import type { Routes } from './routes.js';
import { clearSessions } from './sessions.js';
import { type EmuUser, findUser, groupsOf, iso, newToken } from './state.js';
import { actorRef, appendEvent, userRef } from './syslog.js';

/** Resolves `:id` (id or login) or throws 404. */
export function userParam(ctx: EmuContext, req: OktaRequest, name = 'id'): EmuUser {
  const key = req.params[name] ?? '';
  const user = findUser(ctx.state, key);
  if (!user) throw notFound(key, 'User');
  return user;
}

/** The User resource. */
export function userJson(ctx: EmuContext, user: EmuUser): Record<string, unknown> {
  const t = (ms: number | null): string | null => (ms === null ? null : iso(ms));
  return {
    id: user.id,
    status: user.status,
    created: iso(user.created),
    activated: t(user.activated),
    statusChanged: t(user.statusChanged),
    lastLogin: t(user.lastLogin),
    lastUpdated: iso(user.lastUpdated),
    passwordChanged: t(user.passwordChanged),
    type: { id: 'otyemulatordefault01' },
    profile: { ...user.profile },
    credentials: {
      password: {},
      emails: [{ value: user.profile.email, status: 'VERIFIED', type: 'PRIMARY' }],
      provider: { type: 'OKTA', name: 'OKTA' },
    },
    _links: { self: { href: `${ctx.baseUrl()}/api/v1/users/${user.id}` } },
  };
}

/** Moves a user to a new status and logs nothing (callers log the action). */
export function setStatus(ctx: EmuContext, user: EmuUser, status: string): void {
  user.status = status;
  user.statusChanged = ctx.now();
  user.lastUpdated = ctx.now();
}

function log(
  ctx: EmuContext,
  req: OktaRequest,
  user: EmuUser,
  eventType: string,
  debugData?: Record<string, string>,
): void {
  appendEvent(ctx, {
    eventType,
    actor: actorRef(ctx.state, req.principal),
    targets: [userRef(user)],
    ...(debugData ? { debugData } : {}),
  });
}

function listUsers(ctx: EmuContext, req: OktaRequest, res: ServerResponse): void {
  const limit = limitOf(req, 200, 200);
  let users = [...ctx.state.users.values()];
  const expression = req.query.get('search') ?? req.query.get('filter');
  if (expression) {
    try {
      const predicate = compileFilter(expression);
      users = users.filter((u) => predicate(userJson(ctx, u)));
    } catch (error) {
      if (error instanceof FilterSyntaxError)
        throw new OktaError(400, 'E0000031', 'Invalid search criteria.');
      throw error;
    }
  }
  const q = req.query.get('q')?.toLowerCase();
  if (q) {
    users = users.filter((u) =>
      ['login', 'email', 'firstName', 'lastName'].some((k) =>
        String(u.profile[k] ?? '')
          .toLowerCase()
          .startsWith(q),
      ),
    );
  }
  const after = req.query.get('after');
  const start = after ? users.findIndex((u) => u.id === after) + 1 : 0;
  const page = users.slice(start, start + limit);
  const base = `${ctx.baseUrl()}/api/v1/users`;
  const last = page[page.length - 1];
  const next = start + limit < users.length && last ? `${base}?limit=${limit}&after=${last.id}` : null;
  ok(
    res,
    page.map((u) => userJson(ctx, u)),
    200,
    { link: linkHeader(`${base}?limit=${limit}`, next) },
  );
}

function updateUser(ctx: EmuContext, req: OktaRequest, res: ServerResponse): void {
  const user = userParam(ctx, req);
  const body = objectBody(req);
  const profile = body.profile;
  if (profile !== undefined && (typeof profile !== 'object' || profile === null || Array.isArray(profile))) {
    throw invalid('profile: must be an object');
  }
  const changed: string[] = [];
  for (const [key, value] of Object.entries((profile ?? {}) as Record<string, unknown>)) {
    if (!KNOWN_BASE.has(key) && !ctx.state.customSchema.has(key)) {
      throw invalid(`${key}: Property name '${key}' is not defined in the user schema`);
    }
    if (user.profile[key] === value) continue;
    changed.push(key);
    if (value === null) delete user.profile[key];
    else user.profile[key] = value;
  }
  if (changed.length > 0) {
    user.lastUpdated = ctx.now();
    log(ctx, req, user, 'user.account.update_profile', { changedAttributes: changed.join(',') });
  }
  ok(res, userJson(ctx, user));
}

/** Base profile properties besides the core ones. */
const KNOWN_BASE = new Set([
  'login',
  'email',
  'firstName',
  'lastName',
  'mobilePhone',
  'secondEmail',
  'primaryPhone',
  'middleName',
  'honorificPrefix',
  'honorificSuffix',
  'title',
  'displayName',
  'nickName',
  'profileUrl',
  'streetAddress',
  'city',
  'state',
  'zipCode',
  'countryCode',
  'postalAddress',
  'preferredLanguage',
  'locale',
  'timezone',
  'userType',
  'employeeNumber',
  'costCenter',
  'organization',
  'division',
  'department',
  'managerId',
  'manager',
]);

async function lifecycle(ctx: EmuContext, req: OktaRequest, res: ServerResponse): Promise<void> {
  const user = userParam(ctx, req);
  const op = req.params.op ?? '';
  switch (op) {
    case 'reset_factors': {
      for (const f of [...ctx.state.factors.values()])
        if (f.userId === user.id) ctx.state.factors.delete(f.id);
      for (const e of [...ctx.state.enrollments.values()]) {
        // "Reset all factors or authenticator enrollments": everything but the password.
        if (e.userId === user.id && e.key !== 'okta_password') ctx.state.enrollments.delete(e.id);
      }
      log(ctx, req, user, 'user.mfa.factor.reset_all');
      ok(res, {});
      return;
    }
    case 'reset_password': {
      setStatus(ctx, user, 'RECOVERY');
      if (req.query.get('revokeSessions') === 'true') await clearSessions(ctx, user.id, false);
      log(ctx, req, user, 'user.account.reset_password');
      // sendEmail=true: Okta mails the link and answers with an empty object.
      if (req.query.get('sendEmail') !== 'false') {
        ok(res, {});
        return;
      }
      ok(res, { resetPasswordUrl: `${ctx.baseUrl()}/reset_password/${newToken(20)}` });
      return;
    }
    case 'expire_password':
    case 'expire_password_with_temp_password': {
      setStatus(ctx, user, 'PASSWORD_EXPIRED');
      if (req.query.get('revokeSessions') === 'true') await clearSessions(ctx, user.id, false);
      log(ctx, req, user, 'user.account.expire_password');
      if (op === 'expire_password') {
        ok(res, userJson(ctx, user));
        return;
      }
      user.password = newToken(10);
      ok(res, { tempPassword: user.password });
      return;
    }
    case 'unlock': {
      if (user.status !== 'LOCKED_OUT')
        throw new OktaError(403, 'E0000032', 'Unlock is not allowed for this user.');
      setStatus(ctx, user, 'ACTIVE');
      ctx.state.failedSignIns.delete(user.id);
      log(ctx, req, user, 'user.account.unlock_by_admin');
      ok(res, {});
      return;
    }
    case 'suspend': {
      if (user.status !== 'ACTIVE') throw invalid('status: Cannot suspend a user that is not active');
      setStatus(ctx, user, 'SUSPENDED');
      log(ctx, req, user, 'user.lifecycle.suspend');
      ok(res, {});
      return;
    }
    case 'unsuspend': {
      if (user.status !== 'SUSPENDED') throw invalid('status: Cannot unsuspend a user that is not suspended');
      setStatus(ctx, user, 'ACTIVE');
      log(ctx, req, user, 'user.lifecycle.unsuspend');
      ok(res, {});
      return;
    }
    default:
      throw notFound(op, 'Lifecycle operation');
  }
}

/** Registers the Users routes. */
export function registerUsers(ctx: EmuContext, r: Routes): void {
  r('GET', '/api/v1/users', 'okta.users.read', (req, res) => listUsers(ctx, req, res));
  r('GET', '/api/v1/users/me', null, (req, res) => {
    const user = req.principal.type === 'User' ? ctx.state.users.get(req.principal.id) : undefined;
    if (!user) throw notFound('me', 'User');
    ok(res, userJson(ctx, user));
  });
  r('GET', '/api/v1/users/:id', 'okta.users.read', (req, res) => ok(res, userJson(ctx, userParam(ctx, req))));
  r('POST', '/api/v1/users/:id', 'okta.users.userprofile.manage', (req, res) => updateUser(ctx, req, res));
  r('GET', '/api/v1/users/:id/groups', 'okta.users.read', (req, res) => {
    const user = userParam(ctx, req);
    ok(
      res,
      groupsOf(ctx.state, user.id).map((g) => groupJson(ctx, g)),
    );
  });
  const perms: Record<string, string> = {
    reset_factors: 'okta.users.credentials.resetFactors',
    reset_password: 'okta.users.credentials.resetPassword',
    expire_password: 'okta.users.credentials.expirePassword',
    expire_password_with_temp_password: 'okta.users.credentials.expirePassword',
    unlock: 'okta.users.lifecycle.unlock',
    suspend: 'okta.users.lifecycle.suspend',
    unsuspend: 'okta.users.lifecycle.unsuspend',
  };
  for (const [op, perm] of Object.entries(perms)) {
    r('POST', `/api/v1/users/:id/lifecycle/${op}`, perm, (req, res) =>
      lifecycle(ctx, { ...req, params: { ...req.params, op } }, res),
    );
  }
}
