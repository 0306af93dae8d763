/**
 * Seeds: the demo cast every emulator shares, optional applied guardrails, and large synthetic tenants.
 * @module
 */

import type { EmuContext } from './context.js';
import { type EmuFactor, type EmuGroup, type EmuUser, newId, newToken, type OrgState } from './state.js';
import { appendEvent, userRef } from './syslog.js';

const DAY = 24 * 3600_000;

/** The password of every seeded user (emulator only). */
export const DEMO_PASSWORD = 'Demo-Passw0rd!';

/** Login of the seeded service account that owns the gate's API token. */
export const SERVICE_LOGIN = 'recovery-gate@example.com';

/** The request-group prefix and actions a tenant seeded with guardrails applied carries. */
export const REQUEST_ACTIONS = [
  'password_reset',
  'account_unlock',
  'mfa_reset',
  'authenticator_rebind',
  'recovery_contact_change',
  'emergency_access',
] as const;

interface CastMember {
  readonly name: string;
  readonly last: string;
  readonly groups: readonly string[];
  readonly phone: string | null;
  readonly manager?: string;
  readonly sponsor?: string;
  readonly webauthn?: boolean;
  readonly extra?: Readonly<Record<string, string>>;
}

const CAST: readonly CastMember[] = [
  {
    name: 'alice',
    last: 'Anders',
    groups: ['Staff', 'recovery-eligible'],
    phone: '+1-555-0101',
    manager: 'erin',
    extra: { secondEmail: 'alice.personal@example.net', employeeType: 'employee' },
  },
  {
    name: 'bob',
    last: 'Brown',
    groups: ['Staff', 'recovery-eligible'],
    phone: '+1-555-0102',
    manager: 'erin',
    extra: { employeeType: 'employee' },
  },
  {
    name: 'carol',
    last: 'Clark',
    groups: ['Tier0-Admins'],
    phone: '+1-555-0103',
    manager: 'erin',
    webauthn: true,
    extra: { employeeType: 'employee' },
  },
  {
    name: 'dave',
    last: 'Davis',
    groups: ['Contractors', 'recovery-eligible'],
    phone: '+1-555-0104',
    sponsor: 'erin',
    extra: { employeeType: 'contractor', contractEnd: '2026-01-31' },
  },
  {
    name: 'erin',
    last: 'Evans',
    groups: ['Managers', 'recovery-eligible'],
    phone: '+1-555-0105',
    extra: { employeeType: 'employee' },
  },
  { name: 'frank', last: 'Fischer', groups: ['HelpDesk'], phone: '+1-555-0106', manager: 'erin' },
  { name: 'gina', last: 'Garcia', groups: ['HelpDesk'], phone: '+1-555-0107', manager: 'erin' },
  { name: 'sam', last: 'Silva', groups: ['SecurityTeam'], phone: '+1-555-0108', webauthn: true },
  { name: 'sara', last: 'Stone', groups: ['SecurityTeam'], phone: '+1-555-0109', webauthn: true },
  { name: 'ivan', last: 'Ivanov', groups: ['Incident-Commanders'], phone: '+1-555-0110' },
];

const GROUPS = [
  'Everyone',
  'Staff',
  'recovery-eligible',
  'Tier0-Admins',
  'Contractors',
  'Managers',
  'HelpDesk',
  'SecurityTeam',
  'Incident-Commanders',
  'Executives',
  'Finance',
];

/** Adds a group; returns it. */
export function addGroup(
  state: OrgState,
  name: string,
  at: number,
  description: string | null = null,
): EmuGroup {
  const group: EmuGroup = {
    id: newId('00g'),
    name,
    description,
    type: name === 'Everyone' ? 'BUILT_IN' : 'OKTA_GROUP',
    created: at,
    lastUpdated: at,
    lastMembershipUpdated: at,
    members: new Set(),
  };
  state.groups.set(group.id, group);
  return group;
}

/** Adds an ACTIVE user with password and email enrollments; returns it. */
export function addUser(
  state: OrgState,
  login: string,
  profile: Record<string, unknown>,
  at: number,
): EmuUser {
  const user: EmuUser = {
    id: newId('00u'),
    status: 'ACTIVE',
    created: at,
    activated: at,
    statusChanged: at,
    lastLogin: null,
    lastUpdated: at,
    passwordChanged: at,
    profile: { login, email: login, ...profile },
    password: DEMO_PASSWORD,
  };
  state.users.set(user.id, user);
  for (const [key, name] of [
    ['okta_password', 'Password'],
    ['okta_email', 'Email'],
  ] as const) {
    const id = newId('lae');
    state.enrollments.set(id, {
      id,
      userId: user.id,
      key,
      name,
      status: 'ACTIVE',
      created: at,
      lastUpdated: at,
    });
  }
  return user;
}

