/**
 * Asking for evidence and approvals when a case starts verifying: a device challenge where the IdP
 * has one, verification links over channels on file that pass the freshness rules (never the account's
 * own mailbox), and approval links to the approvers the tier names. Each ask happens once; evidence the
 * subject gave that has since grown older than the tier allows (the case waited for an approver, or for an
 * IdP outage to end) is asked for once more per stale proof, so the case does not wait for a proof the
 * subject does not know is needed. An approval that went stale is asked for once more, of the person who
 * gave it, who may then renew it (one person still approves a case once: the renewal replaces it).
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { Channel, SubjectFacts } from '@recovery-gate/core';
import type { Notification } from '../types.js';
import { type Ctx, errorText, notify } from './context.js';
import { createLinkRow } from './links.js';
import type { ApproverRole, CaseRecord, StaleApproval, TierRequirements } from './model.js';
import { journalEntries, writeJournal, writeJournalStarted } from './repo.js';

/** Evidence kinds the subject produces on the verification page. */
const PAGE_KINDS = ['oidc_step_up', 'phone_otp', 'recovery_code', 'idp_recovery_code', 'idv_ial2'];
/** Evidence kinds that are approvals by someone in a role. */
const APPROVAL_KIND_ROLE: Readonly<Record<string, ApproverRole>> = {
  manager_approval: 'manager',
  sponsor_approval: 'sponsor',
  second_agent_approval: 'second_agent',
  security_team_approval: 'security_team',
};

/** Channels that may carry a verification link: verified, not the account mailbox, on file long enough. */
export function trustedChannels(facts: SubjectFacts, minAgeSeconds: number, now: Date): Channel[] {
  return (facts.channels ?? []).filter((ch) => {
    if (ch.isAccountMailbox || !ch.verified || ch.lastChangedAt === null) return false;
    return now.getTime() - Date.parse(ch.lastChangedAt) >= minAgeSeconds * 1000;
  });
}

/**
 * Runs `fn`, an ask not done yet whose step `ask:<key>` the caller journaled `started`, and journals it done
 * (or pending with the error: a failure is retried on the next tick).
 */
async function once(
  ctx: Ctx,
  c: CaseRecord,
  key: string,
  fn: () => Promise<Record<string, unknown>>,
): Promise<boolean> {
  const step = `ask:${key}`;
  try {
    const result = await fn();
    await writeJournal(ctx.deps.store, c.id, step, 'done', ctx.now(), { result });
    return true;
  } catch (error) {
    await writeJournal(ctx.deps.store, c.id, step, 'pending', ctx.now(), { error: errorText(error) });
    ctx.deps.logger.warn('asking for evidence failed', { caseId: c.id, step, error: errorText(error) });
    return false;
  }
}

/**
 * Tells the subject, on each trusted channel, to look at their phone and which number to pick (number
 * matching: Okta Verify approves only with the number the gate shows), with a link to the verification page,
 * which shows the number too. Without the number a real user cannot complete the push.
 */
async function tellNumber(
  ctx: Ctx,
  c: CaseRecord,
  channels: readonly Channel[],
  n: number,
  round: number,
): Promise<void> {
  for (const ch of channels) {
    const link = await createLinkRow(ctx.deps.store, {
      caseId: c.id,
      personId: c.subjectId,
      purpose: 'verify',
      ttlSeconds: ctx.options.linkTtlSeconds,
      now: ctx.now(),
      baseUrl: ctx.deps.baseUrl,
      channelId: ch.id,
    });
    await notify(ctx, {
      to: { kind: ch.kind, address: ch.value },
      subject: 'Look at your phone to confirm your account recovery',
      text:
        (round === 0
          ? `A recovery (${c.action}) was requested for your account and your phone got a sign-in request. `
          : `Your confirmation of the recovery (${c.action}) of your account is older than its policy allows, so your phone got a new sign-in request. `) +
        `If you asked for it, pick ${n} in the app. If you did not, deny it: someone else is asking.`,
      links: [{ label: 'Open your recovery', url: link.url }],
      idempotencyKey: `${c.id}:device:${ch.id}${again(round)}`,
    });
  }
}

