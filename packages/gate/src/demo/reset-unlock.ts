/**
 * The demo's password-reset and unlock stories, scripted on every IdP: erin's password turned up in a
 * breach list (the help desk resets it; she proves she holds her phone and collects a temporary credential
 * once), and alice locked herself out (a push or a code to her phone on file, and her manager's approval,
 * unlock her; she signs in with her own password again). The emulator is the oracle for each outcome.
 * @module
 */

import type { NormalizedEvent, RecoveryAction } from '@recovery-gate/core';
import { collect, type ScenarioContext, type ScenarioResult, stateOf } from './scenarios.js';

/** The cast's password on the emulators (the demo prints it). */
export const DEMO_PASSWORD = 'Demo-Passw0rd!';

/** frank (help desk) raises the request at the gate, as the native console's request group would. */
async function raise(ctx: ScenarioContext, who: string, action: RecoveryAction): Promise<string> {
  const { tenant } = ctx;
  const event: NormalizedEvent = {
    id: `demo-${tenant.idp}-${who}-${action}-${Date.now()}`,
    idp: tenant.idp,
    kind: 'recovery_requested',
    sourceType: 'request raised at the gate',
    occurredAt: new Date().toISOString(),
    actor: { id: await tenant.id('frank'), type: 'user', displayName: 'frank' },
    subject: { userId: await tenant.id(who), login: null },
    action,
    authenticatorKind: null,
  };
  await ctx.gate.orchestrator.handleEvent(event);
  const subjectId = await tenant.id(who);
  const opened = await ctx.until(`the ${action} case for ${who}`, async () =>
    (await ctx.gate.orchestrator.listCases({ subjectId, kind: 'recovery', idp: tenant.idp })).find(
      (c) => c.action === action,
    ),
  );
  ctx.opened = opened.id;
  // The case is decided once its facts are read.
  await stateOf(ctx, opened.id, ['verifying', 'denied', 'executing', 'completed']);
  return opened.id;
}

/** Answers the gate's push on the subject's phone with the number the page shows; false when none waits. */
async function approvePush(ctx: ScenarioContext, id: string, who: string): Promise<boolean> {
  const userId = await ctx.tenant.id(who);
  const shown = await ctx.gate.orchestrator.pendingChallenge(id, userId);
  if (shown === null || !ctx.tenant.probes.answerDeviceChallenge) return false;
  ctx.say(`${who} approves the push on her phone, picking the number the verification page shows`);
  await ctx.tenant.probes.answerDeviceChallenge(userId, 'approve', shown.numberToMatch ?? null);
  await ctx.gate.orchestrator.pollChallenges();
  return true;
}

/** erin's password was in a breach list: the help desk resets it; she collects a temporary credential. */
export async function erinPasswordReset(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = "erin's password turned up in a breach list: the help desk resets it";
  const { tenant } = ctx;
  const erin = await tenant.id('erin');
  ctx.say("frank (help desk) asks the gate to reset erin's password");
  const id = await raise(ctx, 'erin', 'password_reset');
  if (!(await approvePush(ctx, id, 'erin'))) {
    ctx.say('erin signs in on the verification page with her password and second factor (step-up)');
    const facts = await tenant.adapter.readSubjectFacts(erin);
    const password = (facts.authenticators ?? []).find((a) => a.kind === 'password');
    await ctx.gate.orchestrator.recordEvidence(id, {
      kind: 'oidc_step_up',
      by: erin,
      authenticatorId: password?.id ?? null,
    });
  }
  await stateOf(ctx, id, ['executing', 'completed']);
  const status = (await tenant.adapter.readSubjectFacts(erin)).status;
  const old = (await tenant.probes.signInWithPassword?.(erin, DEMO_PASSWORD)) ?? null;
  ctx.say(
    `the gate resets the password at ${tenant.idp} (account status ${status}); her old password is ${old === null ? 'refused' : 'STILL ACCEPTED'}`,
  );
  ctx.say(
    'erin opens the "temporary access" link, proves she holds her phone (a code or a push), and sees the credential once',
  );
  const outcome = await collect(ctx, id, 'erin');
  const done = await stateOf(ctx, id, ['completed']);
  return {
    title,
    caseId: id,
    outcome: `password reset (${status}), old password ${old === null ? 'refused' : 'ACCEPTED'}; ${outcome}`,
    ok:
      done.state === 'completed' &&
      old === null &&
      ['password_expired', 'recovery'].includes(status) &&
      !outcome.includes('FAILS') &&
      !outcome.includes('ACCEPTED'),
  };
}