/** Adds a factor to a user. */
export function addFactor(
  state: OrgState,
  userId: string,
  factorType: EmuFactor['factorType'],
  at: number,
  profile: Record<string, unknown> = {},
): EmuFactor {
  const prefix = { push: 'opf', webauthn: 'fwf', sms: 'mbl', 'token:software:totp': 'ost' }[factorType];
  const factor: EmuFactor = {
    id: newId(prefix),
    userId,
    factorType,
    provider: factorType === 'webauthn' ? 'FIDO' : 'OKTA',
    status: 'ACTIVE',
    created: at,
    lastUpdated: at,
    profile,
  };
  state.factors.set(factor.id, factor);
  return factor;
}

function assign(
  state: OrgState,
  principalType: 'USER' | 'GROUP',
  principalId: string,
  type: string,
  at: number,
): void {
  const id = newId('ra1');
  state.roleAssignments.set(id, {
    id,
    principalType,
    principalId,
    type,
    roleId: null,
    resourceSetId: null,
    created: at,
    lastUpdated: at,
  });
}

/** Seeds the demo cast; returns the gate's SSWS token. */
export function seedDemo(ctx: EmuContext): string {
  const { state } = ctx;
  const start = ctx.now();
  const onFile = start - 400 * DAY;
  for (const name of ['employeeType', 'contractEnd', 'sponsorId']) {
    state.customSchema.set(name, {
      title: name,
      type: 'string',
      mutability: 'READ_WRITE',
      scope: 'NONE',
      permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
      master: { type: 'PROFILE_MASTER' },
    });
  }
  const groups = new Map(GROUPS.map((g) => [g, addGroup(state, g, onFile - DAY)]));
  const byName = new Map<string, EmuUser>();
  for (const m of CAST) {
    const first = m.name[0]?.toUpperCase() + m.name.slice(1);
    const user = addUser(
      state,
      `${m.name}@example.com`,
      {
        firstName: first,
        lastName: m.last,
        ...(m.phone ? { mobilePhone: m.phone } : {}),
        ...(m.extra ?? {}),
      },
      onFile,
    );
    byName.set(m.name, user);
    groups.get('Everyone')?.members.add(user.id);
    for (const g of m.groups) groups.get(g)?.members.add(user.id);
    addFactor(state, user.id, 'push', onFile, {
      credentialId: user.profile.login,
      deviceType: 'SmartPhone_IPhone',
      name: `${first}'s iPhone`,
      platform: 'IOS',
      version: '17.4',
    });
    if (m.webauthn)
      addFactor(state, user.id, 'webauthn', onFile, {
        credentialId: newToken(22),
        authenticatorName: 'YubiKey 5',
      });
  }
  for (const m of CAST) {
    const user = byName.get(m.name) as EmuUser;
    if (m.manager)
      Object.assign(user.profile, {
        managerId: byName.get(m.manager)?.id,
        manager: `${m.manager}@example.com`,
      });
    if (m.sponsor) user.profile.sponsorId = byName.get(m.sponsor)?.id;
  }
  assign(state, 'USER', (byName.get('carol') as EmuUser).id, 'SUPER_ADMIN', onFile);
  // Before guardrails, the help desk holds Okta's built-in help-desk role (the risk guardrails remove).
  assign(state, 'GROUP', (groups.get('HelpDesk') as EmuGroup).id, 'HELP_DESK_ADMIN', onFile);
  const bob = byName.get('bob') as EmuUser;
  bob.lastUpdated = start - 2 * DAY;
  appendEvent(ctx, {
    eventType: 'user.account.update_profile',
    actor: userRef(bob),
    targets: [userRef(bob)],
    debugData: { changedAttributes: 'mobilePhone' },
    publishedMs: start - 2 * DAY,
  });

  const service = addUser(state, SERVICE_LOGIN, { firstName: 'Recovery', lastName: 'Gate' }, onFile);
  groups.get('Everyone')?.members.add(service.id);
  assign(state, 'USER', service.id, 'SUPER_ADMIN', onFile);
  const token = `00${newToken(40)}`;
  state.tokens.set(token, { type: 'User', id: service.id });
  return token;
}
