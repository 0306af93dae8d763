/**
 * The Okta preflight (`recovery-gate doctor`): the credential, the scopes or roles the gate's operations
 * need, one read per permission area, System Log reading, the event hook, and the clock. Only GETs (and, for
 * a service app, token requests); nothing in the org changes.
 * @module
 */

import type { Client } from '@okta/okta-sdk-nodejs';
import {
  clockCheck,
  type DoctorCheck,
  type DoctorProbe,
  type DoctorReport,
  doctorFail,
  doctorOk,
  runDoctor,
} from '@recovery-gate/core';
import type { Json, OktaContext } from './client/context.js';
import { DEFAULT_SCOPES } from './config.js';
import { FACT_PERMISSIONS, type FactRead } from './facts/reads.js';

/** What the probes share: the adapter's context, a client per scope list, and what earlier probes learned. */
interface DoctorContext {
  readonly okta: OktaContext;
  readonly clientFor: (scopes: readonly string[]) => Client;
  /** The Date header and timing of the first answer, for the clock check. */
  clock: { date: string | null; sentAt: Date; receivedAt: Date } | null;
  /** The API token's owner (SSWS). */
  owner: { id: string; login: string } | null;
}

/** One GET's outcome. */
interface Answer {
  readonly status: number;
  readonly errorCode: string | null;
  readonly body: unknown;
  readonly date: string | null;
}

/** A read the gate's operations depend on, and the permission (OAuth: `.read` scope) it needs. */
interface Read {
  readonly id: string;
  readonly path: string;
  readonly permission: string;
  readonly use: string;
}

/** The reads, one per permission area the gate uses; `events` is the System Log the pollers read. */
export const DOCTOR_READS: readonly Read[] = [
  { id: 'users', path: '/api/v1/users?limit=1', permission: 'okta.users.read', use: 'read subject facts' },
  {
    id: 'groups',
    path: '/api/v1/groups?limit=1',
    permission: 'okta.groups.read',
    use: 'find request groups',
  },
  {
    id: 'events',
    path: '/api/v1/logs?limit=1',
    permission: 'okta.logs.read',
    use: 'poll the System Log (requests and native resets)',
  },
  {
    id: 'event-hooks',
    path: '/api/v1/eventHooks',
    permission: 'okta.eventHooks.read',
    use: 'plan the event hook',
  },
  {
    id: 'schemas',
    path: '/api/v1/meta/schemas/user/default',
    permission: 'okta.schemas.read',
    use: 'plan the status attribute',
  },
  {
    id: 'authenticators',
    path: '/api/v1/authenticators',
    permission: 'okta.authenticators.read',
    use: 'issue Temporary Access Codes',
  },
  {
    id: 'iam-roles',
    path: '/api/v1/iam/roles',
    permission: 'okta.roles.read',
    use: 'plan the help-desk role',
  },
];

function transport(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  const code = e.cause?.code ?? e.code ?? e.name;
  return typeof code === 'string' ? code : 'network error';
}

/** GETs `path` with the adapter's client (auth, retries, proxy rules) and never throws on an HTTP status. */
async function get(ctx: DoctorContext, path: string): Promise<Answer> {
  const sentAt = ctx.okta.now();
  try {
    // The SDK's request type comes from node-fetch typings it does not ship; GET is its default method.
    const request = { headers: { Accept: 'application/json' } } as Parameters<Client['http']['http']>[1];
    const res = await ctx.okta.client.http.http(`${ctx.okta.config.orgUrl}${path}`, request);
    const answer = {
      status: res.status,
      errorCode: null,
      body: await res.json(),
      date: res.headers.get('date'),
    };
    ctx.clock ??= { date: answer.date, sentAt, receivedAt: ctx.okta.now() };
    return answer;
  } catch (error) {
    const e = error as {
      status?: unknown;
      errorCode?: unknown;
      headers?: { get?: (n: string) => string | null };
    };
    if (typeof e.status !== 'number')
      throw new Error(`cannot reach ${ctx.okta.config.orgUrl}: ${transport(error)}`);
    const errorCode = typeof e.errorCode === 'string' ? e.errorCode : null;
    return { status: e.status, errorCode, body: null, date: e.headers?.get?.('date') ?? null };
  }
}

const oauth = (ctx: DoctorContext) => 'clientId' in ctx.okta.config.auth;

function grantFix(ctx: DoctorContext, scope: string): string {
  return oauth(ctx)
    ? `grant ${scope} to the service app (Admin Console > Applications > the app > Okta API Scopes) and list it in providers.okta.auth.scopes`
    : `give the API token's owner an admin role holding ${scope} (Super Administrator for apply), or use a service app`;
}

