/**
 * The demo's "this wasn't me" after a recovery ran (NIST SP 800-63B-4 §4.2.3): alice's recovery from the
 * first story completed, and whoever used its credential bound an authenticator of their own and kept a
 * session. alice reads the completion notice ("Your account was recovered") and presses its "This wasn't
 * me" link; the gate repudiates the recovery and its incident locks the account down. The emulator is the
 * oracle: the authenticator bound since is gone, the session is refused, security was alerted.
 * @module
 */

import { type ScenarioContext, type ScenarioResult, stateOf } from './scenarios.js';

/** The steps of the lock-down a person sees listed on the "Access revoked" page. */
const LOCK_DOWN = ['revoke_credential', 'remove_new', 'reset_password', 'revoke', 'alert'] as const;

/** alice repudiates the recovery that ran on her account. */
export async function notMeAfterRecovery(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = `alice: "this wasn't me" in the completion notice undoes the recovery`;
  const { tenant, gate } = ctx;
  const alice = await tenant.id('alice');
  // The newest completed recovery that handed out a credential (an unlock issues none).
  const done = (
    await gate.orchestrator.listCases({
      subjectId: alice,
      kind: 'recovery',
      idp: tenant.idp,
      state: 'completed',
    })
  ).find((c) => c.action !== 'account_unlock');
  if (!done) return { title, caseId: null, outcome: 'no completed recovery of alice to undo', ok: false };
  ctx.opened = done.id;
  ctx.say('whoever used the temporary credential binds an authenticator of their own and keeps a session');
  const bound = (await tenant.probes.enrollAuthenticator?.(alice)) ?? null;
  const session = await tenant.probes.mintSession(alice);
  ctx.say(
    `alice reads "Your account was recovered" on her phone; it was not her: she presses "This wasn't me"`,
  );
  await gate.orchestrator.cancel(done.id, { by: alice, reason: "subject: this wasn't me" });
  const incident = await ctx.until('the repudiation incident', async () =>
    (await gate.orchestrator.listCases({ subjectId: alice, kind: 'incident', idp: tenant.idp })).find(
      (c) => c.reason === `repudiation:${done.id}`,
    ),
  );
  ctx.opened = incident.id;
  // The lock-down runs now; a failed IdP call stays owed and is retried by the timer.
  const locked = await ctx.until('the lock-down', async () => {
    await gate.orchestrator.tick();
    const c = await gate.orchestrator.getCase(incident.id);
    const finished = LOCK_DOWN.every((s) => c?.journal.some((j) => j.step === s && j.state === 'done'));
    return finished ? c : null;
  });
  const recovery = await stateOf(ctx, done.id, ['repudiated']);
  const facts = await tenant.adapter.readSubjectFacts(alice);
  const stillBound = bound !== null && (facts.authenticators ?? []).some((a) => a.id === bound);
  // Entra applies revokeSignInSessions within a few minutes: let that pass before looking.
  await tenant.probes.awaitRevocation?.();
  const sessionWorks = await tenant.probes.refreshTokenWorks(session.refreshToken);
  const alerted = locked.journal.some((j) => j.step === 'alert' && j.state === 'done');
  return {
    title,
    caseId: incident.id,
    outcome:
      `recovery ${recovery.state}; the authenticator bound since is ${stillBound ? 'STILL BOUND' : bound === null ? 'not testable here' : 'removed'}, ` +
      `the session is ${sessionWorks ? 'STILL ACCEPTED' : 'refused'}, the password is in reset, security ${alerted ? 'alerted' : 'NOT ALERTED'}`,
    ok: recovery.state === 'repudiated' && !stillBound && !sessionWorks && alerted,
  };
}
