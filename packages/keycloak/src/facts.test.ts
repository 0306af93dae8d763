import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../emulator/seed.js';
import { asFrank, type EmulatorPair, startTestEnvironment } from '../testing/index.js';
import { createProvider } from './index.js';

let pair: EmulatorPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

const DAY = 86_400_000;
const daysAgo = (iso: string | null | undefined, now: number): number =>
  Math.round((now - Date.parse(iso ?? '')) / DAY);

describe('subject facts', () => {
  it("dates bob's mobile from the admin event that changed it two days ago, alice's from 400 days", async () => {
    pair = await startTestEnvironment({ createProvider });
    const now = pair.emu.control.now();
    const bob = await pair.adapter.readSubjectFacts('bob');
    const alice = await pair.adapter.readSubjectFacts('alice');
    // The names identity verification is matched to (the user's firstName / lastName).
    expect(alice.attributes).toMatchObject({ givenName: 'Alice', familyName: 'Example' });
    expect(daysAgo(bob.channels?.find((c) => c.kind === 'phone')?.lastChangedAt, now)).toBe(2);
    expect(daysAgo(alice.channels?.find((c) => c.kind === 'phone')?.lastChangedAt, now)).toBe(400);
    expect(alice.channels?.find((c) => c.kind === 'email')).toMatchObject({
      isAccountMailbox: true,
      verified: true,
    });
  });

  it("the gate's own writes (case status) do not make a channel look new; an agent's profile edit does", async () => {
    pair = await startTestEnvironment({ createProvider });
    const now = pair.emu.control.now();
    const alice = pair.emu.control.userId('alice');
    await pair.adapter.writeCaseStatus(alice, {
      caseId: 'c1',
      status: 'verifying',
      updatedAt: new Date(now).toISOString(),
    });
    const facts = await pair.adapter.readSubjectFacts('alice');
    expect(daysAgo(facts.channels?.find((c) => c.kind === 'phone')?.lastChangedAt, now)).toBe(400);
    const status = await asFrank(pair, 'PUT', `users/${alice}`, {
      attributes: { ...pair.emu.control.realm.users.get(alice)?.attributes, phoneNumber: ['+1-555-0199'] },
    });
    expect(status).toBe(204);
    const after = await pair.adapter.readSubjectFacts('alice');
    expect(after.channels?.find((c) => c.kind === 'phone')).toMatchObject({
      value: '+1-555-0199',
      lastChangedAt: new Date(pair.emu.control.realm.adminEvents.at(-1)?.time ?? 0).toISOString(),
    });
  });

  it('unknown channel dates stay null when events cannot be read (fail closed)', async () => {
    pair = await startTestEnvironment({ createProvider });
    const sa = [...pair.emu.control.realm.users.values()].find(
      (u) => u.username === 'service-account-recovery-gate',
    );
    for (const roles of sa?.clientRoles.values() ?? []) roles.delete('view-events');
    for (const roles of sa?.clientRoles.values() ?? []) roles.delete('manage-events');
    const facts = await pair.adapter.readSubjectFacts('alice');
    expect(facts.channels?.map((c) => c.lastChangedAt)).toEqual([null, null]);
  });

  it('reads admin roles, groups with ancestors, contractor attributes, sponsor and statuses', async () => {
    pair = await startTestEnvironment({ createProvider, guardrailsApplied: true });
    const carol = await pair.adapter.readSubjectFacts('carol');
    expect(carol.adminRoles).toContain('realm-admin');
    expect(carol.authenticators?.map((a) => a.kind).sort()).toEqual(['password', 'totp', 'webauthn']);
    const dave = await pair.adapter.readSubjectFacts('dave@example.com');
    expect(dave.attributes).toMatchObject({ employeeType: 'contractor', contractEnd: '2026-01-31' });
    expect(dave.sponsor?.login).toBe('erin');
    const standard = await pair.adapter.readSubjectFacts('alice');
    expect(Object.hasOwn(standard.attributes, 'employeeType')).toBe(false); // absent = not set, not unknown
    const alice = pair.emu.control.userId('alice');
    await pair.probes.nativeRequest?.(alice);
    expect((await pair.adapter.readSubjectFacts(alice)).groups).toEqual([
      'Staff',
      'mfa_reset',
      'recovery-eligible',
      'recovery-requests',
    ]);
    await pair.adapter.resetPassword(alice, { lifetimeSeconds: 600 });
    expect((await pair.adapter.readSubjectFacts(alice)).status).toBe('password_expired');
    await pair.adapter.suspend(alice);
    expect((await pair.adapter.readSubjectFacts(alice)).status).toBe('disabled');
  });

  it('writing the case status or a required action leaves a locked account locked (no unlock as a side effect)', async () => {
    pair = await startTestEnvironment({ createProvider });
    const alice = pair.emu.control.userId('alice');
    await pair.probes.lockOut?.(alice);
    expect((await pair.adapter.readSubjectFacts(alice)).status).toBe('locked');
    await pair.adapter.writeCaseStatus(alice, {
      caseId: 'c-1',
      status: 'verifying',
      updatedAt: new Date().toISOString(),
    });
    expect((await pair.adapter.readSubjectFacts(alice)).status).toBe('locked');
    expect(await pair.probes.signInWithPassword?.(alice, DEMO_PASSWORD)).toBeNull();
    // Only the unlock step unlocks.
    await pair.adapter.unlock(alice);
    expect((await pair.adapter.readSubjectFacts(alice)).status).toBe('active');
  });

  it('a password reset makes the old password stop working at once (no sign-in to choose the next one)', async () => {
    pair = await startTestEnvironment({ createProvider });
    const alice = pair.emu.control.userId('alice');
    expect(await pair.probes.signInWithPassword?.(alice, DEMO_PASSWORD)).not.toBeNull();
    await pair.adapter.resetPassword(alice, { lifetimeSeconds: 600 });
    expect(await pair.probes.signInWithPassword?.(alice, DEMO_PASSWORD)).toBeNull();
    expect((await pair.adapter.readSubjectFacts(alice)).status).toBe('password_expired');
  });

  it('keeps other required actions when adding UPDATE_PASSWORD (the PUT replaces the list)', async () => {
    pair = await startTestEnvironment({ createProvider });
    const alice = pair.emu.control.userId('alice');
    const user = pair.emu.control.realm.users.get(alice);
    if (user !== undefined) user.requiredActions = ['VERIFY_EMAIL'];
    await pair.adapter.resetPassword(alice, { lifetimeSeconds: 600 });
    expect(pair.emu.control.realm.users.get(alice)?.requiredActions).toEqual([
      'VERIFY_EMAIL',
      'UPDATE_PASSWORD',
    ]);
  });

  it('declares no device challenge and no hooks, failing closed', async () => {
    pair = await startTestEnvironment({ createProvider });
    const alice = pair.emu.control.userId('alice');
    await expect(pair.adapter.startDeviceChallenge(alice)).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
    await expect(
      pair.adapter.verifyHook({ method: 'POST', headers: {}, query: {}, body: '{}' }),
    ).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
    expect(pair.adapter.capabilities.oidc_step_up.supported).toBe(true);
    expect(pair.adapter.capabilities.device_challenge.supported).toBe(false);
  });
});
