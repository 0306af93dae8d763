import { baselinePolicy, classifySubject, type SubjectFacts, tierFor } from '@recovery-gate/core';
import { startFaultProxy } from '@recovery-gate/emulator-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addGroup, addUser } from '../emulator/seed.js';
import { newId, type OrgState } from '../emulator/state.js';
import { type OktaTestEnvironment, startTestEnvironment } from '../testing/index.js';
import { createProvider } from './adapter.js';

let env: OktaTestEnvironment;
let state: OrgState;
beforeAll(async () => {
  env = await startTestEnvironment({ hook: false });
  state = env.emulator.control.state;
});
afterAll(async () => env.close());

const at = () => env.emulator.control.now();
let n = 0;
const next = (): number => {
  n += 1;
  return n;
};
const newUser = () =>
  addUser(state, `admin${next()}@example.com`, { firstName: 'A', lastName: 'Admin' }, at()).id;
const newGroup = (members: readonly string[]) => {
  const group = addGroup(state, `Admins-${next()}`, at());
  for (const m of members) group.members.add(m);
  return group.id;
};

function assign(principalType: 'USER' | 'GROUP', principalId: string, type: string, custom = false): void {
  const id = newId(custom ? 'irb' : 'ra1');
  let roleId: string | null = null;
  let resourceSetId: string | null = null;
  if (custom) {
    roleId = newId('cr0');
    state.roles.set(roleId, {
      id: roleId,
      label: type,
      description: 'custom admin role',
      permissions: ['okta.users.manage'],
      created: at(),
      lastUpdated: at(),
    });
    resourceSetId = newId('iam');
    state.resourceSets.set(resourceSetId, {
      id: resourceSetId,
      label: 'all users',
      description: 'every user',
      resources: [],
      created: at(),
      lastUpdated: at(),
    });
  }
  state.roleAssignments.set(id, {
    id,
    principalType,
    principalId,
    type: custom ? 'CUSTOM' : type,
    roleId,
    resourceSetId,
    created: at(),
    lastUpdated: at(),
  });
}

function tierOf(facts: SubjectFacts): { subjectClass: string | null; tier: string | null } {
  const { subjectClass } = classifySubject(baselinePolicy, facts);
  return { subjectClass, tier: subjectClass ? tierFor(baselinePolicy, 'mfa_reset', subjectClass) : null };
}

const PRIVILEGED = { subjectClass: 'privileged', tier: 'T4' };

/**
 * Every way of holding an Okta admin role. Group rules are not a way: Okta refuses rules that target a
 * group with an admin role, and refuses an admin role to a group a rule targets.
 * @see https://help.okta.com/en/prod/Content/Topics/users-groups-profiles/usgp-about-group-rules.htm
 */
const WAYS: readonly { how: string; setup: () => string; role: string; via: string | null }[] = [
  {
    how: 'Super administrator, assigned directly',
    setup: () => {
      const user = newUser();
      assign('USER', user, 'SUPER_ADMIN');
      return user;
    },
    role: 'SUPER_ADMIN',
    via: null,
  },
  {
    how: 'Organization administrator, through a group',
    setup: () => {
      const user = newUser();
      assign('GROUP', newGroup([user]), 'ORG_ADMIN');
      return user;
    },
    role: 'ORG_ADMIN',
    via: 'a group',
  },
  {
    how: 'Help desk administrator, through a group',
    setup: () => {
      const user = newUser();
      assign('GROUP', newGroup([user]), 'HELP_DESK_ADMIN');
      return user;
    },
    role: 'HELP_DESK_ADMIN',
    via: 'a group',
  },
  {
    how: 'Read-only administrator, assigned directly',
    setup: () => {
      const user = newUser();
      assign('USER', user, 'READ_ONLY_ADMIN');
      return user;
    },
    role: 'READ_ONLY_ADMIN',
    via: null,
  },
  {
    how: 'Custom admin role on a resource set, assigned directly',
    setup: () => {
      const user = newUser();
      assign('USER', user, 'user-manager', true);
      return user;
    },
    role: 'user-manager',
    via: null,
  },
  {
    how: 'Custom admin role on a resource set, through a group',
    setup: () => {
      const user = newUser();
      assign('GROUP', newGroup([user]), 'group-user-manager', true);
      return user;
    },
    role: 'group-user-manager',
    via: 'a group',
  },
];

describe('every way of holding an Okta admin role makes the subject privileged', () => {
  it.each(WAYS)('$how', async ({ setup, role, via }) => {
    const facts = await env.adapter.readSubjectFacts(setup());
    expect(tierOf(facts)).toEqual(PRIVILEGED);
    expect(facts.adminRoles).toContain(role);
    expect(facts.adminRoleGrants).toContainEqual(expect.objectContaining({ role, via, state: 'active' }));
    expect(facts.unreadable).toEqual([]);
  });

  it('an ordinary user in an ordinary group stays standard (the table is not vacuous)', async () => {
    const user = newUser();
    newGroup([user]);
    const facts = await env.adapter.readSubjectFacts(user);
    expect(facts.adminRoles).toEqual([]);
    expect(tierOf(facts)).toEqual({ subjectClass: 'standard', tier: 'T2' });
  });

  it('with the role list refused (no okta.roles.read) an admin through a group is still privileged', async () => {
    const user = newUser();
    assign('GROUP', newGroup([user]), 'SUPER_ADMIN');
    const proxy = await startFaultProxy(env.emulator.url);
    try {
      const adapter = createProvider(
        { orgUrl: proxy.url, auth: { token: env.emulator.apiToken } },
        { now: () => new Date(at()), sleep: async () => undefined },
      );
      proxy.fail({
        method: 'GET',
        path: /\/roles$/,
        status: 403,
        body: {
          errorCode: 'E0000006',
          errorSummary: 'You do not have permission to perform the requested action',
        },
      });
      const facts = await adapter.readSubjectFacts(user);
      expect(facts.adminRoles).toBeNull();
      expect(tierOf(facts)).toEqual(PRIVILEGED);
      expect(facts.unreadable).toEqual([
        {
          fact: 'adminRoles',
          reason: 'forbidden',
          permission: 'okta.roles.read',
          endpoint: 'GET /api/v1/users/{id}/roles',
        },
      ]);
    } finally {
      await proxy.close();
    }
  });
});
