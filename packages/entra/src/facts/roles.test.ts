import { randomUUID } from 'node:crypto';
import { baselinePolicy, classifySubject, type SubjectFacts, tierFor } from '@recovery-gate/core';
import { startFaultProxy } from '@recovery-gate/emulator-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_IDS, type TenantState } from '../../emulator/state.js';
import { startTestEnvironment } from '../../testing/harness.js';
import { loopbackHttpClient } from '../client/transport.js';
import { createProvider } from '../index.js';

type Env = Awaited<ReturnType<typeof startTestEnvironment>>;
let env: Env;
let tenant: TenantState;
beforeAll(async () => {
  env = await startTestEnvironment();
  tenant = env.emulator.control.tenant;
});
afterAll(async () => env.close());

const GA = ROLE_IDS.globalAdministrator;
const UA = ROLE_IDS.userAdministrator;

/** A fresh ordinary user (a copy of alice without her groups and roles). */
function newUser(): string {
  const alice = env.emulator.control.user('alice');
  const id = randomUUID();
  const login = `u${id.slice(0, 8)}@example.com`;
  tenant.users.set(id, {
    ...alice,
    id,
    userPrincipalName: login,
    mail: login,
    sponsorIds: [],
    extensions: {},
  });
  return id;
}

function newGroup(roleAssignable: boolean, members: readonly string[] = []): string {
  const id = randomUUID();
  tenant.groups.set(id, {
    id,
    displayName: `Admins-${id.slice(0, 6)}`,
    description: null,
    mailNickname: `admins${id.slice(0, 6)}`,
    securityEnabled: true,
    mailEnabled: false,
    isAssignableToRole: roleAssignable,
    createdDateTime: new Date(env.emulator.control.now()).toISOString(),
    members: new Set(members),
  });
  return id;
}

function newUnit(): string {
  const id = randomUUID();
  tenant.units.set(id, {
    id,
    displayName: `Unit-${id.slice(0, 6)}`,
    description: null,
    isMemberManagementRestricted: false,
    members: new Set(),
  });
  return id;
}

const assign = (principalId: string, roleDefinitionId: string, directoryScopeId = '/') => {
  const id = randomUUID();
  tenant.roleAssignments.set(id, { id, principalId, roleDefinitionId, directoryScopeId });
};
const eligible = (principalId: string, roleDefinitionId: string, directoryScopeId = '/') => {
  const id = randomUUID();
  tenant.eligibilities.set(id, { id, principalId, roleDefinitionId, directoryScopeId });
};
const pimGroup = (principalId: string, groupId: string, accessId: 'member' | 'owner' = 'member') => {
  const id = randomUUID();
  tenant.groupEligibilities.set(id, { id, principalId, groupId, accessId });
};

/** The class and tier the baseline policy gives these facts for an MFA reset. */
function tierOf(facts: SubjectFacts): { subjectClass: string | null; tier: string | null } {
  const { subjectClass } = classifySubject(baselinePolicy, facts);
  return { subjectClass, tier: subjectClass ? tierFor(baselinePolicy, 'mfa_reset', subjectClass) : null };
}

const PRIVILEGED = { subjectClass: 'privileged', tier: 'T4' };

