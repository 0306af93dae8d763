/**
 * Contract end dates are read strictly (issue 21 item 3): the attribute each IdP holds the contract end in
 * (Okta profile, Entra employeeLeaveDateTime, Keycloak attribute) is read as ISO 8601 or not at all, and a
 * date the gate cannot read denies. The emulator holds the attribute as an HR sync wrote it.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { openFor } from './helpers.js';
import { IDPS, startWorld, type World } from './world.js';

const DAY = 86_400_000;
const two = (n: number) => String(n).padStart(2, '0');

describe.each(IDPS)('contract end dates on %s', { timeout: 240_000 }, (idp) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  it('a contract end in a locale format (DD/MM/YYYY) is unknown, and unknown denies', async () => {
    world = await startWorld(idp);
    const setContractEnd = world.probes.setContractEnd;
    if (!setContractEnd) throw new Error(`${idp} harness cannot write the contract end`);
    // The 12th of two months ago, day first: the contract has ended, but Date.parse reads it month first
    // (12/MM: a December date, still ahead).
    const ended = new Date(world.clock.now.getTime() - 60 * DAY);
    await setContractEnd(
      await world.id('dave'),
      `12/${two(ended.getUTCMonth() + 1)}/${ended.getUTCFullYear()}`,
    );
    const c = await world.engine.getCase(await openFor(world, 'dave'));
    expect(c?.state).toBe('denied');
    expect(c?.reason).toContain('CONTRACT_UNKNOWN');
    expect(c?.journal.some((j) => j.step === 'revoke' || j.step === 'issue')).toBe(false);
  });

  it('an ISO 8601 contract end still ahead lets the contractor through to verification', async () => {
    world = await startWorld(idp);
    const setContractEnd = world.probes.setContractEnd;
    if (!setContractEnd) throw new Error(`${idp} harness cannot write the contract end`);
    const ahead = new Date(world.clock.now.getTime() + 60 * DAY).toISOString();
    await setContractEnd(await world.id('dave'), idp === 'entra' ? ahead : ahead.slice(0, 10));
    const c = await world.engine.getCase(await openFor(world, 'dave'));
    expect(c?.tier).toBe('CONTRACTOR');
    expect(c?.state).toBe('verifying');
  });
});