async function ssws(ctx: DoctorContext): Promise<DoctorCheck> {
  const fix = `create an API token for the gate's service account (Security > API > Tokens) and set the variable providers.okta.auth.token references`;
  let me: Answer;
  try {
    me = await get(ctx, '/api/v1/users/me');
  } catch (error) {
    return doctorFail(
      'credential',
      (error as Error).message,
      'check providers.okta.orgUrl (and HTTPS_PROXY / NO_PROXY)',
    );
  }
  if (me.status === 401)
    return doctorFail(
      'credential',
      'Okta refuses the API token: invalid, revoked or expired (HTTP 401)',
      fix,
    );
  if (me.status !== 200) {
    return doctorFail(
      'credential',
      `${ctx.okta.config.orgUrl} does not answer as an Okta org (HTTP ${me.status})`,
      'check providers.okta.orgUrl',
    );
  }
  const body = me.body as Json;
  const profile = (body.profile ?? {}) as Json;
  ctx.owner = { id: String(body.id ?? ''), login: String(profile.login ?? body.id ?? '') };
  return doctorOk('credential', `API token of ${ctx.owner.login}`);
}

/** Requests a token with `scopes`; null when granted, else Okta's OAuth error (or the transport failure). */
async function refusal(ctx: DoctorContext, scopes: readonly string[]): Promise<string | null> {
  try {
    // The SDK resolves with the token endpoint's OAuth error body rather than throwing on it.
    const answer = (await ctx.clientFor(scopes).oauth.getAccessToken()) as unknown as Json;
    if (typeof answer.access_token === 'string') return null;
    return typeof answer.error === 'string' ? answer.error : 'no access token';
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status !== 'number')
      throw new Error(`cannot reach ${ctx.okta.config.orgUrl}: ${transport(error)}`);
    return status === 401 ? 'invalid_client' : status === 400 ? 'invalid_scope' : `HTTP ${status}`;
  }
}

async function serviceApp(ctx: DoctorContext): Promise<DoctorCheck | readonly DoctorCheck[]> {
  const auth = ctx.okta.config.auth as { clientId: string; scopes: readonly string[] };
  let refused: string | null;
  try {
    refused = await refusal(ctx, auth.scopes);
  } catch (error) {
    return doctorFail(
      'credential',
      (error as Error).message,
      'check providers.okta.orgUrl (and HTTPS_PROXY / NO_PROXY)',
    );
  }
  if (refused === null) return doctorOk('credential', `service app ${auth.clientId}: token granted`);
  if (refused !== 'invalid_scope') {
    return doctorFail(
      'credential',
      `Okta refuses the service app ${auth.clientId} (${refused})`,
      'check providers.okta.auth.clientId, and that the key (keyId) is registered on the app and not revoked',
    );
  }
  const missing: DoctorCheck[] = [];
  for (const scope of auth.scopes) {
    if ((await refusal(ctx, [scope])) !== null)
      missing.push(
        doctorFail(`scope:${scope}`, `${scope} is not granted to the service app`, grantFix(ctx, scope)),
      );
  }
  return missing.length > 0
    ? missing
    : doctorFail(
        'credential',
        'Okta refuses the requested scopes together',
        'check the scopes granted to the service app',
      );
}

/** The scopes (service app) or the owner's roles (API token) against what the gate's operations need. */
async function permissions(ctx: DoctorContext): Promise<readonly DoctorCheck[]> {
  if (oauth(ctx)) {
    const requested = new Set((ctx.okta.config.auth as { scopes: readonly string[] }).scopes);
    return DEFAULT_SCOPES.map((scope) =>
      requested.has(scope)
        ? doctorOk(`scope:${scope}`, `${scope} granted`)
        : doctorFail(`scope:${scope}`, `${scope} is not requested`, grantFix(ctx, scope)),
    );
  }
  const roles = await get(ctx, `/api/v1/users/${encodeURIComponent(ctx.owner?.id ?? 'me')}/roles`);
  if (roles.status !== 200) {
    return [
      doctorFail(
        'owner-roles',
        `cannot read the token owner's admin roles (HTTP ${roles.status})`,
        grantFix(ctx, 'okta.users.read'),
      ),
    ];
  }
  const types = (Array.isArray(roles.body) ? roles.body : []).map((r) => String((r as Json).type ?? ''));
  if (types.includes('SUPER_ADMIN'))
    return [doctorOk('owner-roles', "the token's owner is a Super Administrator")];
  return [
    doctorFail(
      'owner-roles',
      `the token's owner holds ${types.length > 0 ? types.join(', ') : 'no admin role'}, not Super Administrator (resets, Temporary Access Codes and apply need it)`,
      "assign Super Administrator to the token's owner (Security > Administrators), or use a service app with the scopes in docs/install-okta.md",
    ),
  ];
}

