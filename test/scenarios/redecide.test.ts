import { listAudit } from '@recovery-gate/gate';
import { afterEach, describe, expect, it } from 'vitest';
import { proveStandard } from './helpers.js';
import { IDPS, startWorld, type World } from './world.js';

const HOUR = 3_600_000;

/**
 * Facts are read again before a case holds or executes, and after a hold: a subject who became riskier
 * mid-case is decided again under the riskier tier and never executed under the old one.
 */
describe.each(IDPS)('a mid-case privilege change on %s', { timeout: 240_000 }, (idp) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  async function open(w: World, action: 'password_reset' | 'mfa_reset'): Promise<string> {
    await w.engine.handleEvent(await w.request('alice', { action }));
    const [c] = await w.engine.listCases({ subjectId: await w.id('alice'), kind: 'recovery' });
    if (!c) throw new Error('no case');
    return c.id;
  }

  async function redecided(w: World, caseId: string): Promise<Record<string, unknown> | undefined> {
    return (await listAudit(w.store, { caseId })).find((r) => r.type === 'case.redecided')?.data;
  }

  const executed = (journal: readonly { step: string }[]) =>
    journal.some((j) => ['revoke', 'reset', 'issue'].includes(j.step));

  it('added to Tier0-Admins after a T1 password reset opened: decided again at T4, the password untouched', async () => {
    world = await startWorld(idp);
    const alice = await world.id('alice');
    const session = await world.probes.mintSession(alice);
    const id = await open(world, 'password_reset');
    expect((await world.engine.getCase(id))?.tier).toBe('T1');
    await world.probes.joinGroup?.(alice, 'Tier0-Admins');
    // The T1 proof that would have sufficed: a push or a step-up with the password still bound.
    if (world.adapter.capabilities.device_challenge.supported) {
      await world.engine.pollChallenges();
      const shown = await world.engine.pendingChallenge(id, alice);
      await world.probes.answerDeviceChallenge?.(alice, 'approve', shown?.numberToMatch ?? null);
    } else {
      const password = (await world.adapter.readSubjectFacts(alice)).authenticators?.find(
        (a) => a.kind === 'password',
      );
      await world.engine.recordEvidence(id, {
        kind: 'oidc_step_up',
        by: alice,
        authenticatorId: password?.id ?? null,
      });
    }
    await world.engine.tick();
    const c = await world.engine.getCase(id);
    expect(c?.state).toBe('verifying');
    expect(c?.tier).toBe('T4');
    expect(c?.subjectClass).toBe('privileged');
    expect(executed(c?.journal ?? [])).toBe(false);
    expect(await redecided(world, id)).toMatchObject({
      fromTier: 'T1',
      tier: 'T4',
      subjectClass: 'privileged',
    });
    // The IdP is untouched: the password was not reset and her session still works.
    expect((await world.adapter.readSubjectFacts(alice)).status).toBe('active');
    await world.probes.awaitRevocation?.();
    expect(await world.probes.refreshTokenWorks(session.refreshToken)).toBe(true);
  });

  it('added to Tier0-Admins during a T3 hold: release() decides again at T4 instead of executing', async () => {
    world = await startWorld(idp);
    const alice = await world.id('alice');
    await world.probes.joinGroup?.(alice, 'Finance');
    const id = await open(world, 'mfa_reset');
    expect((await world.engine.getCase(id))?.tier).toBe('T3');
    await proveStandard(world, id, 'alice');
    await world.engine.recordApproval(id, {
      approverId: await world.id('sam'),
      role: 'security_team',
      decision: 'approve',
      reason: 'checked',
    });
    expect((await world.engine.getCase(id))?.state).toBe('held');
    const bound = (await world.adapter.readSubjectFacts(alice)).authenticators ?? [];
    await world.probes.joinGroup?.(alice, 'Tier0-Admins');
    world.advance(HOUR + 1000);
    await world.engine.tick();
    const c = await world.engine.getCase(id);
    expect(c?.state).toBe('verifying');
    expect(c?.tier).toBe('T4');
    expect(executed(c?.journal ?? [])).toBe(false);
    expect(await redecided(world, id)).toMatchObject({ fromTier: 'T3', tier: 'T4' });
    // Nothing was removed at the IdP.
    const after = (await world.adapter.readSubjectFacts(alice)).authenticators ?? [];
    expect(after.map((a) => a.id).sort()).toEqual(bound.map((a) => a.id).sort());
  });
});
