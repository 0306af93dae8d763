import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOBILE_PHONE_ID } from '../emulator/seed.js';
import { ROLE_IDS } from '../emulator/state.js';
import { startTestEnvironment } from '../testing/harness.js';

type Env = Awaited<ReturnType<typeof startTestEnvironment>>;
const DAY = 86_400_000;
let env: Env;
beforeAll(async () => {
  env = await startTestEnvironment();
});
afterAll(async () => env.close());

const ageDays = (iso: string | null | undefined) =>
  Math.round((env.emulator.control.now() - Date.parse(iso ?? '')) / DAY);

describe('subject facts from Graph', () => {
  it('reads the cast: groups, roles, manager, sponsor, contract end', async () => {
    const carol = await env.adapter.readSubjectFacts('carol');
    expect(carol.adminRoles).toEqual(['Global Administrator']);
    expect(carol.groups).toEqual(['Tier0-Admins']);
    const dave = await env.adapter.readSubjectFacts('dave@example.com');
    expect(dave.attributes).toMatchObject({ employeeType: 'contractor', contractEnd: '2026-01-31' });
    expect(dave.sponsor?.login).toBe('erin@example.com');
    expect(dave.manager).toBeNull();
    const frank = await env.adapter.readSubjectFacts('frank@example.com');
    expect(frank.adminRoles).toEqual(['Authentication Administrator']);
  });

  it("dates channels: alice's phone on file 400 days, bob's changed 2 days ago", async () => {
    const alice = await env.adapter.readSubjectFacts('alice@example.com');
    const phone = alice.channels?.find((c) => c.id === 'phone:mobile');
    expect(ageDays(phone?.lastChangedAt)).toBe(400);
    const personal = alice.channels?.find((c) => c.id === 'email:recovery');
    expect(personal).toMatchObject({ value: 'alice.personal@example.net', isAccountMailbox: false });
    const bob = await env.adapter.readSubjectFacts('bob@example.com');
    expect(ageDays(bob.channels?.find((c) => c.kind === 'phone')?.lastChangedAt)).toBe(2);
  });

  it('without a method date, the last change comes from the audit log, else the audit window start', async () => {
    const erin = env.emulator.control.user('erin');
    const method = env.emulator.control.tenant.methods.get(`${erin.id}:${MOBILE_PHONE_ID}`);
    if (!method) throw new Error('erin has a phone');
    method.createdDateTime = null;
    const before = await env.adapter.readSubjectFacts(erin.id);
    expect(ageDays(before.channels?.find((c) => c.kind === 'phone')?.lastChangedAt)).toBe(30);
    const token = await env.emulator.control.agentToken('gina');
    const patched = await fetch(
      `${env.emulator.url}/v1.0/users/${erin.id}/authentication/phoneMethods/${MOBILE_PHONE_ID}`,
      {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber: '+1 5550100999', phoneType: 'mobile' }),
      },
    );
    expect(patched.status).toBe(204);
    method.createdDateTime = null;
    const after = await env.adapter.readSubjectFacts(erin.id);
    const phone = after.channels?.find((c) => c.kind === 'phone');
    expect(phone?.value).toBe('+1 5550100999');
    expect(ageDays(phone?.lastChangedAt)).toBe(0);
  });

  it('never offers a device challenge on any authenticator', async () => {
    const sam = await env.adapter.readSubjectFacts('sam@example.com');
    expect(sam.authenticators?.map((a) => a.kind).sort()).toEqual(['password', 'push', 'webauthn']);
    expect(sam.authenticators?.every((a) => !a.supportsDeviceChallenge)).toBe(true);
  });
});

describe('facts without the lifecycle permission', () => {
  it('still reads the user, with the contract end unknown (null), when employeeLeaveDateTime is forbidden', async () => {
    env.emulator.control.tenant.deniedProperties.add('employeeLeaveDateTime');
    try {
      const dave = await env.adapter.readSubjectFacts('dave@example.com');
      expect(dave.attributes).toMatchObject({
        employeeType: 'contractor',
        contractEnd: null,
        employeeLeaveDateTime: null,
      });
      expect(dave.status).toBe('active');
    } finally {
      env.emulator.control.tenant.deniedProperties.clear();
    }
  });
});

describe('roles beyond the active ones', () => {
  it('counts a PIM-eligible role as an admin role before it is activated', async () => {
    const erin = env.emulator.control.user('erin');
    expect((await env.adapter.readSubjectFacts(erin.id)).adminRoles).toEqual([]);
    env.emulator.control.tenant.eligibilities.set('re-erin', {
      id: 're-erin',
      principalId: erin.id,
      roleDefinitionId: ROLE_IDS.globalAdministrator,
      directoryScopeId: '/',
    });
    try {
      expect((await env.adapter.readSubjectFacts(erin.id)).adminRoles).toEqual(['Global Administrator']);
    } finally {
      env.emulator.control.tenant.eligibilities.delete('re-erin');
    }
  });
});
