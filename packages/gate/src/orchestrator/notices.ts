/**
 * Notices to the subject: the hold notice and the completion notice, each with a "this wasn't me" link on
 * every channel on file, and the "your access is ready" notice with a reveal link.
 * @module
 */

import type { Channel } from '@recovery-gate/core';
import { type Ctx, notify } from './context.js';
import { createLinkRow } from './links.js';
import type { CaseRecord } from './model.js';
import { journalEntry, writeJournal } from './repo.js';

function channelsOnFile(c: CaseRecord): readonly Channel[] {
  return c.facts?.channels ?? [];
}

/** Tells the subject about the hold on every channel on file, each with its own cancel link; false when a notice was not accepted. */
export async function sendHoldNotice(ctx: Ctx, c: CaseRecord, notBefore: string): Promise<boolean> {
  const req = c.decision?.requirements;
  if (req && !req.holdNotice) return true;
  let ok = true;
  for (const ch of channelsOnFile(c)) {
    const link = await cancelLink(ctx, c, ch, notBefore);
    const sent = await notify(ctx, {
      to: { kind: ch.kind, address: ch.value },
      subject: 'A recovery of your account is pending',
      text:
        `A recovery (${c.action}) of your account will run after ${notBefore}. ` +
        'If you did not ask for it, use the link: it stops the recovery and alerts security.',
      ...(link ? { links: [{ label: "This wasn't me", url: link }] } : {}),
      idempotencyKey: `${c.id}:hold:${ch.id}`,
    });
    ok &&= sent;
  }
  await ctx.deps.audit.append({
    type: 'case.hold_notice',
    caseId: c.id,
    actor: 'gate',
    data: { notBefore, channels: channelsOnFile(c).map((ch) => ch.id) },
  });
  return ok;
}

async function cancelLink(ctx: Ctx, c: CaseRecord, ch: Channel, notBefore: string): Promise<string | null> {
  if (c.decision && !c.decision.requirements.cancelLink) return null;
  const holdLeft = (Date.parse(notBefore) - ctx.now().getTime()) / 1000;
  const link = await createLinkRow(ctx.deps.store, {
    caseId: c.id,
    personId: c.subjectId,
    purpose: 'cancel',
    ttlSeconds: Math.max(ctx.options.linkTtlSeconds, holdLeft + 3600),
    now: ctx.now(),
    baseUrl: ctx.deps.baseUrl,
    channelId: ch.id,
  });
  return link.url;
}

/**
 * How long the "this wasn't me" link of a completion notice works: a subject away for a week still reads
 * the notice in time, and a link that lives for months would be a standing lever on the account.
 */
export const REPUDIATE_LINK_TTL_SECONDS = 7 * 86_400;

/** Tells the subject (over verified channels) that the credential can be collected on the verification page. */
export async function sendReadyNotice(ctx: Ctx, c: CaseRecord, channels: readonly Channel[]): Promise<void> {
  for (const ch of channels) {
    const link = await createLinkRow(ctx.deps.store, {
      caseId: c.id,
      personId: c.subjectId,
      purpose: 'reveal',
      ttlSeconds: ctx.options.linkTtlSeconds,
      now: ctx.now(),
      baseUrl: ctx.deps.baseUrl,
      channelId: ch.id,
    });
    // Execution has begun: "this wasn't me" now stops it and revokes what was issued.
    const stop = await createLinkRow(ctx.deps.store, {
      caseId: c.id,
      personId: c.subjectId,
      purpose: 'cancel',
      ttlSeconds: Math.max(ctx.options.linkTtlSeconds, REPUDIATE_LINK_TTL_SECONDS),
      now: ctx.now(),
      baseUrl: ctx.deps.baseUrl,
      channelId: ch.id,
    });
    await notify(ctx, {
      to: { kind: ch.kind, address: ch.value },
      subject: 'Your account recovery is ready',
      text:
        'Sign in on the verification page to collect your temporary access credential. It is shown once. ' +
        'If you did not ask for it, use the other link: it stops the recovery and alerts security.',
      links: [
        { label: 'Collect', url: link.url },
        { label: "This wasn't me", url: stop.url },
      ],
      idempotencyKey: `${c.id}:ready:${ch.id}`,
    });
  }
}

/**
 * Tells the subject on every channel on file that the recovery ran (SP 800-63B-4 §4.2.3), each notice with
 * its own single-use "this wasn't me" link: it repudiates the recovery and locks the account down.
 */
export async function sendDoneNotice(ctx: Ctx, c: CaseRecord): Promise<void> {
  // After a crash mid-send the IdP may not have sent the link: then the subject is not told it worked.
  const uncertain = (await journalEntry(ctx.deps.store, c.id, 'deliver'))?.result.uncertain === true;
  for (const ch of channelsOnFile(c)) {
    // A resumed notify step (the process died mid-step) does not send a channel its notice twice.
    const sentStep = `sent:done:${ch.id}`;
    if ((await journalEntry(ctx.deps.store, c.id, sentStep))?.state === 'done') continue;
    const link = await createLinkRow(ctx.deps.store, {
      caseId: c.id,
      personId: c.subjectId,
      purpose: 'cancel',
      ttlSeconds: Math.max(ctx.options.linkTtlSeconds, REPUDIATE_LINK_TTL_SECONDS),
      now: ctx.now(),
      baseUrl: ctx.deps.baseUrl,
      channelId: ch.id,
    });
    const sent = await notify(ctx, {
      to: { kind: ch.kind, address: ch.value },
      subject: uncertain ? 'Your account recovery may need a new request' : 'Your account was recovered',
      text:
        (uncertain
          ? `A recovery (${c.action}) of your account ran (case ${c.id}), but we cannot confirm the email ` +
            'with your recovery link was sent. If it did not arrive, ask the help desk for a new request. '
          : `A recovery (${c.action}) of your account completed (case ${c.id}). `) +
        'If this was not you, use the link: it revokes what the recovery gave, signs the account out ' +
        'everywhere, removes the sign-in methods added since, and alerts security.',
      links: [{ label: "This wasn't me", url: link.url }],
      idempotencyKey: `${c.id}:done:${ch.id}`,
    });
    if (sent) await writeJournal(ctx.deps.store, c.id, sentStep, 'done', ctx.now());
  }
}