/** Every way a user can hold or activate a directory role; each sets one up and returns the user. */
const WAYS: readonly { how: string; setup: () => string; grant: Record<string, unknown> }[] = [
  {
    how: 'Global Administrator, active, assigned directly',
    setup: () => {
      const user = newUser();
      assign(user, GA);
      return user;
    },
    grant: { role: 'Global Administrator', state: 'active', via: null, scope: 'tenant' },
  },
  {
    how: 'Global Administrator, PIM-eligible, directly',
    setup: () => {
      const user = newUser();
      eligible(user, GA);
      return user;
    },
    grant: { role: 'Global Administrator', state: 'eligible', via: null, scope: 'tenant' },
  },
  {
    how: 'Global Administrator, active, through a role-assignable group',
    setup: () => {
      const user = newUser();
      assign(newGroup(true, [user]), GA);
      return user;
    },
    grant: { role: 'Global Administrator', state: 'active', scope: 'tenant' },
  },
  {
    how: 'Global Administrator, PIM-eligible, through a role-assignable group',
    setup: () => {
      const user = newUser();
      eligible(newGroup(true, [user]), GA);
      return user;
    },
    grant: { role: 'Global Administrator', state: 'eligible', scope: 'tenant' },
  },
  {
    how: 'User Administrator scoped to an administrative unit, assigned to a group the user is in',
    setup: () => {
      const user = newUser();
      assign(newGroup(true, [user]), UA, `/administrativeUnits/${newUnit()}`);
      return user;
    },
    grant: { role: 'User Administrator', state: 'active' },
  },
  {
    how: 'User Administrator scoped to an administrative unit, assigned directly',
    setup: () => {
      const user = newUser();
      assign(user, UA, `/administrativeUnits/${newUnit()}`);
      return user;
    },
    grant: { role: 'User Administrator', state: 'active', via: null },
  },
  {
    how: 'User Administrator, PIM-eligible on an administrative unit, through a role-assignable group',
    setup: () => {
      const user = newUser();
      eligible(newGroup(true, [user]), UA, `/administrativeUnits/${newUnit()}`);
      return user;
    },
    grant: { role: 'User Administrator', state: 'eligible' },
  },
  {
    how: 'PIM for Groups: eligible member of a group that holds Global Administrator',
    setup: () => {
      const user = newUser();
      const group = newGroup(true);
      assign(group, GA);
      pimGroup(user, group);
      return user;
    },
    grant: { role: 'Global Administrator', state: 'eligible', scope: 'tenant' },
  },
  {
    how: 'PIM for Groups: eligible member of a group eligible for Global Administrator',
    setup: () => {
      const user = newUser();
      const group = newGroup(true);
      eligible(group, GA);
      pimGroup(user, group);
      return user;
    },
    grant: { role: 'Global Administrator', state: 'eligible' },
  },
  {
    how: 'PIM for Groups: eligible owner of a group that holds User Administrator',
    setup: () => {
      const user = newUser();
      const group = newGroup(true);
      assign(group, UA);
      pimGroup(user, group, 'owner');
      return user;
    },
    grant: { role: 'User Administrator', state: 'eligible' },
  },
];

