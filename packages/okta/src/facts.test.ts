import { isGateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaTestEnvironment, startTestEnvironment } from '../testing/index.js';
import { createProvider } from './adapter.js';

const envs: OktaTestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

async function start(): Promise<OktaTestEnvironment> {
  const env = await startTestEnvironment({ hook: false });
  envs.push(env);
  return env;
}

const DAY = 24 * 3600_000;

describe('Okta subject facts', () => {
  it('reads the standard user: groups, manager, push device with its enrolment date, channels on file', async () => {
    const env = await start();
    const now = env.emulator.control.now();
    const facts = await env.adapter.readSubjectFacts('alice@example.com');
    // The names identity verification is matched to (profile firstName / lastName).
    expect(facts.attributes).toMatchObject({ givenName: expect.any(String), familyName: expect.any(String) });
    expect(facts).toMatchObject({
      idp: 'okta',
      login: 'alice@example.com',
      status: 'active',
      adminRoles: [],
    });
    expect(facts.groups).toEqual(expect.arrayContaining(['Staff', 'recovery-eligible']));
    expect(facts.manager?.login).toBe('erin@example.com');
    const push = facts.authenticators?.find((a) => a.kind === 'push');
    expect(push?.supportsDeviceChallenge).toBe(true);
    expect(now - Date.parse(push?.enrolledAt ?? '')).toBeGreaterThan(399 * DAY);
    const mobile = facts.channels?.find((c) => c.id === 'phone:mobile');
    expect(mobile?.value).toBe('+1-555-0101');
    expect(now - Date.parse(mobile?.lastChangedAt ?? '')).toBeGreaterThan(89 * DAY);
    expect(facts.channels?.find((c) => c.id === 'email:primary')?.isAccountMailbox).toBe(true);
    expect(facts.channels?.find((c) => c.id === 'email:secondary')?.isAccountMailbox).toBe(false);
  });

  it("dates bob's phone change from the System Log (2 days ago), not from the profile", async () => {
    const env = await start();
    const facts = await env.adapter.readSubjectFacts('bob@example.com');
    const mobile = facts.channels?.find((c) => c.id === 'phone:mobile');
    const age = env.emulator.control.now() - Date.parse(mobile?.lastChangedAt ?? '');
    expect(age).toBeGreaterThan(1.9 * DAY);
    expect(age).toBeLessThan(2.1 * DAY);
  });

  it('reads roles held through groups, the sponsor and contract attributes', async () => {
    const env = await start();
    expect((await env.adapter.readSubjectFacts('carol@example.com')).adminRoles).toEqual(['SUPER_ADMIN']);
    expect((await env.adapter.readSubjectFacts('frank@example.com')).adminRoles).toEqual(['HELP_DESK_ADMIN']);
    const dave = await env.adapter.readSubjectFacts('dave@example.com');
    expect(dave.sponsor?.login).toBe('erin@example.com');
    expect(dave.attributes).toMatchObject({ employeeType: 'contractor', contractEnd: '2026-01-31' });
  });

  it('counts a phone as verified only when an active SMS factor proves that number', async () => {
    const env = await start();
    const phone = async () =>
      (await env.adapter.readSubjectFacts('alice@example.com')).channels?.find(
        (c) => c.id === 'phone:mobile',
      );
    expect((await phone())?.verified).toBe(false);
    const alice = env.emulator.control.userId('alice@example.com');
    env.emulator.control.state.factors.set('mblAlice', {
      id: 'mblAlice',
      userId: alice,
      factorType: 'sms',
      provider: 'OKTA',
      status: 'ACTIVE',
      created: 0,
      lastUpdated: 0,
      profile: { phoneNumber: '+1 555 0101' },
    });
    expect((await phone())?.verified).toBe(true);
  });

  it('sees out-of-band changes at once (no SDK GET cache)', async () => {
    const env = await start();
    expect((await env.adapter.readSubjectFacts('alice@example.com')).status).toBe('active');
    env.emulator.control.lockOut('alice@example.com');
    expect((await env.adapter.readSubjectFacts('alice@example.com')).status).toBe('locked');
  });

  it('reports what it cannot read as null (unknown), not as empty', async () => {
    const env = await start();
    // A help-desk token can read users but not the System Log.
    const token = env.emulator.control.createApiToken('frank@example.com');
    const limited = createProvider({ orgUrl: env.emulator.url, auth: { token } }, { sleep: async () => {} });
    const facts = await limited.readSubjectFacts('bob@example.com');
    expect(facts.channels?.length).toBeGreaterThan(0);
    expect(facts.channels?.every((c) => c.lastChangedAt === null)).toBe(true);
    expect(facts.groups).not.toBeNull();
  });

  it('finds nobody for an unknown user and refuses facts with ERR_USER_NOT_FOUND', async () => {
    const env = await start();
    expect(await env.adapter.findUser('00uNoSuchUser0000000')).toBeNull();
    const error = await env.adapter.readSubjectFacts('nobody@example.com').catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_USER_NOT_FOUND')).toBe(true);
  });
});
