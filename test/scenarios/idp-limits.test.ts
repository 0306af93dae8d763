/**
 * What the IdPs really refuse, end to end: the case ends in a defined state and says what is left.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collect, openFor, proveStandard } from './helpers.js';
import { startWorld, type World } from './world.js';

describe('entra: an MFA reset whose default method is an SMS phone', { timeout: 240_000 }, () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  it('removes the rest, keeps the phone Graph refuses to delete, names it on the case, and the TAP works', async () => {
    world = await startWorld('entra');
    const id = await openFor(world, 'alice');
    await proveStandard(world, id, 'alice');
    const secret = await collect(world, id, 'alice');
    expect(secret).not.toBeNull();
    const c = await world.engine.getCase(id);
    const reset = c?.journal.find((j) => j.step === 'reset');
    expect(reset?.state).toBe('done');
    const remaining = reset?.result.remaining as { id: string; kind: string; reason: string }[] | undefined;
    expect(remaining?.map((r) => r.kind)).toEqual(['sms']);
    expect(remaining?.[0]?.reason).toMatch(/default MFA method.*mysignins/s);
    const facts = await world.adapter.readSubjectFacts(await world.id('alice'));
    const active = (facts.authenticators ?? []).filter(
      (a) => a.status === 'active' && a.kind !== 'password' && a.kind !== 'temporary_access',
    );
    // Only the phone is left (the single-use TAP was spent by the sign-in above).
    expect(active.map((a) => a.kind)).toEqual(['sms']);
    const audit = await world.store.query(
      "SELECT data FROM audit_records WHERE type = 'step.reset' AND case_id = $1",
      [id],
    );
    expect(JSON.stringify(audit)).toContain('remaining');
  });
});

describe('entra: a Global Administrator in the restricted unit asks for a password reset', {
  timeout: 240_000,
}, () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  it('is denied up front (IDP_REFUSES) with the reason, and nothing is revoked or reset', async () => {
    world = await startWorld('entra');
    const carol = await world.id('carol');
    const session = await world.probes.mintSession(carol);
    await world.engine.handleEvent(await world.request('carol', { action: 'password_reset' }));
    const [c] = await world.engine.listCases({ subjectId: carol, kind: 'recovery' });
    expect(c?.state).toBe('denied');
    expect(c?.reason).toMatch(/^IDP_REFUSES: .*Global Administrator in a restricted management/);
    const view = await world.engine.getCase(c?.id ?? '');
    expect(view?.journal.some((j) => ['revoke', 'reset', 'issue'].includes(j.step))).toBe(false);
    await world.probes.awaitRevocation?.();
    expect(await world.probes.refreshTokenWorks(session.refreshToken)).toBe(true);
  });
});
