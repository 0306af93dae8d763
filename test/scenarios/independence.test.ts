import { afterEach, describe, expect, it } from 'vitest';
import { openFor } from './helpers.js';
import { IDPS, startWorld, type World } from './world.js';

/**
 * Issue 22, item 1: two proofs one stolen phone can give (with the password) never count as the two
 * independent proofs of a T2 recovery. Okta: the Okta Verify push plus a step-up sign-in approved on the same
 * phone. Entra and Keycloak (no push): a code to the phone on file plus a step-up with the authenticator app.
 */
describe.each(IDPS)('independent proofs on %s', { timeout: 240_000 }, (idp) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  it('a push or phone code plus a step-up sign-in from the same phone does not execute a T2 recovery', async () => {
    world = await startWorld(idp);
    const alice = await world.id('alice');
    const session = await world.probes.mintSession(alice);
    const id = await openFor(world, 'alice');
    expect((await world.engine.getCase(id))?.tier).toBe('T2');
    if (world.adapter.capabilities.device_challenge.supported) {
      await world.engine.pollChallenges();
      // Alice picks the number the gate shows her (number matching), on the same phone as her step-up.
      const shown = await world.engine.pendingChallenge(id, alice);
      await world.probes.answerDeviceChallenge?.(alice, 'approve', shown?.numberToMatch ?? null);
      await world.engine.tick();
      const push = (await world.engine.getCase(id))?.evidence.find((e) => e.kind === 'device_challenge');
      expect(push?.outcome).toBe('passed');
    } else {
      const facts = await world.adapter.readSubjectFacts(alice);
      const phone = (facts.channels ?? []).find(
        (c) => c.kind === 'phone' && c.verified && !c.isAccountMailbox,
      );
      if (!phone) throw new Error(`alice has no verified phone on ${idp}`);
      await world.engine.recordEvidence(id, { kind: 'phone_otp', by: alice, channelId: phone.id });
    }
    // As the verification page records a step-up: the IdP names no authenticator in the ID token.
    await world.engine.recordEvidence(id, {
      kind: 'oidc_step_up',
      by: alice,
      detail: { acr: 'mfa', amr: 'pwd mfa', authTime: Math.floor(world.clock.now.getTime() / 1000) },
    });
    await world.engine.tick();
    const pending = await world.engine.getCase(id);
    expect(pending?.state).toBe('verifying');
    expect(pending?.journal.some((j) => ['revoke', 'reset', 'issue'].includes(j.step))).toBe(false);
    // The emulator is the oracle: nothing was revoked.
    await world.probes.awaitRevocation?.();
    expect(await world.probes.refreshTokenWorks(session.refreshToken)).toBe(true);
    // An independent second proof (the manager, another person) completes it.
    await world.engine.recordApproval(id, {
      approverId: await world.id('erin'),
      role: 'manager',
      decision: 'approve',
      reason: 'confirmed on a video call',
    });
    await world.engine.tick();
    expect(['executing', 'completed']).toContain((await world.engine.getCase(id))?.state);
    await world.probes.awaitRevocation?.();
    expect(await world.probes.refreshTokenWorks(session.refreshToken)).toBe(false);
  });
});
