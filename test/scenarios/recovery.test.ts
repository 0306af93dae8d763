import { afterEach, describe, expect, it } from 'vitest';
import { addressOf, collect, openFor, proveStandard } from './helpers.js';
import { channelOf, IDPS, startWorld, type World } from './world.js';

const HOUR = 3_600_000;

describe.each(IDPS)('recovery scenarios on %s', { timeout: 240_000 }, (idp) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  it('alice, who lost her phone, completes; her old refresh token is refused; the credential works once', async () => {
    world = await startWorld(idp);
    const alice = await world.id('alice');
    const session = await world.probes.mintSession(alice);
    const id = await openFor(world, 'alice');
    expect((await world.engine.getCase(id))?.tier).toBe('T2');
    const mailbox = await addressOf(world, 'alice', 'email', true);
    expect(
      world.sent.some(
        (n) =>
          n.to.kind === 'email' &&
          n.to.address === mailbox &&
          n.links?.some((l) => l.url.includes('/verify/')),
      ),
    ).toBe(false);
    await proveStandard(world, id, 'alice');
    const secret = await collect(world, id, 'alice');
    await world.probes.awaitRevocation?.();
    expect(await world.probes.refreshTokenWorks(session.refreshToken)).toBe(false);
    expect(String(await world.probes.caseStatus?.(alice))).toMatch(/completed/);
    const view = JSON.stringify(await world.engine.getCase(id));
    if (secret) {
      expect(view).not.toContain(secret);
      expect(JSON.stringify(world.sent)).not.toContain(secret);
      const audit = await world.store.query('SELECT * FROM audit_records');
      expect(JSON.stringify(audit)).not.toContain(secret);
      expect(await world.probes.signInWithTemporaryCredential(alice, secret)).toBe(false);
    }
  });

  it('an impostor calling as bob never gets a credential: the phone changed 2 days ago does not count', async () => {
    world = await startWorld(idp);
    const bob = await world.id('bob');
    const id = await openFor(world, 'bob');
    const phone = await addressOf(world, 'bob', 'phone');
    expect(world.sent.some((n) => n.to.kind === 'phone' && n.to.address === phone)).toBe(false);
    // The impostor holds bob's (swapped) number and talks the manager into approving.
    await world.engine.recordEvidence(id, {
      kind: 'phone_otp',
      by: bob,
      channelId: await channelOf(world, 'bob', 'phone'),
    });
    await world.engine.recordApproval(id, {
      approverId: await world.id('erin'),
      role: 'manager',
      decision: 'approve',
      reason: 'he sounded right',
    });
    const pending = await world.engine.getCase(id);
    expect(pending?.state).toBe('verifying');
    expect(pending?.decision?.ignored.join()).toMatch(/CHANNEL_TOO_NEW|CHANNEL_UNVERIFIED/);
    if (world.adapter.capabilities.device_challenge.supported) {
      await world.probes.answerDeviceChallenge?.(bob, 'reject');
      await world.engine.tick();
      expect((await world.engine.getCase(id))?.state).toBe('denied');
    } else {
      world.advance(73 * HOUR);
      await world.engine.tick();
      expect((await world.engine.getCase(id))?.state).toBe('expired');
    }
    await expect(world.engine.claimCredential(id, bob)).rejects.toMatchObject({ code: 'ERR_LINK_INVALID' });
    const journal = (await world.engine.getCase(id))?.journal ?? [];
    expect(journal.some((j) => ['revoke', 'reset', 'issue'].includes(j.step))).toBe(false);
  });

  it('carol, a privileged admin, goes through supervised proofing, dual control and a 4h hold', async () => {
    world = await startWorld(idp);
    const id = await openFor(world, 'carol');
    expect((await world.engine.getCase(id))?.tier).toBe('T4');
    await world.engine.recordEvidence(id, { kind: 'supervised_proofing', by: await world.id('gina') });
    await expect(
      world.engine.recordApproval(id, {
        approverId: await world.id('frank'),
        role: 'security_team',
        decision: 'approve',
        reason: 'me',
      }),
    ).rejects.toMatchObject({ code: 'ERR_SEPARATION_OF_DUTIES' });
    for (const approver of ['sam', 'sara']) {
      await world.engine.recordApproval(id, {
        approverId: await world.id(approver),
        role: 'security_team',
        decision: 'approve',
        reason: 'in person',
      });
    }
    expect((await world.engine.getCase(id))?.state).toBe('held');
    world.restart();
    world.advance(3 * HOUR);
    await world.engine.tick();
    expect((await world.engine.getCase(id))?.state).toBe('held');
    world.advance(HOUR + 1000);
    await world.engine.tick();
    await collect(world, id, 'carol');
  });

  it('dave, a contractor whose contract ended, is denied and nothing is executed', async () => {
    world = await startWorld(idp);
    const id = await openFor(world, 'dave');
    const c = await world.engine.getCase(id);
    expect(c?.state).toBe('denied');
    expect(c?.reason).toContain('CONTRACT_EXPIRED');
    expect(c?.journal.some((j) => j.step === 'revoke')).toBe(false);
  });

  it('"this wasn\'t me" during the hold cancels the case', async () => {
    world = await startWorld(idp);
    const carol = await world.id('carol');
    const id = await openFor(world, 'carol');
    await world.engine.recordEvidence(id, { kind: 'supervised_proofing', by: await world.id('gina') });
    for (const approver of ['sam', 'sara']) {
      await world.engine.recordApproval(id, {
        approverId: await world.id(approver),
        role: 'security_team',
        decision: 'approve',
        reason: 'ok',
      });
    }
    const token = world.linkTo(await addressOf(world, 'carol', 'email', true), 'cancel');
    const link = await world.engine.consumeLink(token, 'cancel', carol);
    await world.engine.cancel(link.caseId, { by: carol, reason: 'not_me' });
    world.advance(5 * HOUR);
    await world.engine.tick();
    const c = await world.engine.getCase(id);
    expect(c?.state).toBe('cancelled');
    expect(c?.journal.some((j) => j.step === 'revoke' || j.step === 'issue')).toBe(false);
    expect(world.sent.some((n) => n.to.kind === 'security' && n.subject.includes('cancelled'))).toBe(true);
  });
});
