/**
 * `/users/{id}/authentication/...`: list and delete methods, create Temporary Access Passes within the
 * tenant policy, register / update phones (as an agent would), and the delegated-only resetPassword.
 * @module
 */

import { appendAudit, methodWord, userTarget } from './audit.js';
import { assertAgentMayChangeMethods, assertCanManage, assertPasswordResettable } from './authz.js';
import {
  badRequest,
  type Ctx,
  forbidden,
  GRAPH_ORIGIN,
  isoNow,
  notFound,
  objectBody,
  page,
  type Reply,
  type Route,
} from './http.js';
import { newId, stableId, tapString } from './ids.js';
import { userOf } from './lookup.js';
import { generatedPassword } from './routes-users.js';
import { methodJson } from './serialize.js';
import type { EmuMethod, EmuUser, MethodType } from './state.js';

const KINDS: Readonly<Record<string, MethodType>> = {
  passwordMethods: 'password',
  phoneMethods: 'phone',
  emailMethods: 'email',
  microsoftAuthenticatorMethods: 'microsoftAuthenticator',
  fido2Methods: 'fido2',
  softwareOathMethods: 'softwareOath',
  windowsHelloForBusinessMethods: 'windowsHelloForBusiness',
  temporaryAccessPassMethods: 'temporaryAccessPass',
};

function kindOf(ctx: Ctx): MethodType {
  const kind = KINDS[ctx.params.kind ?? ''];
  if (!kind) throw badRequest(`Resource not found for the segment '${ctx.params.kind}'.`, 'BadRequest');
  return kind;
}

function methodsOf(ctx: Ctx, user: EmuUser, type?: MethodType): EmuMethod[] {
  return [...ctx.env.tenant.methods.values()].filter(
    (m) => m.userId === user.id && (type === undefined || m.type === type),
  );
}

function tapEnabled(ctx: Ctx): boolean {
  return ctx.env.tenant.tapPolicy.state === 'enabled';
}

function list(ctx: Ctx, all: boolean): Reply {
  const user = userOf(ctx, ctx.params.id ?? '');
  const items = methodsOf(ctx, user, all ? undefined : kindOf(ctx)).map((m) =>
    methodJson(m, ctx.env.now(), tapEnabled(ctx)),
  );
  return page(ctx, items, `users('${user.id}')/authentication/methods`);
}

function get(ctx: Ctx): Reply {
  const user = userOf(ctx, ctx.params.id ?? '');
  const type = kindOf(ctx);
  const method = methodsOf(ctx, user, type).find((m) => m.id === ctx.params.mid);
  if (!method) throw notFound(ctx.params.mid ?? '');
  return { status: 200, body: methodJson(method, ctx.env.now(), tapEnabled(ctx)) };
}

/** The default MFA method each phone type carries. */
const PHONE_DEFAULTS: Readonly<Record<string, readonly string[]>> = {
  mobile: ['sms', 'voiceMobile'],
  alternateMobile: ['voiceAlternateMobile'],
  office: ['voiceOffice'],
};

/**
 * Graph: "A user can't have an alternate mobile number without a primary mobile number" (delete the alternate
 * first), and "If the phone number is the user's default Azure multifactor authentication (MFA) authentication
 * method, it can't be deleted." The exact error body is not documented; a 400 is.
 * @see https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete?view=graph-rest-1.0
 */
function refusePhoneDelete(ctx: Ctx, user: EmuUser, method: EmuMethod): void {
  const phoneType = String(method.props.phoneType ?? 'mobile');
  if (user.defaultMfaMethod !== null && (PHONE_DEFAULTS[phoneType] ?? []).includes(user.defaultMfaMethod)) {
    throw badRequest(
      "The phone number is the user's default multifactor authentication method and can't be deleted. Have the user change their default method first.",
      'badRequest',
    );
  }
  const alternate = methodsOf(ctx, user, 'phone').some((m) => m.props.phoneType === 'alternateMobile');
  if (phoneType === 'mobile' && alternate) {
    throw badRequest(
      "A user can't have an alternate mobile number without a mobile number. Delete the alternate mobile number first.",
      'badRequest',
    );
  }
}

