import type { RecoveryAction } from '@recovery-gate/core';
import { listAudit, verifyAudit } from '@recovery-gate/gate';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, proveStandard } from './helpers.js';
import { IDPS, startWorld, type World } from './world.js';

/**
 * Every action of the policy end to end on every IdP, on the real store and audit chain: the case
 * completes, each step is in the chain (which verifies), and the emulator's state shows what was done.
 * Emergency access runs in break-glass.test.ts.
 */
describe.each(IDPS)('each recovery action on %s', { timeout: 240_000 }, (idp) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  async function open(w: World, subject: string, action: RecoveryAction): Promise<string> {
    await w.engine.handleEvent(await w.request(subject, { action }));
    const [c] = await w.engine.listCases({ subjectId: await w.id(subject), kind: 'recovery' });
    if (!c) throw new Error(`no ${action} case for ${subject}`);
    expect(c.action).toBe(action);
    return c.id;
  }

  /** The case's steps as the audit chain holds them, after checking the whole chain verifies. */
  async function chainSteps(w: World, caseId: string): Promise<Record<string, unknown>> {
    expect(await verifyAudit(w.store)).toMatchObject({ ok: true });
    const records = await listAudit(w.store, { caseId });
    expect(
      records.some((r) => r.type === 'case.transition' && JSON.stringify(r.data).includes('failed')),
    ).toBe(false);
    return Object.fromEntries(records.filter((r) => r.type.startsWith('step.')).map((r) => [r.type, r.data]));
  }

  /** T1 possession: an approved push where the IdP has one, else a step-up with the password still bound. */
  async function provePossession(w: World, caseId: string, userId: string): Promise<void> {
    if (w.adapter.capabilities.device_challenge.supported) {
      await w.engine.pollChallenges();
      // The subject picks the number the gate shows them (number matching).
      const shown = await w.engine.pendingChallenge(caseId, userId);
      await w.probes.answerDeviceChallenge?.(userId, 'approve', shown?.numberToMatch ?? null);
      await w.engine.tick();
      return;
    }
    const facts = await w.adapter.readSubjectFacts(userId);
    const password = facts.authenticators?.find((a) => a.kind === 'password');
    await w.engine.recordEvidence(caseId, {
      kind: 'oidc_step_up',
      by: userId,
      authenticatorId: password?.id ?? null,
    });
  }

  it('password_reset: the password is reset at the IdP, the credential signs in once, the chain holds no secret', async () => {
    world = await startWorld(idp);
    const alice = await world.id('alice');
    const id = await open(world, 'alice', 'password_reset');
    expect((await world.engine.getCase(id))?.tier).toBe('T1');
    await provePossession(world, id, alice);
    // Gate delivery (every IdP, Keycloak included) waits for the subject's claim.
    expect((await world.engine.getCase(id))?.state).toBe('executing');
    // The IdP has reset the password before the credential is handed out.
    const reset = await world.adapter.readSubjectFacts(alice);
    expect(['recovery', 'password_expired']).toContain(reset.status);
    const secret = await collect(world, id, 'alice');
    const steps = await chainSteps(world, id);
    expect(steps['step.reset']).toEqual({ reset: 'password' });
    if (secret) expect(JSON.stringify(await listAudit(world.store))).not.toContain(secret);
  });

  it('account_unlock: the lock is cleared at the IdP and the subject signs in with their own password again', async () => {
    world = await startWorld(idp);
    const alice = await world.id('alice');
    // Entra has no lock a test can set or Graph can see (smart lockout expires on its own): the unlock runs on
    // an active account there, and the emulator's state must still say active with sign-in working.
    if (world.probes.lockOut) {
      await world.probes.lockOut(alice);
      expect((await world.adapter.readSubjectFacts(alice)).status).toBe('locked');
    }
    if (idp === 'keycloak') await expect(world.probes.mintSession(alice)).rejects.toThrow(/sign-in failed/);
    const id = await open(world, 'alice', 'account_unlock');
    expect((await world.engine.getCase(id))?.tier).toBe('T2');
    await proveStandard(world, id, 'alice');
    await world.engine.tick();
    const c = await world.engine.getCase(id);
    expect(c?.state).toBe('completed');
    // An unlock hands out no credential: the subject keeps the password they know.
    expect(c?.journal.find((j) => j.step === 'issue')?.result).toEqual({ skipped: 'no_credential' });
    expect((await world.adapter.readSubjectFacts(alice)).status).toBe('active');
    const session = await world.probes.mintSession(alice);
    expect(await world.probes.refreshTokenWorks(session.refreshToken)).toBe(true);
    expect((await chainSteps(world, id))['step.reset']).toEqual({ unlocked: true });
  });

  it.each(['mfa_reset', 'authenticator_rebind'] as const)(
    '%s: every authenticator but the password is removed at the IdP, then the credential signs in',
    async (action) => {
      world = await startWorld(idp);
      const alice = await world.id('alice');
      const before = (await world.adapter.readSubjectFacts(alice)).authenticators ?? [];
      const bound = before.filter((a) => a.kind !== 'password');
      expect(bound.length).toBeGreaterThan(0);
      const id = await open(world, 'alice', action);
      await proveStandard(world, id, 'alice');
      await collect(world, id, 'alice');
      const after = (await world.adapter.readSubjectFacts(alice)).authenticators ?? [];
      const step = (await chainSteps(world, id))['step.reset'] as {
        removed: string[];
        remaining?: { id: string }[];
      };
      // Entra keeps a phone that is the default MFA method (alice's is SMS): the step names it as remaining.
      const kept = (step.remaining ?? []).map((r) => r.id);
      expect(kept).toEqual(idp === 'entra' ? [expect.any(String)] : []);
      for (const gone of bound.filter((a) => !kept.includes(a.id)))
        expect(after.map((a) => a.id)).not.toContain(gone.id);
      expect([...step.removed, ...kept].sort()).toEqual(bound.map((a) => a.id).sort());
    },
  );

  it('recovery_contact_change: the reset step removes the phone and email factors (never skipped), then the credential signs in', async () => {
    world = await startWorld(idp);
    const alice = await world.id('alice');
    const before = (await world.adapter.readSubjectFacts(alice)).authenticators ?? [];
    const contacts = before.filter((a) => ['sms', 'voice', 'email'].includes(a.kind));
    const id = await open(world, 'alice', 'recovery_contact_change');
    await proveStandard(world, id, 'alice');
    await collect(world, id, 'alice');
    const reset = (await chainSteps(world, id))['step.reset'] as Record<string, unknown>;
    expect(reset.skipped).toBeUndefined();
    // Entra refuses to delete alice's default MFA phone (SMS): the step says some remain and names it.
    const expected = { keycloak: 'profile_update_required', entra: 'some_remain', okta: 'removed' } as const;
    expect(reset.contacts).toBe(expected[idp]);
    const refused = ((reset.remaining ?? []) as { id: string }[]).map((r) => r.id);
    const after = (await world.adapter.readSubjectFacts(alice)).authenticators ?? [];
    for (const gone of contacts.filter((a) => !refused.includes(a.id)))
      expect(after.map((a) => a.id)).not.toContain(gone.id);
    // What is not a recovery contact stays bound.
    // (The password is left out: a credential that is a temporary password replaces it, e.g. on Keycloak.)
    const kept = before.filter((a) => !contacts.includes(a) && a.kind !== 'password');
    for (const stays of kept) expect(after.map((a) => a.id)).toContain(stays.id);
  });
});