/** The permissions the gate's own operations need from the service app's admin role (docs/install-okta.md). */
export const GATE_ROLE_PERMISSIONS: readonly string[] = [
  'okta.users.read',
  'okta.groups.read',
  'okta.users.credentials.resetFactors',
  'okta.users.credentials.expirePassword',
  'okta.users.credentials.manageTemporaryAccessCode',
  'okta.users.lifecycle.unlock',
  'okta.users.lifecycle.suspend',
  'okta.users.lifecycle.clearSessions',
  'okta.users.userprofile.manage',
  'okta.groups.members.manage',
];

/** Whether `held` grants `needed`, umbrella permissions included (okta.users.lifecycle.manage covers unlock). */
function grants(held: readonly string[], needed: string): boolean {
  if (held.includes(needed)) return true;
  const parts = needed.split('.');
  for (let i = parts.length - 1; i > 1; i--)
    if (held.includes(`${parts.slice(0, i).join('.')}.manage`)) return true;
  return false;
}

/**
 * The service app's admin roles: Okta limits a service app to the permissions of the roles assigned to it,
 * whatever its scopes. Super Administrator covers everything (and `apply`); a custom role is read and checked
 * against {@link GATE_ROLE_PERMISSIONS}; other standard roles lack some (Temporary Access Codes, suspend).
 * @see https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/
 */
async function serviceAppRole(ctx: DoctorContext): Promise<DoctorCheck> {
  if (!oauth(ctx)) return doctorOk('app-role', "an API token acts with its owner's roles (owner-roles)");
  const clientId = (ctx.okta.config.auth as { clientId: string }).clientId;
  const fix = `assign the service app Super Administrator, or a custom admin role with ${GATE_ROLE_PERMISSIONS.join(', ')} over all users (Admin Console > Applications > the app > Admin roles)`;
  const roles = await get(ctx, `/oauth2/v1/clients/${encodeURIComponent(clientId)}/roles`);
  if (roles.status === 403) {
    // Reading a client's role assignments takes a role that may read roles: a service app that is not a
    // Super (or Organization) Administrator usually cannot see its own, so say what it must hold.
    return doctorFail(
      'app-role',
      `the service app cannot read its own admin roles (403), so it is not a Super Administrator; Okta limits it to its role, which must carry ${GATE_ROLE_PERMISSIONS.join(', ')}`,
      fix,
      'warn',
    );
  }
  if (roles.status !== 200) {
    return doctorFail(
      'app-role',
      `cannot read the service app's admin roles (HTTP ${roles.status})`,
      grantFix(ctx, 'okta.roles.read'),
    );
  }
  const assigned = (Array.isArray(roles.body) ? roles.body : []) as Json[];
  const types = assigned.map((a) => String(a.type ?? ''));
  if (types.includes('SUPER_ADMIN'))
    return doctorOk('app-role', 'the service app is a Super Administrator (serve and apply)');
  // Organization Administrator manages users, groups and their credentials org-wide.
  const held: string[] = types.includes('ORG_ADMIN') ? [...GATE_ROLE_PERMISSIONS] : [];
  for (const a of assigned) {
    if (a.type !== 'CUSTOM' || typeof a.role !== 'string') continue;
    const permissions = await get(ctx, `/api/v1/iam/roles/${encodeURIComponent(a.role)}/permissions`);
    const list = ((permissions.body as Json | null)?.permissions ?? []) as Json[];
    held.push(...list.map((p) => String(p.label ?? '')));
  }
  const missing = GATE_ROLE_PERMISSIONS.filter((p) => !grants(held, p));
  const names = types.length > 0 ? types.join(', ') : 'no admin role';
  if (missing.length > 0 || types.length === 0) {
    return doctorFail(
      'app-role',
      `the service app holds ${names}${missing.length > 0 && held.length > 0 ? ` without ${missing.join(', ')}` : ''}: Okta refuses it those steps mid-case, whatever its scopes`,
      fix,
    );
  }
  return doctorFail(
    'app-role',
    `the service app holds ${names}, which covers recoveries; apply (custom roles, resource sets, event hooks) needs Super Administrator`,
    'run apply with a Super Administrator credential',
    'warn',
  );
}

/**
 * The org's Temporary Access Code authenticator and its settings (lifetime bounds, multi-use): the gate lowers a
 * tier's lifetime to the maximum, refuses one below the minimum, and issues single-use codes where multi-use is
 * not allowed.
 */
