/**
 * A crash while the credential is being issued (issue 21 item 2). Keycloak mails the action link itself and
 * it cannot be revoked without disabling the account, so it is sent at most once: after a restart the gate
 * reads Keycloak's admin events to learn whether the send went out, sends it when it did not, and never
 * tells the subject the account was recovered without a link. Okta and Entra issue at the subject's claim:
 * a claim that died before reaching the IdP is simply claimed again. The emulator is the oracle.
 */

import type { RecoveryProvider } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, KEYCLOAK_MAILING, openFor, proveStandard } from './helpers.js';
import { IDPS, startWorld, type World } from './world.js';

class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/** The adapter, except that the process dies before an issue request leaves it. */
function dyingBeforeIssue(adapter: RecoveryProvider): RecoveryProvider {
  return {
    ...adapter,
    issueTemporaryCredential: async () => {
      throw new SimulatedCrash('killed before the request left');
    },
  };
}

const crashed = (e: unknown) => {
  if (!(e instanceof SimulatedCrash)) throw e;
};

const recoveredNotices = (w: World) => w.sent.filter((n) => n.subject === 'Your account was recovered');
const uncertainAlerts = (w: World) =>
  w.sent.filter((n) => n.to.kind === 'security' && n.subject.includes('may not have been sent'));

describe.each(IDPS)('a crash during issue on %s', { timeout: 240_000 }, (idp) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  it('a send that never reached the IdP is made after the restart; "recovered" only with a credential', async () => {
    // Keycloak: the tier lets it mail the action link, so the IdP-delivery crash paths run there.
    world = await startWorld(idp, idp === 'keycloak' ? KEYCLOAK_MAILING : undefined);
    const w = world;
    const alice = await w.id('alice');
    const id = await openFor(w, 'alice');
    w.restart(undefined, undefined, dyingBeforeIssue(w.adapter));
    if (idp === 'keycloak') {
      await proveStandard(w, id, 'alice').catch(crashed);
      expect((await w.engine.getCase(id))?.journal.find((j) => j.step === 'issue')?.state).toBe('started');
      expect(await w.probes.signInWithTemporaryCredential(alice, null)).toBe(false);
    } else {
      await proveStandard(w, id, 'alice');
      await w.engine.claimCredential(id, alice).catch(crashed);
    }
    expect((await w.engine.getCase(id))?.state).toBe('executing');
    expect(recoveredNotices(w)).toHaveLength(0);
    w.restart();
    w.advance(1_000);
    await w.engine.tick();
    await collect(w, id, 'alice');
    expect(recoveredNotices(w).length).toBeGreaterThan(0);
    expect(uncertainAlerts(w)).toHaveLength(0);
  });

  it('a send that went out before the crash is not repeated, and no "may not have been sent" alert fires', async () => {
    // Keycloak: the tier lets it mail the action link, so the IdP-delivery crash paths run there.
    world = await startWorld(idp, idp === 'keycloak' ? KEYCLOAK_MAILING : undefined);
    const w = world;
    const alice = await w.id('alice');
    const id = await openFor(w, 'alice');
    w.restart({
      onSideEffect: (_id, step) => {
        if (step === 'issue') throw new SimulatedCrash('killed after the request left');
      },
    });
    let secret: string | null = null;
    if (idp === 'keycloak') {
      await proveStandard(w, id, 'alice').catch(crashed);
    } else {
      await proveStandard(w, id, 'alice');
      await w.engine.claimCredential(id, alice).catch(crashed);
    }
    w.restart();
    w.advance(1_000);
    await w.engine.tick();
    if (idp !== 'keycloak') secret = (await w.engine.claimCredential(id, alice)).secret.reveal();
    const c = await w.engine.getCase(id);
    expect(c?.state).toBe('completed');
    expect(c?.journal.find((j) => j.step === 'deliver')?.result.uncertain).not.toBe(true);
    // Keycloak: confirmed from its admin events, not sent again (a second send would journal its facts).
    if (idp === 'keycloak') {
      expect(c?.journal.find((j) => j.step === 'issue')?.result).toEqual({
        delivery: 'idp',
        uncertain: false,
      });
    }
    expect(uncertainAlerts(w)).toHaveLength(0);
    expect(recoveredNotices(w).length).toBeGreaterThan(0);
    // Exactly one credential lives, and it signs in.
    expect(await w.probes.signInWithTemporaryCredential(alice, secret)).toBe(true);
  });

  it.runIf(idp === 'keycloak')(
    'a crash after the IdP sent the link but before its delivery was journaled completes after the restart, sending nothing again',
    async () => {
      world = await startWorld(idp, KEYCLOAK_MAILING);
      const w = world;
      const alice = await w.id('alice');
      const id = await openFor(w, 'alice');
      w.restart({
        onSideEffect: (_id, step) => {
          if (step === 'deliver') throw new SimulatedCrash('killed between issue done and deliver done');
        },
      });
      await proveStandard(w, id, 'alice').catch(crashed);
      const before = await w.engine.getCase(id);
      expect(before?.journal.find((j) => j.step === 'issue')?.state).toBe('done');
      expect(before?.journal.find((j) => j.step === 'deliver')?.state).toBe('started');
      const outbox = () =>
        (
          w.env as unknown as { emulator: { control: { outbox(): readonly { userId: string }[] } } }
        ).emulator.control
          .outbox()
          .filter((m) => m.userId === alice).length;
      const mails = outbox();
      expect(mails).toBe(1);
      w.restart();
      w.advance(1_000);
      await w.engine.tick();
      const c = await w.engine.getCase(id);
      expect(c?.state).toBe('completed');
      expect(c?.journal.find((j) => j.step === 'deliver')?.result).toMatchObject({
        delivery: 'idp',
        resumed: true,
      });
      // The emulator is the oracle: Keycloak mailed the link once, and it signs in.
      expect(outbox()).toBe(1);
      expect(recoveredNotices(w).length).toBeGreaterThan(0);
      expect(await w.probes.signInWithTemporaryCredential(alice, null)).toBe(true);
    },
  );
});