/** alice locked herself out: a push or a code to her phone on file, and her manager's approval, unlock her. */
export async function aliceLockedOut(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = 'alice locked herself out: the help desk unlocks her account';
  const { tenant } = ctx;
  const alice = await tenant.id('alice');
  const bound = (await tenant.adapter.readSubjectFacts(alice)).authenticators ?? [];
  const push = bound.some((a) => a.supportsDeviceChallenge && a.status === 'active');
  if (tenant.adapter.capabilities.device_challenge.supported && !push && tenant.probes.enrollAuthenticator) {
    // Her earlier recovery removed the app from her lost phone; she set it up again on the new one.
    ctx.say('alice set up her authenticator app on her new phone after her earlier recovery');
    await tenant.probes.enrollAuthenticator(alice);
  }
  if (tenant.probes.lockOut) {
    ctx.say('alice types a wrong password until the IdP locks her account');
    await tenant.probes.lockOut(alice);
  } else {
    // Entra's smart lockout is invisible to Graph and clears itself: the unlock runs on an active account.
    ctx.say(`${tenant.idp} shows no lockout through its API (smart lockout clears itself): alice is active`);
  }
  const before = (await tenant.adapter.readSubjectFacts(alice)).status;
  const id = await raise(ctx, 'alice', 'account_unlock');
  const facts = await tenant.adapter.readSubjectFacts(alice);
  const phone = (facts.channels ?? []).find((c) => c.kind === 'phone' && !c.isAccountMailbox && c.verified);
  if (!(await approvePush(ctx, id, 'alice'))) {
    if (phone !== undefined) {
      ctx.say(`alice enters the code sent to her phone on file (${phone.value.slice(0, -2)}**)`);
      await ctx.gate.orchestrator.recordEvidence(id, { kind: 'phone_otp', by: alice, channelId: phone.id });
    } else if (before !== 'locked') {
      ctx.say('alice signs in on the verification page with her password and second factor (step-up)');
      const password = (facts.authenticators ?? []).find((a) => a.kind === 'password');
      await ctx.gate.orchestrator.recordEvidence(id, {
        kind: 'oidc_step_up',
        by: alice,
        authenticatorId: password?.id ?? null,
      });
    } else ctx.say('alice has no push and no trusted phone, and cannot sign in: the case waits');
  }
  ctx.say('erin (manager) approves on the approval page: "she called me from her desk"');
  await ctx.gate.orchestrator.recordApproval(id, {
    approverId: await tenant.id('erin'),
    role: 'manager',
    decision: 'approve',
    reason: 'she called me from her desk',
  });
  const done = await stateOf(ctx, id, ['completed', 'failed', 'denied']);
  const after = (await tenant.adapter.readSubjectFacts(alice)).status;
  const signsIn = ((await tenant.probes.signInWithPassword?.(alice, DEMO_PASSWORD)) ?? null) !== null;
  const issued = done.journal.find((j) => j.step === 'issue')?.result;
  return {
    title,
    caseId: id,
    outcome: `account ${before} -> ${after}; alice ${signsIn ? 'signs in' : 'CANNOT sign in'} with her own password; no credential issued`,
    ok:
      done.state === 'completed' &&
      after === 'active' &&
      signsIn &&
      JSON.stringify(issued ?? {}).includes('no_credential'),
  };
}

/**
 * After the shared stories (alice's unlock after her lost phone, erin's reset after the stories that sign
 * her in with her seeded password): the list's own order.
 */
export const RESET_UNLOCK_SCENARIOS = [aliceLockedOut, erinPasswordReset] as const;