describe('every way of holding an Entra directory role makes the subject privileged', () => {
  it.each(WAYS)('$how', async ({ setup, grant }) => {
    const user = setup();
    const facts = await env.adapter.readSubjectFacts(user);
    expect(tierOf(facts)).toEqual(PRIVILEGED);
    expect(facts.adminRoles).toContain(grant.role);
    expect(facts.adminRoleGrants).toContainEqual(expect.objectContaining(grant));
    expect(facts.unreadable).toEqual([]);
  });

  it('shows the administrative unit and the group a scoped role is held through', async () => {
    const user = newUser();
    const unit = newUnit();
    const group = newGroup(true, [user]);
    assign(group, UA, `/administrativeUnits/${unit}`);
    const facts = await env.adapter.readSubjectFacts(user);
    expect(facts.adminRoleGrants).toEqual([
      {
        role: 'User Administrator',
        state: 'active',
        via: tenant.groups.get(group)?.displayName,
        scope: `administrative unit ${unit}`,
      },
    ]);
  });

  it('an ordinary user stays standard (the table is not vacuous)', async () => {
    const user = newUser();
    newGroup(false, [user]);
    const facts = await env.adapter.readSubjectFacts(user);
    expect(facts.adminRoles).toEqual([]);
    expect(tierOf(facts)).toEqual({ subjectClass: 'standard', tier: 'T2' });
  });

  it('the emulator refuses a role for a group that is not role-assignable, as Graph does', async () => {
    const group = newGroup(false);
    const token = await env.emulator.control.agentToken('carol');
    const answer = await fetch(`${env.emulator.url}/v1.0/roleManagement/directory/roleAssignments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ principalId: group, roleDefinitionId: GA, directoryScopeId: '/' }),
    });
    expect(answer.status).toBe(400);
    expect([...tenant.roleAssignments.values()].some((a) => a.principalId === group)).toBe(false);
  });
});

describe('role reads refused: the subject is privileged and the case says which permission is missing', () => {
  it('a PIM-eligible Global Administrator with both role reads answering 403 opens at T4 / privileged', async () => {
    const user = newUser();
    eligible(user, GA);
    const proxy = await startFaultProxy(env.emulator.url);
    try {
      const adapter = createProvider(env.config, {
        graphOrigin: proxy.url,
        httpClient: loopbackHttpClient(env.emulator.url),
        now: () => new Date(env.emulator.control.now()),
        sleep: async () => undefined,
      });
      const denied = { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges.' } };
      for (const path of [/roleEligibilitySchedules$/, /roleAssignments$/])
        proxy.fail({ method: 'GET', path, status: 403, body: denied });
      const facts = await adapter.readSubjectFacts(user);
      expect(facts.adminRoles).toBeNull();
      expect(tierOf(facts)).toEqual(PRIVILEGED);
      expect(facts.unreadable?.map((u) => u.permission).sort()).toEqual([
        'RoleEligibilitySchedule.Read.Directory',
        'RoleManagement.Read.Directory',
      ]);
      expect(facts.unreadable?.every((u) => u.fact === 'adminRoles' && u.reason === 'forbidden')).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('with pim: false (a tenant without PIM, stated by the engineer) eligibility is not read at all', async () => {
    const user = newUser();
    const config = { ...env.config, pim: false };
    const adapter = createProvider(config, {
      graphOrigin: env.emulator.url,
      httpClient: loopbackHttpClient(env.emulator.url),
      now: () => new Date(env.emulator.control.now()),
    });
    const from = env.emulator.control.requests.length;
    const facts = await adapter.readSubjectFacts(user);
    const paths = env.emulator.control.requests.slice(from).map((r) => r.path);
    expect(paths.some((p) => /eligibilitySchedules/i.test(p))).toBe(false);
    expect(facts.adminRoles).toEqual([]);
  });
});

describe('least-privilege app: Graph itself refuses the role reads', () => {
  it('an eligible Global Administrator is privileged, the case names the permission, and doctor warns', async () => {
    const user = newUser();
    eligible(user, GA);
    const app = [...tenant.apps.values()].find((a) =>
      a.permissions.includes('RoleManagement.ReadWrite.Directory'),
    );
    if (!app) throw new Error('no gate app');
    const granted = [...app.permissions];
    // A common least-privilege setup: memberships readable, role management not granted at all.
    app.permissions = granted
      .filter((p) => !/^(RoleManagement|Directory)\./.test(p))
      .concat('GroupMember.Read.All');
    try {
      const facts = await env.adapter.readSubjectFacts(user);
      expect(facts.adminRoles).toBeNull();
      expect(tierOf(facts)).toEqual(PRIVILEGED);
      expect(facts.unreadable?.map((u) => u.permission)).toEqual(
        expect.arrayContaining(['RoleManagement.Read.Directory', 'RoleEligibilitySchedule.Read.Directory']),
      );
      // A fresh credential: the token's roles claim lists the permissions as granted now.
      const fresh = createProvider(env.config, {
        graphOrigin: env.emulator.url,
        httpClient: loopbackHttpClient(env.emulator.url),
        now: () => new Date(env.emulator.control.now()),
      });
      const report = await fresh.doctor();
      const line = report.checks.find((c) => c.id === 'fact:roleEligibility');
      expect(line).toMatchObject({ status: 'warn' });
      expect(line?.summary).toContain('RoleEligibilitySchedule.Read.Directory is not granted');
      expect(line?.summary).toContain('the riskiest class');
      expect(report.checks.find((c) => c.id === 'fact:groupEligibility')?.status).toBe('ok');
    } finally {
      app.permissions = granted;
    }
  });

  it('doctor lists every fact read as granted with the seeded app, and leaves out PIM reads with pim: false', async () => {
    const report = await env.adapter.doctor();
    const facts = report.checks.filter((c) => c.id.startsWith('fact:'));
    expect(facts.length).toBeGreaterThan(8);
    expect(facts.every((c) => c.status === 'ok')).toBe(true);
    const noPim = createProvider(
      { ...env.config, pim: false },
      {
        graphOrigin: env.emulator.url,
        httpClient: loopbackHttpClient(env.emulator.url),
        now: () => new Date(env.emulator.control.now()),
      },
    );
    const ids = (await noPim.doctor()).checks.map((c) => c.id);
    expect(ids).not.toContain('fact:roleEligibility');
    expect(ids).not.toContain('fact:groupEligibility');
  });
});
