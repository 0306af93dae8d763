import { afterEach, describe, expect, it } from 'vitest';
import { asFrank, type EmulatorPair, startTestEnvironment } from '../testing/index.js';
import { createProvider } from './index.js';

let pair: EmulatorPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

const groupId = (p: EmulatorPair, name: string): string =>
  [...p.emu.control.realm.groups.values()].find((g) => g.name === name)?.id ?? '';

describe.each([
  ['26.2.0', false],
  ['26.5.2', false],
  ['26.6.2', true],
] as const)('guardrails on Keycloak %s', (version, membershipOfMembers) => {
  it('apply uses only the scopes this version has; the help desk can fill request groups but not touch credentials', async () => {
    pair = await startTestEnvironment({ createProvider, emulator: { version } });
    const alice = pair.emu.control.userId('alice');
    const carol = pair.emu.control.userId('carol');
    expect(
      await asFrank(pair, 'PUT', `users/${alice}/reset-password`, {
        type: 'password',
        value: 'Before-Guardrails-1',
        temporary: true,
      }),
    ).toBe(204);
    const plan = await pair.adapter.planGuardrails();
    expect(plan.findings.filter((f) => f.severity === 'critical')).toEqual([]);
    expect(plan.changes.find((c) => c.resource === 'group_role_mapping')).toMatchObject({
      op: 'update',
      after: { roles: ['query-groups', 'query-users'] },
    });
    await pair.adapter.applyGuardrails(plan);
    const request = groupId(pair, 'mfa_reset');
    const otp = pair.emu.control.realm.users.get(alice)?.credentials.find((c) => c.type === 'otp')?.id;
    expect(await asFrank(pair, 'PUT', `users/${alice}/groups/${request}`)).toBe(204);
    expect(
      await asFrank(pair, 'PUT', `users/${alice}/reset-password`, {
        type: 'password',
        value: 'After-Guardrails-1',
        temporary: true,
      }),
    ).toBe(403);
    expect(await asFrank(pair, 'DELETE', `users/${alice}/credentials/${otp}`)).toBe(403);
    expect(await asFrank(pair, 'PUT', `users/${alice}/execute-actions-email`, ['UPDATE_PASSWORD'])).toBe(403);
    expect(await asFrank(pair, 'POST', `users/${alice}/logout`)).toBe(403);
    expect(await asFrank(pair, 'PUT', `users/${alice}/groups/${groupId(pair, 'Tier0-Admins')}`)).toBe(403);
    // Carol holds her admin role through a group: only 26.6.2+ can deny her group memberships by group (the
    // scope manage-membership-of-members); before, the plan says so and her request gets the privileged tier.
    expect(await asFrank(pair, 'PUT', `users/${carol}/groups/${request}`)).toBe(
      membershipOfMembers ? 403 : 204,
    );
    const limits = plan.findings.filter((f) => f.code === 'fgap_version_limits').map((f) => f.message);
    expect(limits.some((m) => m.includes('manage-membership-of-members'))).toBe(!membershipOfMembers);
    expect(limits.some((m) => m.includes('"reset-password"'))).toBe(version === '26.2.0');
    expect((await pair.adapter.planGuardrails()).changes.filter((c) => c.op !== 'noop')).toEqual([]);
  });
});

