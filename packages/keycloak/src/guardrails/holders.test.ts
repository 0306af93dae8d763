import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_CLIENT_ID, type Realm } from '../../emulator/index.js';
import { addGroup, addUser } from '../../emulator/seed.js';
import { asFrank, type EmulatorPair, startTestEnvironment } from '../../testing/index.js';
import { createProvider } from '../index.js';

let pair: EmulatorPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

const PRIVILEGED_GROUPS = 'recovery-gate: privileged groups are off limits';
const PRIVILEGED_USERS = 'recovery-gate: privileged users are off limits';

function clientOf(realm: Realm, clientId: string) {
  const c = [...realm.clients.values()].find((x) => x.clientId === clientId);
  if (c === undefined) throw new Error(`the seeded realm has no ${clientId} client`);
  return c;
}

/**
 * Holders only the role graph reveals: a group holding a realm role that includes manage-users, its subgroup,
 * a user holding another client's role that includes that realm role, a group holding a custom
 * realm-management composite, and a user holding manage-users directly.
 */
function seedHolders(realm: Realm) {
  const rm = clientOf(realm, 'realm-management');
  const app = clientOf(realm, APP_CLIENT_ID);
  realm.realmRoles.set('it-ops', {
    id: randomUUID(),
    composites: [],
    links: [{ client: rm.id, name: 'manage-users' }],
  });
  app.roles.set('support-admin', {
    id: randomUUID(),
    composites: [],
    links: [{ client: null, name: 'it-ops' }],
  });
  rm.roles.set('user-admin', { id: randomUUID(), composites: ['manage-users'] });
  const itOps = addGroup(realm, 'IT-Ops');
  itOps.realmRoles.add('it-ops');
  const oncall = addGroup(realm, 'Oncall', itOps.id);
  const leads = addGroup(realm, 'Ops-Leads');
  leads.clientRoles.set(rm.id, new Set(['user-admin']));
  const user = (username: string) =>
    addUser(realm, { username, email: `${username}@example.com`, createdTimestamp: 0 });
  const henry = user('henry');
  henry.groups.add(oncall.id);
  const ivan = user('ivan');
  ivan.clientRoles.set(app.id, new Set(['support-admin']));
  const judy = user('judy');
  judy.clientRoles.set(rm.id, new Set(['manage-users']));
  const kim = user('kim');
  kim.groups.add(leads.id);
  return { rm, itOps, oncall, henry, ivan, judy, kim };
}