async function askDevice(
  ctx: Ctx,
  c: CaseRecord,
  facts: SubjectFacts,
  req: TierRequirements,
  round: number,
): Promise<Record<string, unknown>> {
  const provider = ctx.provider(c.idp);
  const device = (facts.authenticators ?? []).find((a) => a.supportsDeviceChallenge && a.status === 'active');
  if (!provider.capabilities.device_challenge.supported || !device) return { skipped: 'no_device' };
  const challenge = await provider.startDeviceChallenge(c.subjectId);
  const now = ctx.now().toISOString();
  await ctx.deps.store.query(
    `INSERT INTO challenges (id, case_id, idp, user_id, challenge, state, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)`,
    [randomUUID(), c.id, c.idp, c.subjectId, JSON.stringify(challenge), now],
  );
  await ctx.deps.audit.append({
    type: 'case.challenge_started',
    caseId: c.id,
    actor: 'gate',
    data: {
      challengeId: challenge.id,
      authenticatorId: challenge.authenticatorId,
      ...(round === 0 ? {} : { round }),
    },
  });
  if (challenge.numberToMatch !== null) {
    await tellNumber(
      ctx,
      c,
      trustedChannels(facts, req.channelMinAgeSeconds, ctx.now()),
      challenge.numberToMatch,
      round,
    );
  }
  return { challengeId: challenge.id, authenticatorId: challenge.authenticatorId };
}

async function askVerify(ctx: Ctx, c: CaseRecord, facts: SubjectFacts, req: TierRequirements, round: number) {
  const channels = trustedChannels(facts, req.channelMinAgeSeconds, ctx.now());
  for (const ch of channels) {
    const link = await createLinkRow(ctx.deps.store, {
      caseId: c.id,
      personId: c.subjectId,
      purpose: 'verify',
      ttlSeconds: ctx.options.linkTtlSeconds,
      now: ctx.now(),
      baseUrl: ctx.deps.baseUrl,
      channelId: ch.id,
    });
    await notify(ctx, {
      to: { kind: ch.kind, address: ch.value },
      subject: round === 0 ? 'Confirm your account recovery' : 'Confirm your account recovery again',
      text:
        round === 0
          ? `A recovery (${c.action}) was requested for your account. If you asked for it, confirm here.`
          : `Your confirmation of the recovery (${c.action}) of your account is older than its policy allows, so it no longer counts. If you still want the recovery, confirm again here.`,
      links: [{ label: 'Verify', url: link.url }],
      idempotencyKey: `${c.id}:verify:${ch.id}${again(round)}`,
    });
  }
  await ctx.deps.audit.append({
    type: 'case.verification_sent',
    caseId: c.id,
    actor: 'gate',
    data: { channels: channels.map((ch) => ch.id), ...(round === 0 ? {} : { round }) },
  });
  return { channels: channels.map((ch) => ch.id) };
}

/** The roles to ask, with counts: the tier's approvals plus approval kinds named as evidence. */
export function rolesToAsk(req: TierRequirements): Map<ApproverRole, number> {
  const roles = new Map<ApproverRole, number>();
  for (const a of req.approvals) roles.set(a.role, Math.max(roles.get(a.role) ?? 0, a.count));
  for (const kind of req.evidenceKinds) {
    const role = APPROVAL_KIND_ROLE[kind];
    if (role && !roles.has(role)) roles.set(role, 1);
  }
  return roles;
}

async function approverAddress(ctx: Ctx, c: CaseRecord, personId: string): Promise<Notification['to']> {
  const facts = await ctx.provider(c.idp).readSubjectFacts(personId);
  const email = (facts.channels ?? []).find((ch) => ch.kind === 'email');
  return email ? { kind: 'email', address: email.value } : { kind: 'security' };
}

async function askRole(ctx: Ctx, c: CaseRecord, facts: SubjectFacts, role: ApproverRole, count: number) {
  const named = role === 'manager' ? facts.manager : role === 'sponsor' ? facts.sponsor : null;
  if ((role === 'manager' || role === 'sponsor') && !named) return { skipped: `no_${role}` };
  const links = named ? 1 : count;
  for (let i = 0; i < links; i += 1) {
    const link = await createLinkRow(ctx.deps.store, {
      caseId: c.id,
      personId: named?.id ?? null,
      purpose: 'approve',
      ttlSeconds: ctx.options.linkTtlSeconds,
      now: ctx.now(),
      baseUrl: ctx.deps.baseUrl,
      role,
    });
    await notify(ctx, {
      to: named ? await approverAddress(ctx, c, named.id) : { kind: 'security' },
      subject: `Approval needed: ${c.action} for ${c.subjectLogin ?? c.subjectId}`,
      text: `Your approval as ${role} is requested for a recovery (case ${c.id}).`,
      links: [{ label: 'Review', url: link.url }],
      idempotencyKey: `${c.id}:approve:${role}:${i}`,
    });
  }
  await ctx.deps.audit.append({
    type: 'case.approval_requested',
    caseId: c.id,
    actor: 'gate',
    data: { role, links, person: named?.id ?? null },
  });
  return { role, links, person: named?.id ?? null };
}

