/**
 * The scripted stories: alice lost her phone (and then says it was not her), an impostor calls as bob, carol is a privileged admin,
 * dave's contract has ended, and an agent resets someone natively around the policy.
 * @module
 */

import { breakGlassCarol } from './break-glass.js';
import { aliceVerifiesIdentity, impostorFailsIdentity } from './idv-story.js';
import { notMeAfterRecovery } from './repudiation-story.js';
import { RESET_UNLOCK_SCENARIOS } from './reset-unlock.js';
import {
  collect,
  nativeRequest,
  prove,
  type ScenarioContext,
  type ScenarioResult,
  stateOf,
  waitForCase,
} from './scenarios.js';

/** Says what the gate still misses when a case that should be satisfied is still verifying. */
async function whyPending(ctx: ScenarioContext, id: string): Promise<void> {
  const c = await ctx.gate.orchestrator.getCase(id);
  if (c?.state !== 'verifying') return;
  const missing = [...(c.decision?.unmet ?? []), ...(c.decision?.ignored ?? [])].join('; ');
  ctx.say(`the gate still waits: ${missing || 'evidence'}`);
}

/** alice lost her phone: phone code on a long-held number + manager approval, then a one-time credential. */
export async function aliceLostPhone(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = 'alice lost her phone';
  const alice = await ctx.tenant.id('alice');
  const session = await ctx.tenant.probes.mintSession(alice);
  const id = await nativeRequest(ctx, 'alice');
  await prove(ctx, id, 'alice');
  await whyPending(ctx, id);
  const outcome = await collect(ctx, id, 'alice');
  // Entra applies revokeSignInSessions within a few minutes: let that pass before looking.
  await ctx.tenant.probes.awaitRevocation?.();
  const oldToken = await ctx.tenant.probes.refreshTokenWorks(session.refreshToken);
  const done = await stateOf(ctx, id, ['completed']);
  return {
    title,
    caseId: id,
    outcome: `${outcome}; her old refresh token is ${oldToken ? 'STILL ACCEPTED' : 'refused'}`,
    ok:
      done.state === 'completed' && !oldToken && !outcome.includes('FAILS') && !outcome.includes('ACCEPTED'),
  };
}

/** An impostor calls as bob: bob's phone changed 2 days ago, so its code does not count. */
export async function impostorAsBob(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = 'an impostor calls the help desk as bob';
  const bob = await ctx.tenant.id('bob');
  const id = await nativeRequest(ctx, 'bob');
  await prove(ctx, id, 'bob', true);
  const pending = await ctx.gate.orchestrator.getCase(id);
  const ignored = pending?.decision?.ignored.join(', ') ?? '';
  ctx.say(`the gate does not count the code: ${ignored || 'not enough evidence'}`);
  if (ctx.tenant.adapter.capabilities.device_challenge.supported) {
    ctx.say('the real bob gets a push on his registered device and rejects it');
    await ctx.tenant.probes.answerDeviceChallenge?.(bob, 'reject');
  } else {
    ctx.say('no proof arrives; sam (security) closes the case as a suspected impostor');
    await ctx.gate.orchestrator.cancel(id, { by: await ctx.tenant.id('sam'), reason: 'suspected impostor' });
  }
  const end = await stateOf(ctx, id, ['denied', 'cancelled', 'expired']);
  const executed = end.journal.some((j) => ['revoke', 'reset', 'issue'].includes(j.step));
  return {
    title,
    caseId: id,
    outcome: `case ${end.state}; ${executed ? 'SOMETHING WAS EXECUTED' : 'no reset, no credential'}`,
    ok: !executed,
  };
}

/** carol, a privileged admin: supervised proofing, two security approvals, a (demo-short) hold. */
export async function privilegedCarol(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = 'carol, a privileged admin (dual control + hold; demo hold is 5 s instead of 4 h)';
  const id = await nativeRequest(ctx, 'carol');
  ctx.say('gina (second agent, security officer) proofs carol in person and records it');
  await ctx.gate.orchestrator.recordEvidence(id, {
    kind: 'supervised_proofing',
    by: await ctx.tenant.id('gina'),
  });
  for (const who of ['sam', 'sara']) {
    ctx.say(`${who} (security team) approves: "identity confirmed in person"`);
    await ctx.gate.orchestrator.recordApproval(id, {
      approverId: await ctx.tenant.id(who),
      role: 'security_team',
      decision: 'approve',
      reason: 'identity confirmed in person',
    });
  }
  const held = await ctx.gate.orchestrator.getCase(id);
  ctx.say(
    `case ${held?.state}: notice on every channel on file with a "this wasn't me" link; waiting out the hold`,
  );
  await stateOf(ctx, id, ['executing', 'completed'], 30_000);
  ctx.say('the hold ends without a cancel; the gate executes');
  const outcome = await collect(ctx, id, 'carol');
  const done = await stateOf(ctx, id, ['completed']);
  return { title, caseId: id, outcome, ok: held?.state === 'held' && done.state === 'completed' };
}

/** dave's contract ended on 2026-01-31: denied at once. */
export async function contractorDave(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = 'dave, a contractor whose contract has ended';
  const id = await nativeRequest(ctx, 'dave');
  const end = await stateOf(ctx, id, ['denied']);
  return {
    title,
    caseId: id,
    outcome: `case denied (${end.reason ?? 'no reason'}); nothing executed`,
    ok: end.journal.every((j) => j.step !== 'revoke'),
  };
}

/** An agent resets erin's authenticators directly in the console: the gate remediates. */
export async function nativeBypass(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = "an agent resets erin's MFA directly in the console (bypass, enforce mode)";
  const erin = await ctx.tenant.id('erin');
  const session = await ctx.tenant.probes.mintSession(erin);
  ctx.say(`frank resets erin's authenticators in the ${ctx.tenant.idp} console, around the gate`);
  try {
    await ctx.tenant.probes.nativeReset?.(erin, 'authenticators');
  } catch (error) {
    if (!/\b403\b/.test((error as Error).message)) throw error;
    // The applied guardrails took the reset permission away from the help desk: nothing to remediate.
    // Entra applies revokeSignInSessions within a few minutes: let that pass before looking.
    await ctx.tenant.probes.awaitRevocation?.();
    const works = await ctx.tenant.probes.refreshTokenWorks(session.refreshToken);
    return {
      title,
      caseId: null,
      outcome: `the console refuses (403): the guardrails took reset rights away from the help desk; erin's session is ${works ? 'untouched' : 'GONE'}`,
      ok: works,
    };
  }
  const incident = await waitForCase(ctx, 'erin', 'incident');
  const end = await stateOf(ctx, incident.id, ['completed', 'failed']);
  // Entra applies revokeSignInSessions within a few minutes: let that pass before looking.
  await ctx.tenant.probes.awaitRevocation?.();
  const works = await ctx.tenant.probes.refreshTokenWorks(session.refreshToken);
  return {
    title,
    caseId: incident.id,
    outcome: `incident ${end.state}: sessions and tokens revoked (old refresh token ${works ? 'STILL ACCEPTED' : 'refused'}), security alerted`,
    ok: end.state === 'completed' && !works,
  };
}

/** The stories in the order the demo tells them. */
export const SCENARIOS = [
  aliceLostPhone,
  impostorAsBob,
  privilegedCarol,
  contractorDave,
  nativeBypass,
  breakGlassCarol,
  aliceVerifiesIdentity,
  impostorFailsIdentity,
  ...RESET_UNLOCK_SCENARIOS,
  // Last: it locks alice's account down (password reset, authenticators removed), as a repudiation does.
  notMeAfterRecovery,
] as const;
