import { baselinePolicyInput, type Policy, parsePolicy } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { collect } from './helpers.js';
import { IDPS, startWorld, type World } from './world.js';

const HOUR = 3_600_000;

/** The baseline with its break-glass tier naming two people instead of a group. */
function namedAuthorizers(ids: readonly string[]): Policy {
  const tier = baselinePolicyInput.tiers.BREAK_GLASS;
  return parsePolicy({
    ...baselinePolicyInput,
    tiers: {
      ...baselinePolicyInput.tiers,
      BREAK_GLASS: { ...tier, authorizers: ids.map((person) => ({ person })) },
    },
  });
}

describe.each(IDPS)('emergency access on %s', { timeout: 240_000 }, (idp) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  async function openEmergency(w: World): Promise<string> {
    await w.engine.handleEvent(await w.request('carol', { action: 'emergency_access' }));
    const [c] = await w.engine.listCases({ subjectId: await w.id('carol'), kind: 'recovery' });
    if (!c) throw new Error('no emergency case');
    expect(c.tier).toBe('BREAK_GLASS');
    return c.id;
  }

  const approve = async (w: World, caseId: string, who: string) =>
    w.engine.recordApproval(caseId, {
      approverId: await w.id(who),
      role: 'break_glass_authorizer',
      decision: 'approve',
      reason: 'incident 42',
    });

  it('two named authorizers approve and carol gets her credential; anyone else is refused', async () => {
    world = await startWorld(idp);
    world.restart(undefined, namedAuthorizers([await world.id('ivan'), await world.id('gina')]));
    const id = await openEmergency(world);
    // sam is in a pool group (security team) but not named: not an authorizer of this tier.
    await expect(approve(world, id, 'sam')).rejects.toMatchObject({ code: 'ERR_APPROVER_NOT_ELIGIBLE' });
    await approve(world, id, 'ivan');
    expect((await world.engine.getCase(id))?.state).toBe('verifying');
    await approve(world, id, 'gina');
    await world.engine.tick();
    await collect(world, id, 'carol');
    const c = await world.engine.getCase(id);
    expect(c?.approvals.map((a) => a.personId).sort()).toEqual(
      [await world.id('ivan'), await world.id('gina')].sort(),
    );
  });

  it('the window closes: authorizations after two hours do not open the account', async () => {
    world = await startWorld(idp);
    world.restart(undefined, namedAuthorizers([await world.id('ivan'), await world.id('gina')]));
    const id = await openEmergency(world);
    await approve(world, id, 'ivan');
    world.advance(2 * HOUR + 1000);
    await world.engine.tick();
    await approve(world, id, 'gina').catch(() => undefined);
    await world.engine.tick();
    const c = await world.engine.getCase(id);
    expect(c?.state).toBe('denied');
    expect(c?.reason).toContain('BREAK_GLASS_WINDOW_CLOSED');
    expect(c?.journal.some((j) => j.step === 'issue')).toBe(false);
  });
});
