/**
 * Issue 16 item 2: the crash matrix on every IdP. The engine dies (a SimulatedCrash from the test seam,
 * thrown where a SIGKILL would stop the process) right after each execution step's side effect reached the
 * IdP and before the gate journaled it done: revoke, reset, issue (the subject's claim), notify, clear the
 * request marker, write the case status. A fresh engine on the same store resumes. The emulator is the
 * oracle: the subject's old session is refused (the revocation happened, before any reset), exactly one
 * temporary credential is live (every one issued before the crash no longer signs in, the one shown after
 * it signs in once), the request marker is cleared, and nothing was notified twice.
 */

import type { RecoveryProvider } from '@recovery-gate/core';
import { verifyAudit } from '@recovery-gate/gate';
import { afterEach, describe, expect, it } from 'vitest';
import { openFor, proveStandard } from './helpers.js';
import { IDPS, startWorld, type World } from './world.js';

class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/** The adapter, recording each credential it issued (its secret stays in the test, for the oracle). */
function recordingIssues(adapter: RecoveryProvider, issued: string[]): RecoveryProvider {
  return {
    ...adapter,
    issueTemporaryCredential: async (userId, options) => {
      const credential = await adapter.issueTemporaryCredential(userId, options);
      if (credential.secret) issued.push(credential.secret.reveal());
      return credential;
    },
  };
}

/** Steps whose side effect reaches the IdP or a channel, in plan order. */
const STEPS = ['revoke', 'reset', 'issue', 'notify', 'clear_marker', 'write_status'] as const;

/** Runs `f`; a simulated crash is swallowed (the process died), anything else fails the test. */
async function survive(f: () => Promise<unknown>): Promise<boolean> {
  try {
    await f();
    return false;
  } catch (error) {
    if (!(error instanceof SimulatedCrash)) throw error;
    return true;
  }
}

describe.each(IDPS)('the crash matrix on %s', { timeout: 240_000 }, (idp) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  it.each(STEPS)('killed right after %s reached the IdP: the resume repeats nothing unsafe', async (step) => {
    world = await startWorld(idp);
    const w = world;
    const issued: string[] = [];
    const provider = recordingIssues(w.adapter, issued);
    let kills = 0;
    w.restart(
      {
        onSideEffect: (_id, s) => {
          if (s === step && kills++ === 0) throw new SimulatedCrash(`killed after ${s}`);
        },
      },
      undefined,
      provider,
    );
    const alice = await w.id('alice');
    const session = await w.probes.mintSession(alice);
    const id = await openFor(w, 'alice');

    // Proof and approval run the plan up to the claim; the claim issues and runs the rest.
    let crashed = await survive(() => proveStandard(w, id, 'alice'));
    let shown: string | null = null;
    if (!crashed) {
      crashed = await survive(async () => {
        shown = (await w.engine.claimCredential(id, alice)).secret.reveal();
      });
    }
    expect(crashed).toBe(true);
    expect(kills).toBe(1);
    const atCrash = await w.engine.getCase(id);
    expect(atCrash?.journal.find((j) => j.step === step)?.state).toBe('started');
    // Never a reset without its revocation.
    if (atCrash?.journal.some((j) => j.step === 'reset' && j.state !== 'pending'))
      expect(atCrash.journal.find((j) => j.step === 'revoke')?.state).toBe('done');

    // The restart: a fresh engine on the same store and IdP; the timer resumes the case.
    w.restart({}, undefined, provider);
    w.advance(1_000);
    await w.engine.tick();
    let resumed = await w.engine.getCase(id);
    if (resumed?.state === 'executing' && resumed.journal.find((j) => j.step === 'issue')?.state !== 'done') {
      // The subject collects (again): a credential lost in the crash is revoked before a new one is issued.
      shown = (await w.engine.claimCredential(id, alice)).secret.reveal();
      resumed = await w.engine.getCase(id);
    }
    expect(resumed?.state).toBe('completed');
    const revoke = resumed?.journal.find((j) => j.step === 'revoke');
    expect(revoke?.state).toBe('done');

    // The emulator: the old session is refused; exactly one credential is live.
    await w.probes.awaitRevocation?.();
    expect(await w.probes.refreshTokenWorks(session.refreshToken)).toBe(false);
    expect(issued.length).toBeGreaterThan(0);
    const last = issued.at(-1) as string;
    for (const lost of issued.slice(0, -1)) {
      expect(await w.probes.signInWithTemporaryCredential(alice, lost)).toBe(false);
    }
    // The live one signs in exactly once. A kill after the claim issued it (notify, clear, status run in the
    // claim's request) means the page never showed it: it stays live, unused, until its lifetime ends.
    if (shown !== null) expect(shown).toBe(last);
    else expect(STEPS.indexOf(step)).toBeGreaterThan(STEPS.indexOf('issue'));
    expect(await w.probes.signInWithTemporaryCredential(alice, last)).toBe(true);
    expect(await w.probes.signInWithTemporaryCredential(alice, last)).toBe(false);
    // The request marker is gone; each channel got one completion notice.
    if (w.probes.caseStatus) expect(await w.probes.caseStatus(alice)).toMatch(/completed/);
    const done = w.sent.filter((n) => n.subject === 'Your account was recovered');
    expect(new Set(done.map((n) => n.idempotencyKey)).size).toBe(done.length);
    expect(done.length).toBeGreaterThan(0);
    expect((await verifyAudit(w.store)).ok).toBe(true);
  });
});
