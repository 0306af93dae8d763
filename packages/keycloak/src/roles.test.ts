import { baselinePolicy, classifySubject, type SubjectFacts, tierFor } from '@recovery-gate/core';
import { startFaultProxy } from '@recovery-gate/emulator-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addGroup, addUser } from '../emulator/seed.js';
import { clientByClientId, type EmuGroup, type EmuUser, type Realm } from '../emulator/state.js';
import { type EmulatorPair, startTestEnvironment } from '../testing/index.js';
import { createProvider } from './index.js';

let pair: EmulatorPair;
let realm: Realm;
let rm: string;
beforeAll(async () => {
  pair = await startTestEnvironment({ createProvider });
  realm = pair.emu.control.realm;
  rm = clientByClientId(realm, 'realm-management')?.id ?? '';
});
afterAll(async () => pair.close());

let n = 0;
const next = (): number => {
  n += 1;
  return n;
};
const newUser = (): EmuUser =>
  addUser(realm, { username: `admin${next()}`, createdTimestamp: pair.emu.control.now() });
const newGroup = (parent: EmuGroup | null = null): EmuGroup =>
  addGroup(realm, `admins-${next()}`, parent?.id ?? null);
const grantClient = (holder: { clientRoles: Map<string, Set<string>> }, role: string) => {
  const roles = holder.clientRoles.get(rm) ?? new Set<string>();
  roles.add(role);
  holder.clientRoles.set(rm, roles);
};
/** A realm role that is a composite of a realm-management client role. */
const compositeRealmRole = (clientRole: string): string => {
  const name = `it-ops-${next()}`;
  realm.realmRoles.set(name, { id: `r-${name}`, composites: [], links: [{ client: rm, name: clientRole }] });
  return name;
};

function tierOf(facts: SubjectFacts): { subjectClass: string | null; tier: string | null } {
  const { subjectClass } = classifySubject(baselinePolicy, facts);
  return { subjectClass, tier: subjectClass ? tierFor(baselinePolicy, 'mfa_reset', subjectClass) : null };
}

const PRIVILEGED = { subjectClass: 'privileged', tier: 'T4' };

/** Every way of holding a Keycloak admin role; each sets one up and returns the username. */
const WAYS: readonly { how: string; setup: () => string; role: string }[] = [
  {
    how: 'realm-management realm-admin, mapped directly',
    setup: () => {
      const user = newUser();
      grantClient(user, 'realm-admin');
      return user.username;
    },
    role: 'realm-admin',
  },
  {
    how: 'realm-management manage-users, through a group',
    setup: () => {
      const user = newUser();
      const group = newGroup();
      grantClient(group, 'manage-users');
      user.groups.add(group.id);
      return user.username;
    },
    role: 'manage-users',
  },
  {
    how: 'realm-management manage-users, through the parent of a subgroup',
    setup: () => {
      const user = newUser();
      const parent = newGroup();
      grantClient(parent, 'manage-users');
      user.groups.add(newGroup(newGroup(parent)).id);
      return user.username;
    },
    role: 'manage-users',
  },
  {
    how: 'realm-management view-users, inside the composite realm-admin mapped directly',
    setup: () => {
      const user = newUser();
      grantClient(user, 'realm-admin');
      return user.username;
    },
    role: 'view-users',
  },
  {
    how: 'a realm role that is a composite of realm-management manage-users, mapped directly',
    setup: () => {
      const user = newUser();
      user.realmRoles.add(compositeRealmRole('manage-users'));
      return user.username;
    },
    role: 'manage-users',
  },
  {
    how: 'a composite realm role holding realm-management impersonation, through a subgroup',
    setup: () => {
      const user = newUser();
      const parent = newGroup();
      parent.realmRoles.add(compositeRealmRole('impersonation'));
      user.groups.add(newGroup(parent).id);
      return user.username;
    },
    role: 'impersonation',
  },
  {
    how: 'a privileged realm role (configured), through a group',
    setup: () => {
      if (!realm.realmRoles.has('realm-admin'))
        realm.realmRoles.set('realm-admin', { id: 'r-realm-admin', composites: [] });
      const user = newUser();
      const group = newGroup();
      group.realmRoles.add('realm-admin');
      user.groups.add(group.id);
      return user.username;
    },
    role: 'realm-admin',
  },
];

describe('every way of holding a Keycloak admin role makes the subject privileged', () => {
  it.each(WAYS)('$how', async ({ setup, role }) => {
    const facts = await pair.adapter.readSubjectFacts(setup());
    expect(tierOf(facts)).toEqual(PRIVILEGED);
    expect(facts.adminRoles).toContain(role);
    expect(facts.unreadable).toEqual([]);
  });

  it('an ordinary user in an ordinary subgroup stays standard (the table is not vacuous)', async () => {
    const user = newUser();
    user.groups.add(newGroup(newGroup()).id);
    const facts = await pair.adapter.readSubjectFacts(user.username);
    expect(facts.adminRoles).toEqual([]);
    expect(tierOf(facts)).toEqual({ subjectClass: 'standard', tier: 'T2' });
  });

  it('the realm-management client hidden from the gate (an empty client list) leaves roles unknown', async () => {
    const proxy = await startFaultProxy();
    const behind = await startTestEnvironment({ createProvider, config: { baseUrl: proxy.url } });
    proxy.target = behind.emu.url;
    try {
      const hidden = addUser(behind.emu.control.realm, { username: 'hidden', createdTimestamp: 0 });
      const hiddenRm = clientByClientId(behind.emu.control.realm, 'realm-management')?.id ?? '';
      hidden.clientRoles.set(hiddenRm, new Set(['manage-users']));
      // What fine-grained admin permissions do to a service account that may not view clients.
      proxy.fail({ method: 'GET', path: /\/clients\/?$/, status: 200, body: [] });
      const facts = await behind.adapter.readSubjectFacts('hidden');
      expect(facts.adminRoles).toBeNull();
      expect(tierOf(facts)).toEqual(PRIVILEGED);
      expect(facts.unreadable?.map((u) => u.permission)).toEqual(['realm-management view-clients']);
    } finally {
      await behind.close();
      await proxy.close();
    }
  });
});