async function tacSettings(ctx: DoctorContext): Promise<DoctorCheck> {
  const tac = await ctx.okta.tacAuthenticator().catch(() => undefined);
  if (tac === undefined)
    return doctorFail('tac', 'cannot read the authenticators', grantFix(ctx, 'okta.authenticators.read'));
  if (tac === null) {
    return doctorFail(
      'tac',
      'the org has no active Temporary Access Code authenticator: no credential can be issued',
      'add the Temporary Access Code authenticator (Security > Authenticators) and activate it',
    );
  }
  const s = tac.settings;
  if (s === null) {
    return doctorFail(
      'tac',
      `Temporary Access Code authenticator ${tac.id}: Okta returned no lifetime settings, so only Okta's 10-14,400 minutes is checked before issuing`,
      "check the authenticator's minimum and maximum TTL against the policy tiers' credential lifetimes",
      'warn',
    );
  }
  return doctorOk(
    'tac',
    `Temporary Access Code authenticator ${tac.id}: ${s.minTtl}-${s.maxTtl} minutes, multi-use ${s.multiUseAllowed ? 'allowed' : 'not allowed'} (tier lifetimes above ${s.maxTtl} minutes are shortened, below ${s.minTtl} refused)`,
  );
}

/** A read scope is also granted by its manage scope. */
const manageOf = (scope: string) => scope.replace(/\.read$/, '.manage');

/**
 * Each subject-fact read against the service app's scopes: readable, or what policy does without it (a
 * warning: the gate still works, fail-closed). An API token's reach is its owner's role (checked above).
 */
async function factReads(ctx: DoctorContext): Promise<readonly DoctorCheck[]> {
  if (!oauth(ctx)) return [];
  const requested = new Set((ctx.okta.config.auth as { scopes: readonly string[] }).scopes);
  return (Object.keys(FACT_PERMISSIONS) as FactRead[]).map((read) => {
    const { endpoint, permission, without } = FACT_PERMISSIONS[read];
    return requested.has(permission) || requested.has(manageOf(permission))
      ? doctorOk(`fact:${read}`, `${endpoint} readable`)
      : doctorFail(
          `fact:${read}`,
          `${permission} is not requested: ${without}`,
          grantFix(ctx, permission),
          'warn',
        );
  });
}

function readProbe(read: Read): DoctorProbe<DoctorContext> {
  return async (ctx) => {
    const answer = await get(ctx, read.path);
    if (answer.status === 200) return doctorOk(read.id, `${read.permission}: can ${read.use}`);
    const why = answer.status === 403 ? `missing ${read.permission}` : `HTTP ${answer.status}`;
    return doctorFail(read.id, `${why}: the gate cannot ${read.use}`, grantFix(ctx, read.permission));
  };
}

async function eventHook(ctx: DoctorContext): Promise<DoctorCheck> {
  const { hook, names } = ctx.okta.config;
  if (!hook) return doctorOk('hook', 'no event hook configured: System Log polling only');
  const answer = await get(ctx, '/api/v1/eventHooks');
  if (answer.status !== 200)
    return doctorFail(
      'hook',
      `cannot read event hooks (HTTP ${answer.status})`,
      grantFix(ctx, 'okta.eventHooks.read'),
    );
  const found = (Array.isArray(answer.body) ? answer.body : []).find(
    (h) => (h as Json).name === names.eventHook,
  ) as Json | undefined;
  if (!found)
    return doctorFail(
      'hook',
      `no event hook "${names.eventHook}" yet`,
      'run recovery-gate apply (it creates and verifies the hook)',
      'warn',
    );
  const status = `${String(found.status)}/${String(found.verificationStatus)}`;
  if (found.status !== 'ACTIVE' || found.verificationStatus !== 'VERIFIED') {
    return doctorFail(
      'hook',
      `event hook "${names.eventHook}" is ${status}`,
      'run recovery-gate apply with the gate reachable at the hook URL, so Okta verifies it',
      'warn',
    );
  }
  return doctorOk('hook', `event hook "${names.eventHook}" is ${status}`);
}

async function clock(ctx: DoctorContext): Promise<DoctorCheck> {
  if (ctx.clock === null) await get(ctx, '/api/v1/users/me');
  const c = ctx.clock as DoctorContext['clock'];
  return c === null
    ? clockCheck(null, ctx.okta.now(), ctx.okta.now())
    : clockCheck(c.date, c.sentAt, c.receivedAt);
}

/** Runs the Okta preflight; `clientFor` builds a client asking for other scopes (service apps only). */
export function doctor(okta: OktaContext, clientFor: DoctorContext['clientFor']): Promise<DoctorReport> {
  const ctx: DoctorContext = { okta, clientFor, clock: null, owner: null };
  const reads = Object.fromEntries(DOCTOR_READS.map((read) => [read.id, readProbe(read)]));
  const credential: DoctorProbe<DoctorContext> = (c) => (oauth(c) ? serviceApp(c) : ssws(c));
  return runDoctor(
    'okta',
    ctx,
    credential,
    {
      permissions,
      'app-role': serviceAppRole,
      facts: factReads,
      ...reads,
      tac: tacSettings,
      hook: eventHook,
      clock,
    },
    okta.config.hook?.url ?? null,
  );
}
