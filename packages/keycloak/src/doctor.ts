/**
 * The Keycloak preflight (`recovery-gate doctor`): the client credentials, the service account's
 * `realm-management` roles against what the gate's operations need, one read per role area, admin-event
 * reading, whether a sign-in with a recovery code is recognisable (the browser flow's reference value), and
 * the clock. Only GETs; nothing in the realm changes. Keycloak calls no hook: it is polled.
 * @module
 */

import {
  clockCheck,
  type DoctorCheck,
  type DoctorOptions,
  type DoctorProbe,
  type DoctorReport,
  doctorFail,
  doctorOk,
  isGateError,
  runDoctor,
} from '@recovery-gate/core';
import {
  atLeast,
  featuresOf,
  OLDEST_SUPPORTED,
  readServerVersion,
  TESTED_VERSIONS,
  versionLimits,
} from './client/server-version.js';
import type { KcSession } from './client.js';
import { FACT_PERMISSIONS, type FactRead } from './facts/reads.js';
import { GATE_ROLES } from './guardrails/desired.js';

/** The `realm-management` roles the gate's service account needs (docs/install-keycloak.md): the guardrails' list. */
export const REQUIRED_ROLES: readonly string[] = GATE_ROLES;

/** What the probes share. */
interface DoctorContext {
  readonly s: KcSession;
  /** The gate's pages client (`pages.signIn.keycloak.clientId`), when the gate serves pages through Keycloak. */
  readonly pagesClientId: string | undefined;
  token: string;
  clock: { date: string | null; sentAt: Date; receivedAt: Date } | null;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** A read the gate depends on, and the role that allows it. */
interface Read {
  readonly id: string;
  readonly path: string;
  readonly role: string;
  readonly use: string;
}

/** One read per role area; `events` is the admin-event stream the poller reads. */
export const DOCTOR_READS: readonly Read[] = [
  {
    id: 'users',
    path: '/users?max=1&briefRepresentation=true',
    role: 'view-users',
    use: 'read subject facts',
  },
  { id: 'groups', path: '/groups?max=1', role: 'query-groups', use: 'find request groups' },
  {
    id: 'events',
    path: '/admin-events?max=1',
    role: 'view-events',
    use: 'poll admin events (requests, native resets)',
  },
  { id: 'realm', path: '', role: 'view-realm', use: 'plan the realm guardrails' },
  { id: 'clients', path: '/clients?max=1', role: 'view-clients', use: 'plan fine-grained permissions' },
];

function roleFix(role: string): string {
  return `assign the realm-management role ${role} to the gate client's service account (Clients > the client > Service account roles)`;
}

async function get(ctx: DoctorContext, path: string): Promise<Answer> {
  const { baseUrl, realm, timeoutMs } = ctx.s.config;
  const sentAt = ctx.s.now();
  const res = await fetch(`${baseUrl}/admin/realms/${encodeURIComponent(realm)}${path}`, {
    headers: { authorization: `Bearer ${ctx.token}`, accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  ctx.clock ??= { date: res.headers.get('date'), sentAt, receivedAt: ctx.s.now() };
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, body };
}

async function credential(ctx: DoctorContext): Promise<DoctorCheck> {
  const { baseUrl, realm, auth } = ctx.s.config;
  try {
    ctx.token = (await ctx.s.call((kc) => kc.getAccessToken())) ?? '';
  } catch (error) {
    if (isGateError(error, 'ERR_IDP_UNAVAILABLE')) {
      return doctorFail(
        'credential',
        `cannot reach ${baseUrl}`,
        'check providers.keycloak.baseUrl (and the proxy settings)',
      );
    }
    const status = isGateError(error) ? error.details.status : undefined;
    if (status === 404) {
      return doctorFail(
        'credential',
        `${baseUrl} has no realm "${realm}" (HTTP 404)`,
        'check providers.keycloak.baseUrl and realm',
      );
    }
    return doctorFail(
      'credential',
      `Keycloak refuses the client credentials of ${auth.clientId}${status === undefined ? '' : ` (HTTP ${String(status)})`}`,
      `check providers.keycloak.auth.clientId, that the client is confidential with service accounts enabled, and that the variable its clientSecret references holds the current secret`,
    );
  }
  if (ctx.token === '')
    return doctorFail('credential', 'Keycloak issued no access token', 'check the gate client');
  return doctorOk('credential', `client ${auth.clientId}: token granted`);
}

/** The service account's effective realm-management roles against {@link REQUIRED_ROLES}. */
async function roles(ctx: DoctorContext): Promise<readonly DoctorCheck[]> {
  const self = await ctx.s.selfUserId();
  const rm = await get(ctx, '/clients?clientId=realm-management');
  const rmId = Array.isArray(rm.body) ? (rm.body[0] as { id?: unknown } | undefined)?.id : undefined;
  const held =
    typeof rmId === 'string'
      ? await get(
          ctx,
          `/users/${encodeURIComponent(self)}/role-mappings/clients/${encodeURIComponent(rmId)}/composite`,
        )
      : rm;
  if (held.status !== 200 || !Array.isArray(held.body)) {
    return [
      doctorFail(
        'roles',
        `cannot list the service account's roles (HTTP ${held.status}); the reads below show what works`,
        roleFix('view-users and view-clients'),
      ),
    ];
  }
  const names = new Set(held.body.map((r) => String((r as { name?: unknown }).name)));
  return REQUIRED_ROLES.map((role) =>
    names.has(role)
      ? doctorOk(`role:${role}`, `${role} held`)
      : doctorFail(`role:${role}`, `${role} is missing`, roleFix(role)),
  );
}

/** A `view-*` role is also granted by its `manage-*` role (Keycloak's admin permission checks). */
const MANAGE_OF: Readonly<Record<string, string>> = {
  'view-users': 'manage-users',
  'view-clients': 'manage-clients',
  'view-events': 'manage-events',
};

/** Each subject-fact read: readable with the roles held, or what policy does without it (a warning). */
async function factReads(ctx: DoctorContext): Promise<readonly DoctorCheck[]> {
  const self = await ctx.s.selfUserId();
  const rm = await get(ctx, '/clients?clientId=realm-management');
  const rmId = Array.isArray(rm.body) ? (rm.body[0] as { id?: unknown } | undefined)?.id : undefined;
  if (typeof rmId !== 'string') return [];
  const held = await get(
    ctx,
    `/users/${encodeURIComponent(self)}/role-mappings/clients/${encodeURIComponent(rmId)}/composite`,
  );
  if (held.status !== 200 || !Array.isArray(held.body)) return [];
  const names = new Set(held.body.map((r) => String((r as { name?: unknown }).name)));
  return (Object.keys(FACT_PERMISSIONS) as FactRead[]).map((read) => {
    const { endpoint, permission, without } = FACT_PERMISSIONS[read];
    const role = permission.replace(/^realm-management /, '');
    const ok = names.has(role) || names.has(MANAGE_OF[role] ?? role);
    return ok
      ? doctorOk(`fact:${read}`, `${endpoint} readable (${role})`)
      : doctorFail(`fact:${read}`, `${role} is missing: ${without}`, roleFix(role), 'warn');
  });
}

function readProbe(read: Read): DoctorProbe<DoctorContext> {
  return async (ctx) => {
    const answer = await get(ctx, read.path);
    if (answer.status === 200) return doctorOk(read.id, `${read.role}: can ${read.use}`);
    const why = answer.status === 403 ? `missing ${read.role}` : `HTTP ${answer.status}`;
    return doctorFail(read.id, `${why}: the gate cannot ${read.use}`, roleFix(read.role));
  };
}

async function eventsConfig(ctx: DoctorContext): Promise<DoctorCheck> {
  const answer = await get(ctx, '/events/config');
  if (answer.status !== 200) {
    return doctorFail(
      'events-config',
      `cannot read the events configuration (HTTP ${answer.status})`,
      roleFix('view-events'),
    );
  }
  const config = answer.body as { adminEventsEnabled?: unknown; adminEventsDetailsEnabled?: unknown };
  if (config.adminEventsEnabled !== true || config.adminEventsDetailsEnabled !== true) {
    return doctorFail(
      'events-config',
      'admin events (with representations) are not saved yet',
      'run recovery-gate apply (it turns them on)',
      'warn',
    );
  }
  return doctorOk('events-config', 'admin events are saved with representations');
}

async function clock(ctx: DoctorContext): Promise<DoctorCheck> {
  if (ctx.clock === null) await get(ctx, '');
  const c = ctx.clock as DoctorContext['clock'];
  return c === null ? clockCheck(null, ctx.s.now(), ctx.s.now()) : clockCheck(c.date, c.sentAt, c.receivedAt);
}

/** The server version decides which FGAP v2 scopes the guardrails can use (see client/server-version.ts). */
async function serverVersion(ctx: DoctorContext): Promise<DoctorCheck> {
  const version = await readServerVersion(ctx.s);
  const limits = versionLimits(featuresOf(version));
  if (version === null)
    return doctorFail(
      'server-version',
      `/admin/serverinfo names no version: the guardrails assume ${OLDEST_SUPPORTED}`,
      'let the gate client read /admin/serverinfo, or check the plan for what it cannot express',
      'warn',
    );
  if (!atLeast(version, OLDEST_SUPPORTED))
    return doctorFail(
      'server-version',
      `Keycloak ${version} has no fine-grained admin permissions v2`,
      `upgrade to ${OLDEST_SUPPORTED} or later (tested: ${TESTED_VERSIONS.join(', ')})`,
    );
  if (limits.length > 0)
    return doctorFail(
      'server-version',
      `Keycloak ${version}: ${limits.length} guardrail limit(s); ${limits.join(' ')}`,
      `upgrade to 26.6.2 or later to express every guardrail (tested: ${TESTED_VERSIONS.join(', ')})`,
      'warn',
    );
  return doctorOk('server-version', `Keycloak ${version}: every guardrail scope exists`);
}

/** The execution whose reference value marks a sign-in finished with one of Keycloak's own recovery codes. */
const RECOVERY_CODE_FORM = 'auth-recovery-authn-code-form';

/**
 * Whether a sign-in finished with one of the realm's own recovery codes can be told apart: the browser
 * flow's Recovery Authentication Code Form needs a reference value (`default.reference.value`), which the AMR
 * mapper puts in the ID token. Without one such a sign-in reaches level 2 like any second factor and the gate
 * reads it as an ordinary step-up, never as `idp_recovery_code` evidence.
 */
async function recoveryCodeAmr(ctx: DoctorContext): Promise<DoctorCheck> {
  const realm = await get(ctx, '');
  const named = (realm.body as { browserFlow?: unknown } | null)?.browserFlow;
  const flow = typeof named === 'string' && named !== '' ? named : 'browser';
  const answer = await get(ctx, `/authentication/flows/${encodeURIComponent(flow)}/executions`);
  if (answer.status !== 200 || !Array.isArray(answer.body)) {
    return doctorFail(
      'recovery-code-amr',
      `cannot read the browser flow "${flow}" (HTTP ${answer.status}): whether a recovery-code sign-in is recognisable is unknown`,
      roleFix('view-realm'),
      'warn',
    );
  }
  const form = (
    answer.body as { providerId?: unknown; requirement?: unknown; authenticationConfig?: unknown }[]
  ).find((e) => e.providerId === RECOVERY_CODE_FORM && e.requirement !== 'DISABLED');
  if (form === undefined)
    return doctorOk('recovery-code-amr', `the browser flow "${flow}" offers no recovery-code sign-in`);
  const config =
    typeof form.authenticationConfig === 'string'
      ? await get(ctx, `/authentication/config/${encodeURIComponent(form.authenticationConfig)}`)
      : null;
  const values = (config?.body as { config?: Record<string, unknown> } | null)?.config;
  const value = values?.['default.reference.value'];
  if (typeof value !== 'string' || value === '') {
    return doctorFail(
      'recovery-code-amr',
      `the browser flow "${flow}" lets a recovery code finish the second factor but names no reference value: such a sign-in counts as an ordinary step-up, never as idp_recovery_code evidence`,
      `set default.reference.value (e.g. recovery-code) in the Recovery Authentication Code Form's settings (Authentication > ${flow}), add the Authentication Method Reference (AMR) mapper to the gate's pages client, and list the value in pages.signIn.keycloak.recoveryCodeAmrs`,
      'warn',
    );
  }
  if (ctx.pagesClientId === undefined)
    return doctorOk(
      'recovery-code-amr',
      `a recovery-code sign-in carries amr "${value}" (pages.signIn.keycloak.recoveryCodeAmrs lists it); no pages client is configured to check for the AMR mapper`,
    );
  return pagesClientAmr(ctx, ctx.pagesClientId, value);
}

/** A mapper as the admin API lists it. */
interface MapperRep {
  readonly protocolMapper?: unknown;
  readonly config?: Record<string, unknown>;
}

const putsAmrInIdToken = (mappers: unknown): boolean =>
  Array.isArray(mappers) &&
  (mappers as MapperRep[]).some(
    (m) => m.protocolMapper === 'oidc-amr-mapper' && m.config?.['id.token.claim'] === 'true',
  );

/**
 * Whether the pages client's ID tokens carry `amr`: Keycloak builds a client's tokens from its own protocol
 * mappers and those of its default client scopes, and only the AMR mapper (with "Add to ID token") adds
 * `amr`. Without it the reference value never reaches the gate.
 */
async function pagesClientAmr(ctx: DoctorContext, clientId: string, value: string): Promise<DoctorCheck> {
  const found = await get(ctx, `/clients?clientId=${encodeURIComponent(clientId)}`);
  if (found.status !== 200 || !Array.isArray(found.body))
    return doctorFail(
      'recovery-code-amr',
      `cannot read the pages client "${clientId}" (HTTP ${found.status}): whether its ID tokens carry amr is unknown`,
      roleFix('view-clients'),
      'warn',
    );
  const client = (
    found.body as { clientId?: unknown; protocolMappers?: unknown; defaultClientScopes?: unknown }[]
  ).find((c) => c.clientId === clientId);
  if (client === undefined)
    return doctorFail(
      'recovery-code-amr',
      `the pages client "${clientId}" (pages.signIn.keycloak.clientId) does not exist in the realm`,
      'create the client or correct pages.signIn.keycloak.clientId',
    );
  let carried = putsAmrInIdToken(client.protocolMappers);
  if (!carried && Array.isArray(client.defaultClientScopes) && client.defaultClientScopes.length > 0) {
    const scopes = await get(ctx, '/client-scopes');
    if (scopes.status !== 200 || !Array.isArray(scopes.body))
      return doctorFail(
        'recovery-code-amr',
        `cannot read the client scopes (HTTP ${scopes.status}): whether the pages client's ID tokens carry amr is unknown`,
        roleFix('view-clients'),
        'warn',
      );
    const names = new Set(client.defaultClientScopes);
    carried = (scopes.body as { name?: unknown; protocolMappers?: unknown }[]).some(
      (scope) => names.has(scope.name) && putsAmrInIdToken(scope.protocolMappers),
    );
  }
  if (!carried)
    return doctorFail(
      'recovery-code-amr',
      `the pages client "${clientId}" has no AMR mapper adding amr to its ID tokens (on the client or a default client scope): a recovery-code sign-in counts as an ordinary step-up, never as idp_recovery_code evidence`,
      `add the Authentication Method Reference (AMR) mapper with "Add to ID token" on to the client "${clientId}" (Clients > ${clientId} > Client scopes > ${clientId}-dedicated > Add mapper > By configuration)`,
      'warn',
    );
  return doctorOk(
    'recovery-code-amr',
    `a recovery-code sign-in carries amr "${value}" in the pages client's ID tokens (the AMR mapper is on "${clientId}" or a default scope of it; pages.signIn.keycloak.recoveryCodeAmrs lists it)`,
  );
}

const hook: DoctorProbe<DoctorContext> = async () =>
  doctorOk('hook', 'none needed: the gate polls admin events');

/** Runs the Keycloak preflight. */
export function doctor(s: KcSession, options: DoctorOptions = {}): Promise<DoctorReport> {
  const ctx: DoctorContext = { s, pagesClientId: options.pagesClientId, token: '', clock: null };
  const reads = Object.fromEntries(DOCTOR_READS.map((read) => [read.id, readProbe(read)]));
  return runDoctor(
    'keycloak',
    ctx,
    credential,
    {
      roles,
      facts: factReads,
      ...reads,
      'events-config': eventsConfig,
      'server-version': serverVersion,
      'recovery-code-amr': recoveryCodeAmr,
      hook,
      clock,
    },
    null,
  );
}
