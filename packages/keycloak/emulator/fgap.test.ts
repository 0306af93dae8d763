/**
 * D13: FGAP v2 precedence as Keycloak's FGAPEvaluation decides it: permissions on the user and on its groups
 * are decided together (a deny on a group wins over a grant on the user), and "all groups" member permissions
 * apply to every user in at least one group.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { canUser } from './fgap.js';
import { type Emulator, startEmulator } from './index.js';
import { addClient, addGroup, addUser } from './seed.js';
import { clientByClientId, type EmuPolicy } from './state.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const policy = (over: Partial<EmuPolicy> & Pick<EmuPolicy, 'id' | 'type'>): EmuPolicy => ({
  name: over.id,
  logic: 'POSITIVE',
  decisionStrategy: 'UNANIMOUS',
  groups: [],
  roles: [],
  resources: [],
  scopes: [],
  policies: [],
  ...over,
});

async function setup() {
  emu = await startEmulator();
  const realm = emu.control.realm;
  realm.settings.adminPermissionsEnabled = true;
  // As enabling admin permissions does (routes-realm.ts).
  const client =
    clientByClientId(realm, 'admin-permissions') ?? addClient(realm, { clientId: 'admin-permissions' });
  const agent = addUser(realm, { username: 'fgap-agent', createdTimestamp: 0 });
  const admins = addGroup(realm, 'FGAP-Admins');
  const inGroup = addUser(realm, { username: 'fgap-member', createdTimestamp: 0 });
  inGroup.groups.add(admins.id);
  const loner = addUser(realm, { username: 'fgap-loner', createdTimestamp: 0 });
  client.policies.push(
    policy({ id: 'p-agent', type: 'user', resources: [agent.id] }),
    policy({ id: 'p-nobody', type: 'user', resources: [] }),
  );
  return { realm, client, agent, admins, inGroup, loner };
}

describe('Keycloak emulator: FGAP v2 precedence', () => {
  it('a deny on one of the user’s groups wins over a grant on the user', async () => {
    const { realm, client, agent, admins, inGroup } = await setup();
    client.policies.push(
      policy({
        id: 'grant-user',
        type: 'scope',
        resourceType: 'Users',
        resources: [inGroup.id],
        scopes: ['manage'],
        policies: ['p-agent'],
      }),
    );
    expect(canUser(realm, agent, 'manage', inGroup)).toBe(true);
    client.policies.push(
      policy({
        id: 'deny-group',
        type: 'scope',
        resourceType: 'Groups',
        resources: [admins.id],
        scopes: ['manage-members'],
        policies: ['p-nobody'],
      }),
    );
    expect(canUser(realm, agent, 'manage', inGroup)).toBe(false);
  });

  it('an all-groups member permission reaches users in some group, not users in none', async () => {
    const { realm, client, agent, inGroup, loner } = await setup();
    client.policies.push(
      policy({
        id: 'all-groups',
        type: 'scope',
        resourceType: 'Groups',
        resources: [],
        scopes: ['manage-members'],
        policies: ['p-agent'],
      }),
    );
    expect(canUser(realm, agent, 'manage', inGroup)).toBe(true);
    expect(canUser(realm, agent, 'manage', loner)).toBe(false);
  });
});
