import { afterEach, describe, expect, it } from 'vitest';
import { collect, openFor, proveStandard, proveSubject } from './helpers.js';
import { IDPS, startWorld, type World } from './world.js';

/** Tries the subject's claim once; an IdP still failing is a typed error and the case stays as it was. */
async function claimable(world: World, caseId: string, subjectId: string): Promise<boolean> {
  try {
    const claimed = await world.engine.claimCredential(caseId, subjectId);
    expect(await world.probes.signInWithTemporaryCredential(subjectId, claimed.secret.reveal())).toBe(true);
    return true;
  } catch (error) {
    expect(error).toMatchObject({ code: expect.stringMatching(/^ERR_IDP_/) });
    return false;
  }
}

class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

describe.each(IDPS)('robustness scenarios on %s', { timeout: 240_000 }, (idp) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  it('duplicate and out-of-order events: one case, a join, a withdrawal that arrived first', async () => {
    world = await startWorld(idp);
    const alice = await world.id('alice');
    const first = await world.request('alice');
    await world.engine.handleEvent(first);
    await world.engine.handleEvent(first);
    await world.engine.handleEvent(
      await world.request('alice', {
        actor: { id: await world.id('gina'), type: 'user', displayName: null },
      }),
    );
    expect(await world.engine.listCases({ subjectId: alice })).toHaveLength(1);

    const bob = await world.id('bob');
    const t = world.clock.now.getTime();
    await world.engine.handleEvent(
      await world.request('bob', {
        kind: 'recovery_request_withdrawn',
        occurredAt: new Date(t + 60_000).toISOString(),
      }),
    );
    await world.engine.handleEvent(await world.request('bob', { occurredAt: new Date(t).toISOString() }));
    expect(await world.engine.listCases({ subjectId: bob })).toHaveLength(0);
  });

  it('an IdP outage mid-case: the case waits, then completes', async () => {
    world = await startWorld(idp, undefined, { maxStepAttempts: 60 });
    const alice = await world.id('alice');
    const session = await world.probes.mintSession(alice);
    const id = await openFor(world, 'alice');
    await proveSubject(world, id, 'alice');
    const erin = await world.id('erin');
    // An outage, not a blip: enough failed requests (counted per request) that the facts read's parallel
    // calls use up their retries before one gets through (12 no longer did once they went out together).
    world.probes.injectFault?.({ kind: 'server_error', count: 24, status: 503 });
    await world.engine.recordApproval(id, {
      approverId: erin,
      role: 'manager',
      decision: 'approve',
      reason: 'ok',
    });
    const waiting = await world.engine.getCase(id);
    // Facts are read again before execution: with the IdP down the case waits, either for that read
    // (verifying) or for its first step (executing); nothing has been revoked yet.
    expect(['verifying', 'executing']).toContain(waiting?.state);
    expect(waiting?.journal.find((j) => j.step === 'revoke')?.state).not.toBe('done');
    // The case waits through the outage (the tick retries with back-off); the subject may collect once
    // the IdP answers again.
    for (let i = 0; i < 40; i += 1) {
      const c = await world.engine.getCase(id);
      expect(c?.state).not.toBe('failed');
      const ready = c?.state === 'completed' || c?.journal.some((j) => j.step === 'ask:ready');
      if (ready && (world.idp === 'keycloak' || (await claimable(world, id, alice)))) break;
      world.advance(120_000);
      await world.engine.tick();
    }
    if (world.idp === 'keycloak') await collect(world, id, 'alice');
    await world.probes.awaitRevocation?.();
    expect(await world.probes.refreshTokenWorks(session.refreshToken)).toBe(false);
  });

  it('a crash right after the reset resumes on a fresh engine without repeating the revocation', async () => {
    world = await startWorld(idp, undefined, {
      onSideEffect: (_caseId, step) => {
        if (step === 'reset') throw new SimulatedCrash('killed after reset');
      },
    });
    const alice = await world.id('alice');
    const session = await world.probes.mintSession(alice);
    const id = await openFor(world, 'alice');
    await expect(proveStandard(world, id, 'alice')).rejects.toThrow('killed');
    const crashed = await world.engine.getCase(id);
    expect(crashed?.journal.find((j) => j.step === 'revoke')?.state).toBe('done');
    expect(crashed?.journal.find((j) => j.step === 'reset')?.state).toBe('started');
    world.restart({});
    world.advance(1_000);
    await world.engine.tick();
    const resumed = await world.engine.getCase(id);
    expect(resumed?.journal.find((j) => j.step === 'revoke')?.attempts).toBe(1);
    await collect(world, id, 'alice');
    await world.probes.awaitRevocation?.();
    expect(await world.probes.refreshTokenWorks(session.refreshToken)).toBe(false);
  });
});