describe('guardrails', () => {
  it('an unknown server version is taken as the oldest supported, and the plan says so', async () => {
    pair = await startTestEnvironment({ createProvider });
    pair.emu.control.realm.settings.serverVersion = 'unknown';
    const plan = await pair.adapter.planGuardrails();
    const limits = plan.findings.filter((f) => f.code === 'fgap_version_limits').map((f) => f.message);
    expect(limits.join('\n')).toMatch(/unknown version \(assumed 26\.2\.0\)/);
    await pair.adapter.applyGuardrails(plan);
  });

  it('agrees with a realm seeded with the guardrails applied: the plan is all noop', async () => {
    pair = await startTestEnvironment({ createProvider, guardrailsApplied: true });
    const plan = await pair.adapter.planGuardrails();
    expect(plan.changes.filter((c) => c.op !== 'noop')).toEqual([]);
  });

  it('plans drift as a diff (a deleted permission, help-desk roles re-granted, details turned off) and converges', async () => {
    pair = await startTestEnvironment({ createProvider, guardrailsApplied: true });
    const realm = pair.emu.control.realm;
    const fgap = [...realm.clients.values()].find((c) => c.clientId === 'admin-permissions');
    if (fgap !== undefined)
      fgap.policies = fgap.policies.filter(
        (p) => p.name !== 'recovery-gate: help desk may fill request groups',
      );
    const rm = [...realm.clients.values()].find((c) => c.clientId === 'realm-management')?.id ?? '';
    realm.groups.get(groupId(pair, 'HelpDesk'))?.clientRoles.get(rm)?.add('manage-users');
    realm.settings.adminEventsDetailsEnabled = false;
    const plan = await pair.adapter.planGuardrails();
    expect(plan.changes.filter((c) => c.op !== 'noop').map((c) => [c.op, c.resource, c.name])).toEqual([
      ['update', 'realm_events', 'events config'],
      ['update', 'group_role_mapping', '/HelpDesk realm-management roles'],
      ['create', 'fgap_permission', 'recovery-gate: help desk may fill request groups'],
    ]);
    const applied = await pair.adapter.applyGuardrails(plan);
    expect(applied.applied).toHaveLength(3);
    expect((await pair.adapter.planGuardrails()).changes.filter((c) => c.op !== 'noop')).toEqual([]);
  });

  it('reports a missing gate role and a privileged agent as critical findings, and refuses a plan of another IdP', async () => {
    pair = await startTestEnvironment({ createProvider });
    const sa = [...pair.emu.control.realm.users.values()].find(
      (u) => u.username === 'service-account-recovery-gate',
    );
    for (const roles of sa?.clientRoles.values() ?? []) roles.delete('manage-events');
    const gina = pair.emu.control.realm.users.get(pair.emu.control.userId('gina'));
    const rm =
      [...pair.emu.control.realm.clients.values()].find((c) => c.clientId === 'realm-management')?.id ?? '';
    gina?.clientRoles.set(rm, new Set(['manage-users']));
    const plan = await pair.adapter.planGuardrails();
    expect(plan.findings.find((f) => f.code === 'gate_roles_missing')?.message).toContain('manage-events');
    expect(plan.findings.find((f) => f.code === 'help_desk_agent_privileged')?.message).toContain('gina');
    await expect(
      pair.adapter.applyGuardrails({ idp: 'okta', changes: [], findings: [] }),
    ).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
  });
});

describe('guardrails on a realm with more groups than one page', () => {
  it('finds a privileged group that sorts after the first 1,000 groups', async () => {
    pair = await startTestEnvironment({ createProvider });
    const realm = pair.emu.control.realm;
    const rm = [...realm.clients.values()].find((c) => c.clientId === 'realm-management');
    if (rm === undefined) throw new Error('the seeded realm has no realm-management client');
    for (let i = 0; i < 1_100; i += 1) {
      const id = `filler-${String(i).padStart(4, '0')}`;
      realm.groups.set(id, {
        id,
        name: `Filler ${String(i).padStart(4, '0')}`,
        parentId: null,
        attributes: {},
        realmRoles: new Set(),
        clientRoles: new Map(),
      });
    }
    realm.groups.set('zz-admins', {
      id: 'zz-admins',
      name: 'ZZ-Late-Admins',
      parentId: null,
      attributes: {},
      realmRoles: new Set(),
      clientRoles: new Map([[rm.id, new Set(['realm-admin'])]]),
    });
    const plan = await pair.adapter.planGuardrails();
    const deny = plan.changes.find((c) => c.name === 'recovery-gate: privileged groups are off limits');
    expect(JSON.stringify(deny?.after)).toContain('/ZZ-Late-Admins');
    expect(JSON.stringify(deny?.after)).toContain('/Tier0-Admins');
  });
});
