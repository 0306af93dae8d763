import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOpenApiValidator } from '@recovery-gate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Emulator, GATE_CLIENT_ID, GATE_CLIENT_SECRET, startEmulator } from './index.js';
import { addGroup, addUser } from './seed.js';

const specFile = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'shared',
  'specs',
  'keycloak-admin-26.5.2.yaml',
);
const present = existsSync(specFile);

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function gateToken(e: Emulator): Promise<string> {
  const res = await fetch(e.oidc.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${GATE_CLIENT_ID}:${GATE_CLIENT_SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A realm with a realm role including manage-users, a group and a subgroup holding it, and 150 direct holders. */
function seedHolders(e: Emulator) {
  const realm = e.control.realm;
  const rm = [...realm.clients.values()].find((c) => c.clientId === 'realm-management');
  if (rm === undefined) throw new Error('no realm-management client');
  const itOps = { id: randomUUID(), composites: [], links: [{ client: rm.id, name: 'manage-users' }] };
  realm.realmRoles.set('it-ops', itOps);
  const group = addGroup(realm, 'IT-Ops');
  group.realmRoles.add('it-ops');
  const oncall = addGroup(realm, 'Oncall', group.id);
  const henry = addUser(realm, { username: 'henry', createdTimestamp: 0 });
  henry.groups.add(oncall.id);
  for (let i = 0; i < 150; i += 1) {
    const u = addUser(realm, { username: `admin-${String(i).padStart(3, '0')}`, createdTimestamp: 0 });
    u.clientRoles.set(rm.id, new Set(['manage-users']));
  }
  return { rm, itOps, group, henry };
}

describe('Keycloak emulator: roles and their holders', () => {
  it('pages role holders with first/max (100 when max is absent) and answers 404 for an unknown role', async () => {
    emu = await startEmulator();
    const { rm } = seedHolders(emu);
    const bearer = await gateToken(emu);
    const get = async (p: string) => {
      const res = await fetch(`${emu?.url}/admin/realms/workforce/${p}`, {
        headers: { authorization: `Bearer ${bearer}` },
      });
      return { status: res.status, body: (await res.json()) as { username?: string; error?: string }[] };
    };
    const holders = `clients/${rm.id}/roles/manage-users/users`;
    const firstPage = await get(holders);
    expect(firstPage.body).toHaveLength(100);
    const rest = await get(`${holders}?first=100&max=100`);
    const names = [...firstPage.body, ...rest.body].map((u) => u.username);
    expect(new Set(names).size).toBe(names.length);
    // 150 seeded holders plus the gate's own service account.
    expect(names).toHaveLength(151);
    expect((await get(`${holders}?first=0&max=10`)).body).toHaveLength(10);
    for (const p of [
      'roles/no-such-role/users',
      'roles/no-such-role/groups',
      `clients/${rm.id}/roles/no-such-role/users`,
      `clients/${rm.id}/roles/no-such-role/groups`,
      `roles/no-such-role/composites`,
      `roles-by-id/${randomUUID()}/composites`,
    ]) {
      const res = await get(p);
      expect([p, res.status]).toEqual([p, 404]);
      expect(res.body).toMatchObject({ error: expect.any(String) });
    }
  });

  it('lists groups holding a realm role and composites across containers, and expands them for users', async () => {
    emu = await startEmulator();
    const { rm, itOps, group, henry } = seedHolders(emu);
    const bearer = await gateToken(emu);
    const get = async (p: string) =>
      (await fetch(`${emu?.url}/admin/realms/workforce/${p}`, {
        headers: { authorization: `Bearer ${bearer}` },
      }).then((r) => r.json())) as Record<string, unknown>[];
    expect((await get('roles/it-ops/groups')).map((g) => g.path)).toEqual(['/IT-Ops']);
    expect(await get('roles/it-ops/users')).toEqual([]);
    expect(await get(`roles-by-id/${itOps.id}/composites`)).toEqual([
      expect.objectContaining({ name: 'manage-users', clientRole: true, containerId: rm.id }),
    ]);
    expect(await get('roles')).toContainEqual(expect.objectContaining({ name: 'it-ops', composite: true }));
    const children = await get(`groups/${group.id}/children`);
    expect(children.map((g) => g.path)).toEqual(['/IT-Ops/Oncall']);
    // Henry is in the subgroup: he inherits it-ops, which includes realm-management's manage-users.
    const effective = await get(`users/${henry.id}/role-mappings/clients/${rm.id}/composite`);
    expect(effective.map((r) => r.name)).toContain('manage-users');
  });

  it.skipIf(!present)('serves the role routes as the official description says', async () => {
    emu = await startEmulator();
    const { rm, itOps } = seedHolders(emu);
    const validator = createOpenApiValidator(parse(readFileSync(specFile, 'utf8')) as unknown);
    const bearer = await gateToken(emu);
    const problems: string[] = [];
    for (const p of [
      'roles',
      'roles/it-ops',
      'roles/it-ops/composites',
      'roles/it-ops/groups?first=0&max=10&briefRepresentation=true',
      'roles/it-ops/users?first=0&max=10&briefRepresentation=true',
      `roles-by-id/${itOps.id}`,
      `roles-by-id/${itOps.id}/composites`,
      `clients/${rm.id}/roles`,
      `clients/${rm.id}/roles/realm-admin`,
      `clients/${rm.id}/roles/realm-admin/composites`,
      `clients/${rm.id}/roles/manage-users/users?first=0&max=5`,
      `clients/${rm.id}/roles/realm-admin/groups?first=0&max=5&briefRepresentation=false`,
    ]) {
      const url = new URL(`${emu.url}/admin/realms/workforce/${p}`);
      const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
      const body = (await res.json()) as unknown;
      expect([p, res.status]).toEqual([p, 200]);
      const request = validator.validateRequest({
        method: 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: undefined,
      });
      const response = validator.validateResponse({
        method: 'GET',
        path: url.pathname,
        status: res.status,
        body,
      });
      expect([p, request.unknownOperation]).toEqual([p, false]);
      problems.push(...request.problems, ...response.problems);
    }
    expect(problems).toEqual([]);
  });
});