/**
 * Asks the approver whose approval went stale to renew it: the first ask's notification, to them, with a
 * link bound to them and the role, saying it is a renewal.
 */
async function askRenewal(ctx: Ctx, c: CaseRecord, stale: StaleApproval, key: string) {
  const link = await createLinkRow(ctx.deps.store, {
    caseId: c.id,
    personId: stale.personId,
    purpose: 'approve',
    ttlSeconds: ctx.options.linkTtlSeconds,
    now: ctx.now(),
    baseUrl: ctx.deps.baseUrl,
    role: stale.role,
  });
  await notify(ctx, {
    to: await approverAddress(ctx, c, stale.personId),
    subject: `Approval needed again: ${c.action} for ${c.subjectLogin ?? c.subjectId}`,
    text: `Your approval as ${stale.role} of a recovery (case ${c.id}) is older than its policy allows, so it no longer counts. If you still approve, renew it here.`,
    links: [{ label: 'Review', url: link.url }],
    idempotencyKey: `${c.id}:${key}`,
  });
  const data = { role: stale.role, links: 1, person: stale.personId, renewal: true, staleAt: stale.at };
  await ctx.deps.audit.append({ type: 'case.approval_requested', caseId: c.id, actor: 'gate', data });
  return data;
}

/** The suffix of a repeated ask's journal step and notification keys; none for the first ask. */
const again = (round: number): string => (round === 0 ? '' : `:again:${round}`);

/**
 * Asks for everything the tier needs; each ask happens once per case, and the subject's asks once more for
 * each proof of theirs that has gone stale (`staleEvidence`, from the pending decision): round n is
 * journaled as `ask:<key>:again:<n>`, so a crash or a retry never sends a round twice, and the rounds are
 * bounded by the proofs the subject actually gave. Each approval that went stale (`staleApprovals`) is asked
 * for once more of its approver, journaled as `ask:approve:<role>:again:<person>:<its time in epoch ms>`, so
 * a renewal that goes stale in its turn is asked for once more too. Returns false when one must be retried.
 */
export async function askForEvidence(
  ctx: Ctx,
  c: CaseRecord,
  facts: SubjectFacts,
  req: TierRequirements,
  staleEvidence: readonly string[] = [],
  staleApprovals: readonly StaleApproval[] = [],
): Promise<boolean> {
  const asks: [key: string, fn: () => Promise<Record<string, unknown>>][] = [];
  if (req.evidenceKinds.includes('device_challenge')) {
    const round = staleEvidence.filter((k) => k === 'device_challenge').length;
    asks.push([`device_challenge${again(round)}`, () => askDevice(ctx, c, facts, req, round)]);
  }
  if (req.evidenceKinds.some((k) => PAGE_KINDS.includes(k))) {
    const round = staleEvidence.filter((k) => PAGE_KINDS.includes(k)).length;
    asks.push([`verify${again(round)}`, () => askVerify(ctx, c, facts, req, round)]);
  }
  for (const [role, count] of rolesToAsk(req)) {
    asks.push([`approve:${role}`, () => askRole(ctx, c, facts, role, count)]);
  }
  for (const stale of staleApprovals) {
    const key = `approve:${stale.role}:again:${stale.personId}:${Date.parse(stale.at)}`;
    asks.push([key, () => askRenewal(ctx, c, stale, key)]);
  }
  if (asks.length === 0) return true;
  // Each ask happens once per case: its step done means it was made. Every ask's entry is read in one
  // statement, and the ones to make are journaled started in one, before any of them runs. Only this
  // advance writes `ask:` steps, under the case's lock, so the entries read here stay current.
  const entries = await journalEntries(
    ctx.deps.store,
    c.id,
    asks.map(([key]) => `ask:${key}`),
  );
  const todo = asks.filter(([key]) => entries.get(`ask:${key}`)?.state !== 'done');
  if (todo.length === 0) return true;
  await writeJournalStarted(
    ctx.deps.store,
    c.id,
    todo.map(([key]) => `ask:${key}`),
    ctx.now(),
  );
  let ok = true;
  for (const [key, fn] of todo) ok = (await once(ctx, c, key, fn)) && ok;
  return ok;
}