function remove(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const user = userOf(ctx, ctx.params.id ?? '');
  const type = kindOf(ctx);
  if (type === 'password') throw badRequest('The password method cannot be deleted.');
  const method = methodsOf(ctx, user, type).find((m) => m.id === ctx.params.mid);
  if (!method) throw notFound(ctx.params.mid ?? '');
  assertCanManage(tenant, ctx.principal, user);
  assertAgentMayChangeMethods(tenant, ctx.principal, user, false);
  if (type === 'phone') refusePhoneDelete(ctx, user, method);
  tenant.methods.delete(`${user.id}:${method.id}`);
  if (type === 'phone' && method.props.phoneType === 'mobile') user.mobilePhone = null;
  appendAudit(tenant, isoNow(ctx.env), ctx.principal, {
    activity: 'Admin deleted security info',
    category: 'UserManagement',
    service: 'Authentication Methods',
    operationType: 'Delete',
    resultReason: `Admin deleted ${methodWord(type)} method for user`,
    targets: [userTarget(user)],
  });
  return { status: 204 };
}

function lifetimeOf(ctx: Ctx, body: Record<string, unknown>): number {
  const policy = ctx.env.tenant.tapPolicy;
  const lifetime = body.lifetimeInMinutes ?? policy.defaultLifetimeInMinutes;
  if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < 10 || lifetime > 43_200) {
    throw badRequest('lifetimeInMinutes must be an integer between 10 and 43200.', 'badRequest');
  }
  if (lifetime < policy.minimumLifetimeInMinutes || lifetime > policy.maximumLifetimeInMinutes) {
    throw badRequest(
      `The lifetime of the Temporary Access Pass must be between ${policy.minimumLifetimeInMinutes} and ${policy.maximumLifetimeInMinutes} minutes, as set in the policy.`,
      'badRequest',
    );
  }
  return lifetime;
}

function createTap(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  const user = userOf(ctx, ctx.params.id ?? '');
  const body = objectBody(ctx);
  const policy = tenant.tapPolicy;
  if (policy.state !== 'enabled')
    throw badRequest('Temporary Access Pass is disabled in the authentication methods policy.', 'badRequest');
  if (ctx.principal.kind === 'user' && ctx.principal.userId === user.id) {
    throw forbidden('A Temporary Access Pass cannot be created for yourself.');
  }
  assertCanManage(tenant, ctx.principal, user);
  const lifetime = lifetimeOf(ctx, body);
  const once = body.isUsableOnce === undefined ? policy.isUsableOnce : body.isUsableOnce === true;
  if (policy.isUsableOnce && !once)
    throw badRequest('The policy only allows one-time Temporary Access Passes.', 'badRequest');
  const now = ctx.env.now();
  const start = typeof body.startDateTime === 'string' ? Date.parse(body.startDateTime) : now;
  if (Number.isNaN(start)) throw badRequest('Invalid startDateTime.', 'badRequest');
  for (const old of methodsOf(ctx, user, 'temporaryAccessPass'))
    tenant.methods.delete(`${user.id}:${old.id}`);
  const method: EmuMethod = {
    id: newId(),
    userId: user.id,
    type: 'temporaryAccessPass',
    createdDateTime: new Date(now).toISOString(),
    props: {},
    tap: {
      secret: tapString(policy.defaultLength),
      startMs: start,
      lifetimeInMinutes: lifetime,
      isUsableOnce: once,
      used: false,
    },
  };
  tenant.methods.set(`${user.id}:${method.id}`, method);
  appendAudit(tenant, isoNow(ctx.env), ctx.principal, {
    activity: 'Admin registered security info',
    category: 'UserManagement',
    service: 'Authentication Methods',
    operationType: 'Add',
    resultReason: 'Admin registered temporary access pass method for user',
    targets: [userTarget(user)],
  });
  return { status: 201, body: methodJson(method, now, true, true) };
}

