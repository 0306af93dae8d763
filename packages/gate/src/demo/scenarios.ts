/**
 * The demo's scripted recoveries on one tenant, driven through the running gate: the agent acts in the
 * native console, the gate's pollers open the case, evidence and approvals go through the case API the
 * verification and approval pages call, and the gate executes.
 * @module
 */

import { isGateError, type NormalizedEvent } from '@recovery-gate/core';
import { listAudit } from '../audit/index.js';
import type { Gate } from '../service.js';
import type { DemoTenant } from './tenants.js';

/** What a scenario reports. */
export interface ScenarioResult {
  readonly title: string;
  readonly caseId: string | null;
  /** What the demo checked against the emulator, in a sentence. */
  readonly outcome: string;
  readonly ok: boolean;
}

/** What scenarios get. */
export interface ScenarioContext {
  readonly gate: Gate;
  readonly tenant: DemoTenant;
  readonly say: (line: string) => void;
  /** Polls until `check` returns a value, or throws after `ms`. */
  readonly until: <T>(what: string, check: () => Promise<T | null | undefined>, ms?: number) => Promise<T>;
  /** The case the running scenario opened last (for the timeline when a scenario fails). */
  opened: string | null;
}

function mask(secret: string): string {
  // No character of a credential reaches the terminal, not even of a used one: only its length.
  return `[${secret.length} characters, redacted]`;
}

/** Waits until the gate has a case of `kind` for the cast member `who`. */
export async function waitForCase(
  ctx: ScenarioContext,
  who: string,
  kind: 'recovery' | 'incident',
  wait = 20_000,
) {
  const subjectId = await ctx.tenant.id(who);
  const found = await ctx.until(
    `a ${kind} case for ${who}`,
    async () => (await ctx.gate.orchestrator.listCases({ subjectId, kind, idp: ctx.tenant.idp }))[0],
    wait,
  );
  ctx.opened = found.id;
  return found;
}

/** Ticks the engine until the case reaches one of `states`. */
export async function stateOf(ctx: ScenarioContext, id: string, states: readonly string[], ms = 20_000) {
  return ctx.until(
    `case ${id} to reach ${states.join(' or ')}`,
    async () => {
      await ctx.gate.orchestrator.tick();
      const c = await ctx.gate.orchestrator.getCase(id);
      return c !== null && states.includes(c.state) ? c : null;
    },
    ms,
  );
}

/** Waits until the gate has finished opening the case: decided, and its audit trail quiet for a moment. */
async function settled(ctx: ScenarioContext, id: string): Promise<string> {
  let last = -1;
  await ctx.until(`case ${id} to be opened`, async () => {
    const c = await ctx.gate.orchestrator.getCase(id);
    if (c === null || c.state === 'requested') return null;
    const count = (await listAudit(ctx.gate.store, { caseId: id })).length;
    const quiet = count === last;
    last = count;
    return quiet ? c : null;
  });
  return id;
}

/** Claims the credential, retrying while a background step holds the case. */
async function claim(ctx: ScenarioContext, id: string, userId: string) {
  return ctx.until(`the credential of case ${id}`, async () => {
    try {
      return await ctx.gate.orchestrator.claimCredential(id, userId);
    } catch (error) {
      if (isGateError(error, 'ERR_IDP_CONFLICT')) return null;
      throw error;
    }
  });
}

/** The agent raises a request in the native console; the gate's poller opens the case. */
export async function nativeRequest(ctx: ScenarioContext, who: string): Promise<string> {
  const { tenant, say } = ctx;
  say(`frank (help desk) adds ${who} to the mfa_reset request group in the ${tenant.idp} console`);
  try {
    await tenant.probes.nativeRequest?.(await tenant.id(who));
    return await settled(ctx, (await waitForCase(ctx, who, 'recovery', 15_000)).id);
  } catch {
    // Guardrails keep privileged users out of the help desk's reach in some consoles: the security team
    // raises the same request at the gate instead.
    say(
      `the ${tenant.idp} console refuses (guardrail: privileged users are out of the help desk's reach); frank raises it at the gate instead`,
    );
    const event: NormalizedEvent = {
      id: `demo-${tenant.idp}-${who}-${Date.now()}`,
      idp: tenant.idp,
      kind: 'recovery_requested',
      sourceType: 'request raised at the gate',
      occurredAt: new Date().toISOString(),
      actor: { id: await tenant.id('frank'), type: 'user', displayName: 'frank' },
      subject: { userId: await tenant.id(who), login: null },
      action: 'mfa_reset',
      authenticatorKind: null,
    };
    await ctx.gate.orchestrator.handleEvent(event);
    return await settled(ctx, (await waitForCase(ctx, who, 'recovery')).id);
  }
}

/**
 * Gives a standard case its two proofs: the subject's own (a code to a verified phone on file, else a
 * step-up sign-in on the verification page with the password still bound) and the manager's approval.
 * `impostor`: the caller only holds the phone number on file and answers its code.
 */
export async function prove(ctx: ScenarioContext, id: string, who: string, impostor = false): Promise<void> {
  const userId = await ctx.tenant.id(who);
  const facts = await ctx.tenant.adapter.readSubjectFacts(userId);
  const phone = (facts.channels ?? []).find((c) => c.kind === 'phone' && !c.isAccountMailbox);
  if (phone !== undefined && (impostor || phone.verified)) {
    const masked = `${phone.value.slice(0, -2)}**`;
    ctx.say(
      `${impostor ? 'the caller' : who} enters the one-time code sent to the phone on file (${masked})`,
    );
    await ctx.gate.orchestrator.recordEvidence(id, { kind: 'phone_otp', by: userId, channelId: phone.id });
  } else {
    const password = (facts.authenticators ?? []).find((a) => a.kind === 'password' && a.status === 'active');
    ctx.say(
      `${who} signs in on the verification page with the password still bound (no verified phone on file)`,
    );
    await ctx.gate.orchestrator.recordEvidence(id, {
      kind: 'oidc_step_up',
      by: userId,
      authenticatorId: password?.id ?? null,
    });
  }
  ctx.say(`erin (manager) approves on the approval page: "confirmed on a video call"`);
  await ctx.gate.orchestrator.recordApproval(id, {
    approverId: await ctx.tenant.id('erin'),
    role: 'manager',
    decision: 'approve',
    reason: 'confirmed on a video call',
  });
}

/** The subject collects the credential once; the emulator checks it signs in. */
export async function collect(ctx: ScenarioContext, id: string, who: string): Promise<string> {
  const { tenant } = ctx;
  const userId = await tenant.id(who);
  const claimed = await claim(ctx, id, userId);
  const secret = claimed.secret.reveal();
  const works = await tenant.probes.signInWithTemporaryCredential(userId, secret);
  const again = await tenant.probes.signInWithTemporaryCredential(userId, secret);
  return `${claimed.kind} ${mask(secret)} shown once to ${who} on the verification page; it ${works ? 'signs in' : 'FAILS'}, a second use is ${again ? 'ACCEPTED' : 'refused'}`;
}