describe('guardrails find privileged holders from the roles', () => {
  it('denies the help desk every holder: composite roles, groups, subgroups, direct users', async () => {
    pair = await startTestEnvironment({ createProvider });
    const { henry, ivan, judy, kim } = seedHolders(pair.emu.control.realm);
    const plan = await pair.adapter.planGuardrails();
    const groups = plan.changes.find((c) => c.name === PRIVILEGED_GROUPS)?.after as { resources: string[] };
    expect(groups.resources).toEqual(['/IT-Ops', '/IT-Ops/Oncall', '/Ops-Leads', '/Tier0-Admins']);
    const users = plan.changes.find((c) => c.name === PRIVILEGED_USERS)?.after as { resources: string[] };
    expect(users.resources).toEqual(expect.arrayContaining(['ivan', 'judy']));
    // Henry and kim hold the role through a group: the group permission covers them.
    expect(users.resources).not.toContain('henry');
    expect(users.resources).not.toContain('kim');
    await pair.adapter.applyGuardrails(plan);
    expect((await pair.adapter.planGuardrails()).changes.filter((c) => c.op !== 'noop')).toEqual([]);
    const request = [...pair.emu.control.realm.groups.values()].find((g) => g.name === 'mfa_reset')?.id;
    // On the emulator's default 26.5.2 a group cannot deny its members' group memberships (26.6.2+): henry and
    // kim can be put in a request group (their case gets the privileged tier); direct holders cannot.
    for (const [holder, status] of [
      [henry, 204],
      [ivan, 403],
      [judy, 403],
      [kim, 204],
    ] as const)
      expect([holder.username, await asFrank(pair, 'PUT', `users/${holder.id}/groups/${request}`)]).toEqual([
        holder.username,
        status,
      ]);
    const alice = pair.emu.control.userId('alice');
    expect(await asFrank(pair, 'PUT', `users/${alice}/groups/${request}`)).toBe(204);
  });

  it('reports agents privileged through another group and a help desk holding a composite it cannot strip', async () => {
    pair = await startTestEnvironment({ createProvider });
    const realm = pair.emu.control.realm;
    const { oncall } = seedHolders(realm);
    realm.users.get(pair.emu.control.userId('gina'))?.groups.add(oncall.id);
    const helpDesk = [...realm.groups.values()].find((g) => g.name === 'HelpDesk');
    helpDesk?.realmRoles.add('it-ops');
    const plan = await pair.adapter.planGuardrails();
    const agents = plan.findings.find((f) => f.code === 'help_desk_agent_privileged');
    expect(agents?.message).toContain('gina');
    expect(agents?.message).not.toContain('frank');
    expect(plan.findings.find((f) => f.code === 'help_desk_group_privileged')?.message).toContain('it-ops');
  });

  it('reports a default role that includes a privileged role (every user holds it)', async () => {
    pair = await startTestEnvironment({ createProvider });
    const realm = pair.emu.control.realm;
    const rm = clientOf(realm, 'realm-management');
    const defaults = realm.realmRoles.get('default-roles-workforce');
    if (defaults === undefined) throw new Error('no default role');
    defaults.links = [{ client: rm.id, name: 'impersonation' }];
    const plan = await pair.adapter.planGuardrails();
    expect(plan.findings.map((f) => [f.code, f.severity])).toContainEqual([
      'default_role_privileged',
      'critical',
    ]);
  });

  it('fails closed when a holder lookup is refused, instead of planning nothing to protect', async () => {
    pair = await startTestEnvironment({ createProvider });
    const realm = pair.emu.control.realm;
    const sa = [...realm.users.values()].find((u) => u.username === 'service-account-recovery-gate');
    // query-clients still finds realm-management; its roles' composites and holders need view-clients.
    for (const roles of sa?.clientRoles.values() ?? []) {
      roles.delete('view-clients');
      roles.delete('manage-clients');
    }
    await expect(pair.adapter.planGuardrails()).rejects.toMatchObject({ code: 'ERR_IDP_FORBIDDEN' });
    const refused = pair.emu.control.exchanges().filter((x) => x.status === 403);
    expect(refused.some((x) => /\/roles/.test(x.path))).toBe(true);
  });
});

describe('guardrails plan cost', () => {
  it('does not depend on the number of groups or users in the realm', async () => {
    pair = await startTestEnvironment({ createProvider });
    const { control } = pair.emu;
    const realm = control.realm;
    const rm = clientOf(realm, 'realm-management');
    await pair.adapter.planGuardrails();
    const measure = async () => {
      const start = control.exchanges().length;
      await pair?.adapter.planGuardrails();
      return control.exchanges().slice(start);
    };
    const baseline = await measure();
    // 3,000 groups (a third nested, some holding a non-privileged admin role) and 3,000 users in them.
    let parent: string | null = null;
    for (let i = 0; i < 3_000; i += 1) {
      const g = addGroup(realm, `bulk-${i}`, i % 3 === 2 ? parent : null);
      if (i % 3 === 0) parent = g.id;
      if (i % 10 === 0) g.clientRoles.set(rm.id, new Set(['view-events']));
      addUser(realm, { username: `bulk-user-${i}`, createdTimestamp: 0 }).groups.add(g.id);
    }
    const large = await measure();
    expect(large.length).toBe(baseline.length);
    // No unfiltered listing of the realm's groups or users.
    const unfiltered = large.filter(
      (x) =>
        /^\/admin\/realms\/[^/]+\/(groups|users)\/?$/.test(x.path) &&
        !/[?&](search|q|username|email)=/.test(x.query),
    );
    expect(unfiltered.map((x) => `${x.method} ${x.path}${x.query}`)).toEqual([]);
  });
});
