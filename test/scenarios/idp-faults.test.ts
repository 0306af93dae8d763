/**
 * Issue 16 item 3: IdP faults on every IdP, in the middle of execution (catch-up and timeouts are not here yet). The faults come from the emulator
 * (its own 429 with Retry-After, 5xx answers), and time only moves on the injected clocks: the adapters'
 * back-off sleeps are recorded, never waited, and the gate's retry timer runs on the test's clock. The case
 * waits and completes, never half-done (no reset without its revocation, one live credential); when the
 * retry bound is hit the case fails closed and security is alerted. The emulator is the oracle.
 */

import type { InjectedFault } from '@recovery-gate/core/testing';
import { verifyAudit } from '@recovery-gate/gate';
import { afterEach, describe, expect, it } from 'vitest';
import { openFor, proveSubject } from './helpers.js';
import { IDPS, startWorld, type World } from './world.js';

interface FaultCase {
  readonly name: string;
  readonly fault: InjectedFault;
}

const FAULTS: readonly FaultCase[] = [
  { name: '429 with Retry-After', fault: { kind: 'rate_limit', count: 4, retryAfterSeconds: 30 } },
  { name: 'a burst of 502s', fault: { kind: 'server_error', count: 8, status: 502 } },
  { name: 'a burst of 500s', fault: { kind: 'server_error', count: 8, status: 500 } },
];

/** Never half-done: at every point a reset has its revocation before it, and the case never failed. */
async function checkWhole(w: World, id: string): Promise<void> {
  const c = await w.engine.getCase(id);
  expect(c?.state).not.toBe('failed');
  const step = (name: string) => c?.journal.find((j) => j.step === name)?.state;
  if (step('reset') === 'done' || step('reset') === 'started') expect(step('revoke')).toBe('done');
  if (step('issue') === 'done') expect(step('reset')).toBe('done');
}

/** Ticks the gate on its clock until the credential can be collected (bounded), checking each state. */
async function untilCollectable(w: World, id: string, stepMs: number, rounds: number): Promise<number> {
  const started = w.clock.now.getTime();
  for (let i = 0; i < rounds; i += 1) {
    await checkWhole(w, id);
    const c = await w.engine.getCase(id);
    if (c?.journal.some((j) => j.step === 'ask:ready' && j.state === 'done')) break;
    w.advance(stepMs);
    await w.engine.tick();
  }
  return w.clock.now.getTime() - started;
}

/** Collects the credential once and checks it is the only live one, and the old session is refused. */
async function collectOnce(w: World, id: string, session: { refreshToken: string }): Promise<void> {
  const alice = await w.id('alice');
  const claimed = await w.engine.claimCredential(id, alice);
  const secret = claimed.secret.reveal();
  expect((await w.engine.getCase(id))?.state).toBe('completed');
  expect(await w.probes.signInWithTemporaryCredential(alice, secret)).toBe(true);
  expect(await w.probes.signInWithTemporaryCredential(alice, secret)).toBe(false);
  await w.probes.awaitRevocation?.();
  expect(await w.probes.refreshTokenWorks(session.refreshToken)).toBe(false);
  expect((await verifyAudit(w.store)).ok).toBe(true);
}

/** Answers requests until the emulator's queued faults are used up (the outage ends). */
async function drain(w: World): Promise<void> {
  const alice = await w.id('alice');
  for (let i = 0; i < 1_000; i += 1) {
    try {
      await w.adapter.readSubjectFacts(alice);
      return;
    } catch {
      // Still down: the adapter's own bounded retries used up more of the outage.
    }
  }
  throw new Error('the outage never ended');
}

describe.each(IDPS)('IdP faults during execution on %s', { timeout: 240_000 }, (idp) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  async function approvedUnder(fault: InjectedFault | null, maxStepAttempts = 60) {
    world = await startWorld(idp, undefined, { maxStepAttempts });
    const w = world;
    const alice = await w.id('alice');
    const session = await w.probes.mintSession(alice);
    const id = await openFor(w, 'alice');
    await proveSubject(w, id, 'alice');
    const erin = await w.id('erin');
    if (fault) w.probes.injectFault?.(fault);
    // The manager's approval starts execution into the fault.
    await w.engine.recordApproval(id, {
      approverId: erin,
      role: 'manager',
      decision: 'approve',
      reason: 'confirmed on a video call',
    });
    return { w, id, session };
  }

  it.each(FAULTS)('$name: the case waits, then completes with one credential', async ({ fault }) => {
    const { w, id, session } = await approvedUnder(fault);
    await untilCollectable(w, id, 30_000, 40);
    await collectOnce(w, id, session);
    if (fault.kind === 'rate_limit' && w.probes.recordedSleeps) {
      // The adapter waited at least the IdP's Retry-After (on the injected sleep: nobody waited).
      expect(Math.max(...w.probes.recordedSleeps())).toBeGreaterThanOrEqual(fault.retryAfterSeconds * 1000);
    }
  });

  it('a two-minute outage in the middle of execution: the case waits it out and completes', async () => {
    // Every request fails while the test moves the clocks two minutes on, tick by tick; then it ends.
    const { w, id, session } = await approvedUnder({ kind: 'server_error', count: 400, status: 503 });
    const waited = await untilCollectable(w, id, 10_000, 12);
    expect(waited).toBeGreaterThanOrEqual(120_000);
    const during = await w.engine.getCase(id);
    expect(['verifying', 'executing']).toContain(during?.state);
    expect(during?.journal.some((j) => j.step === 'issue' && j.state === 'done')).toBe(false);
    await drain(w);
    await untilCollectable(w, id, 60_000, 20);
    await collectOnce(w, id, session);
  });

  it('an outage past the retry bound: the case fails closed, nothing is issued, security is alerted', async () => {
    const { w, id } = await approvedUnder({ kind: 'server_error', count: 400, status: 503 }, 4);
    for (let i = 0; i < 12; i += 1) {
      const c = await w.engine.getCase(id);
      if (c?.state === 'failed') break;
      const step = (name: string) => c?.journal.find((j) => j.step === name)?.state;
      if (step('reset') === 'done') expect(step('revoke')).toBe('done');
      w.advance(60_000);
      await w.engine.tick();
    }
    const c = await w.engine.getCase(id);
    expect(c?.state).toBe('failed');
    expect(c?.attempts).toBeLessThanOrEqual(4);
    expect(c?.journal.some((j) => j.step === 'issue' && j.state === 'done')).toBe(false);
    expect(w.sent.some((n) => n.to.kind === 'security' && /failed/i.test(n.subject))).toBe(true);
    // The outage ends: nothing issued before it is live, nothing runs later.
    await drain(w);
    w.advance(600_000);
    await w.engine.tick();
    expect((await w.engine.getCase(id))?.state).toBe('failed');
    await expect(w.engine.claimCredential(id, await w.id('alice'))).rejects.toMatchObject({
      code: 'ERR_LINK_INVALID',
    });
  });
});