function upsertPhone(ctx: Ctx, create: boolean): Reply {
  const tenant = ctx.env.tenant;
  const user = userOf(ctx, ctx.params.id ?? '');
  const body = objectBody(ctx);
  assertCanManage(tenant, ctx.principal, user);
  const phoneType = create ? String(body.phoneType ?? 'mobile') : undefined;
  const ids: Readonly<Record<string, string>> = {
    mobile: '3179e48a-750b-4051-897c-87b9720928f7',
    alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
    office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
  };
  const id = create ? (ids[phoneType ?? ''] ?? stableId(String(phoneType))) : (ctx.params.mid ?? '');
  const existing = tenant.methods.get(`${user.id}:${id}`);
  if (create && existing) throw badRequest('A phone method of this type already exists.', 'badRequest');
  if (!create && !existing) throw notFound(id);
  if (typeof body.phoneNumber !== 'string') throw badRequest('phoneNumber is required.', 'badRequest');
  const method: EmuMethod = existing ?? {
    id,
    userId: user.id,
    type: 'phone',
    createdDateTime: isoNow(ctx.env),
    props: { phoneType, smsSignInState: 'notAllowedByPolicy' },
  };
  method.props.phoneNumber = body.phoneNumber;
  method.createdDateTime = isoNow(ctx.env);
  tenant.methods.set(`${user.id}:${id}`, method);
  if (method.props.phoneType === 'mobile') user.mobilePhone = body.phoneNumber;
  appendAudit(tenant, isoNow(ctx.env), ctx.principal, {
    activity: create ? 'Admin registered security info' : 'Admin updated security info',
    category: 'UserManagement',
    service: 'Authentication Methods',
    operationType: create ? 'Add' : 'Update',
    resultReason: `Admin ${create ? 'registered' : 'updated'} phone method for user`,
    targets: [userTarget(user)],
  });
  return create ? { status: 201, body: methodJson(method, ctx.env.now(), tapEnabled(ctx)) } : { status: 204 };
}

function resetPassword(ctx: Ctx): Reply {
  const tenant = ctx.env.tenant;
  if (ctx.principal.kind !== 'user')
    throw forbidden('This operation is not supported for application-only calls.');
  const user = userOf(ctx, ctx.params.id ?? '');
  if (ctx.principal.userId === user.id) throw forbidden('You cannot reset your own password with this API.');
  assertCanManage(tenant, ctx.principal, user);
  assertPasswordResettable(tenant, user);
  assertAgentMayChangeMethods(tenant, ctx.principal, user, true);
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  user.password = typeof body.newPassword === 'string' ? body.newPassword : generatedPassword();
  user.forceChangePasswordNextSignIn = true;
  user.lockedOut = false;
  user.lastPasswordChangeDateTime = isoNow(ctx.env);
  const correlationId = newId();
  for (const activity of ['Admin started password reset', 'Reset password (by admin)']) {
    appendAudit(tenant, isoNow(ctx.env), ctx.principal, {
      activity,
      correlationId,
      category: 'UserManagement',
      service: activity.startsWith('Admin') ? 'Authentication Methods' : 'Self-service Password Management',
      operationType: 'Update',
      targets: [userTarget(user)],
    });
  }
  const op = newId();
  return {
    status: 202,
    headers: { location: `${GRAPH_ORIGIN}/v1.0/users/${user.id}/authentication/operations/${op}` },
  };
}

/** The authentication-method routes. */
export const methodRoutes: readonly Route[] = [
  { method: 'GET', template: '/users/:id/authentication/methods', handler: (ctx) => list(ctx, true) },
  {
    method: 'POST',
    template: '/users/:id/authentication/methods/:mid/resetPassword',
    handler: resetPassword,
  },
  {
    method: 'GET',
    template: '/users/:id/authentication/operations/:op',
    handler: (ctx) => ({
      status: 200,
      body: {
        id: ctx.params.op,
        status: 'succeeded',
        createdDateTime: isoNow(ctx.env),
        lastActionDateTime: isoNow(ctx.env),
        resourceLocation: null,
        statusDetail: null,
      },
    }),
  },
  { method: 'POST', template: '/users/:id/authentication/temporaryAccessPassMethods', handler: createTap },
  {
    method: 'POST',
    template: '/users/:id/authentication/phoneMethods',
    handler: (ctx) => upsertPhone(ctx, true),
  },
  {
    method: 'PATCH',
    template: '/users/:id/authentication/phoneMethods/:mid',
    handler: (ctx) => upsertPhone(ctx, false),
  },
  { method: 'GET', template: '/users/:id/authentication/:kind', handler: (ctx) => list(ctx, false) },
  { method: 'GET', template: '/users/:id/authentication/:kind/:mid', handler: get },
  { method: 'DELETE', template: '/users/:id/authentication/:kind/:mid', handler: remove },
];
