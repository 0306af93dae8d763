import { afterEach, describe, expect, it } from 'vitest';
import { enrolRecoveryCodes } from '../emulator/recovery-codes.js';
import { asFrank, type EmulatorPair, startTestEnvironment } from '../testing/index.js';
import { createProvider } from './index.js';

let pair: EmulatorPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

const DAY = 86_400_000;

describe("Keycloak's native recovery codes (recovery-authn-codes)", () => {
  it('are read as a fact: whether alice has them and when they were made, never the codes', async () => {
    pair = await startTestEnvironment({ createProvider });
    const now = pair.emu.control.now();
    const before = await pair.adapter.readSubjectFacts('alice');
    expect(before.authenticators?.some((a) => a.kind === 'recovery_codes')).toBe(false);
    const alice = pair.emu.control.realm.users.get(pair.emu.control.userId('alice'));
    if (!alice) throw new Error('alice is not seeded');
    const id = enrolRecoveryCodes(alice, now - 90 * DAY);
    // The admin API lists it as Keycloak does: type, date and counts, no secret data.
    const listed = await asFrank(pair, 'GET', `users/${alice.id}/credentials`);
    expect(listed).toBe(200);
    const facts = await pair.adapter.readSubjectFacts('alice');
    const codes = facts.authenticators?.filter((a) => a.kind === 'recovery_codes') ?? [];
    expect(codes).toEqual([
      {
        id,
        kind: 'recovery_codes',
        label: 'recovery-authn-codes',
        enrolledAt: new Date(now - 90 * DAY).toISOString(),
        status: 'active',
        supportsDeviceChallenge: false,
      },
    ]);
  });

  it('are removed by an MFA reset with the other credentials; the password stays', async () => {
    pair = await startTestEnvironment({ createProvider });
    const alice = pair.emu.control.realm.users.get(pair.emu.control.userId('alice'));
    if (!alice) throw new Error('alice is not seeded');
    enrolRecoveryCodes(alice, pair.emu.control.now() - DAY);
    await pair.adapter.resetAuthenticators(alice.id, { all: true, keepKinds: ['password'] });
    expect(alice.credentials.map((c) => c.type)).toEqual(['password']);
    const facts = await pair.adapter.readSubjectFacts('alice');
    expect(facts.authenticators?.some((a) => a.kind === 'recovery_codes')).toBe(false);
  });
});
