/**
 * "This wasn't me": from the notice sent to the subject. The link token leaves the URL at once (kept in
 * the session), the page asks to confirm, and the confirmed post consumes the link and cancels the case,
 * which revokes what was issued. A recovery that already ran is repudiated instead: the engine revokes
 * the temporary credential, the authenticators bound since and every session, resets the password, and
 * opens an incident for security. No sign-in: whoever took the account
 * may hold its password.
 * @module
 */

import { isGateError } from '@recovery-gate/core';
import type { CaseView } from '../orchestrator/index.js';
import { hashToken } from '../orchestrator/links.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { ensureSession, linkRefused, loadSession, message, type PagesCtx, page, persist } from './context.js';
import { card, csrfField, html, pill, type SafeHtml, when } from './html.js';
import { peekLink, peekLinkHash } from './links.js';
import { recordRefusal, recordRefusalHash } from './refusals.js';
import { redirect } from './respond.js';
import type { Session } from './session.js';
import { statusCard } from './summary.js';

/** `GET /cancel/:token`. */
export async function cancelFromLink(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  await p.ready();
  const token = ctx.params.token ?? '';
  const link = await peekLink(p.deps().store, token, 'cancel', p.now());
  if (!link) {
    await recordRefusal(p, token, 'cancel', null);
    return linkRefused(p);
  }
  const { session } = await ensureSession(p, ctx);
  session.data.pendingLink = { tokenHash: hashToken(token), purpose: 'cancel', caseId: link.caseId };
  return redirect('/cancel', await persist(p, session));
}

function confirmForm(session: Session, label: string): SafeHtml {
  return html`<form method="post" action="/cancel">${csrfField(session.data.csrf)}
<div class="actions"><button class="btn btn-danger" type="submit">${label}</button></div>
</form>`;
}

function pendingBody(c: CaseView, session: Session): SafeHtml {
  return html`${statusCard(c, 'A recovery of your account is pending')}
${card(
  'Did you ask for this?',
  html`${c.notBefore ? html`<p>It is set to run after <strong>${when(c.notBefore)}</strong>.</p>` : null}
<p>If you did not ask the help desk to recover your account, stop it now. We will cancel the recovery, revoke anything it issued, and alert the security team.</p>
${confirmForm(session, "This wasn't me: stop it")}
<p class="hint">If you did ask for it, just close this page.</p>`,
  'card-wait',
)}`;
}

function ranBody(c: CaseView, session: Session): SafeHtml {
  return html`${statusCard(c, 'A recovery of your account ran')}
${card(
  'Did you ask for this?',
  html`<p>If you did not ask the help desk to recover your account, someone else may be using it. We will revoke the temporary access the recovery issued, remove the sign-in methods added since, put your password into reset, sign the account out everywhere, and alert the security team.</p>
${confirmForm(session, "This wasn't me: lock it down")}
<p class="hint">If you did ask for it, just close this page.</p>`,
  'card-bad',
)}`;
}

/** What each step of the repudiation incident undid, in the subject's words. */
const UNDONE: readonly (readonly [string, (result: Record<string, unknown>) => string])[] = [
  ['revoke_credential', () => 'The temporary access the recovery issued no longer works.'],
  [
    'remove_new',
    (r) => {
      const n = Array.isArray(r.removed) ? r.removed.length : 0;
      return n === 0
        ? 'No sign-in method had been added since the recovery began.'
        : `${n} sign-in method${n === 1 ? '' : 's'} added since the recovery began ${n === 1 ? 'was' : 'were'} removed.`;
    },
  ],
  ['reset_password', () => 'Your password is in reset: it no longer signs in.'],
  [
    'revoke',
    () =>
      'We asked your identity provider to sign your account out everywhere and revoke its tokens (this can take a few minutes to reach every app).',
  ],
  ['alert', () => 'The security team was alerted.'],
];

/**
 * The lock-down as the incident's journal records it: each step done, or still being retried (an IdP
 * failure leaves it owed, never skipped).
 */
async function undoneList(p: PagesCtx, recovery: CaseView): Promise<SafeHtml | null> {
  const incidents = await p.deps().engine.listCases({ subjectId: recovery.subjectId, kind: 'incident' });
  const mine = incidents.find((i) => i.reason === `repudiation:${recovery.id}`);
  const incident = mine ? await p.deps().engine.getCase(mine.id) : null;
  if (!incident) return null;
  const items = UNDONE.map(([step, say]) => {
    const entry = incident.journal.find((j) => j.step === step);
    const done = entry?.state === 'done';
    return html`<li><span>${done ? say(entry.result) : say({})}</span>${done ? pill('ok', 'done') : pill('wait', 'still trying')}</li>`;
  });
  return html`<ul class="steps" id="undone">${items}</ul>`;
}

/** `GET /cancel`: the confirmation. */
export async function cancelPage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const session = await loadSession(p, ctx);
  const pending = session?.data.pendingLink;
  if (!session || pending?.purpose !== 'cancel') return linkRefused(p, session);
  const c = await p.deps().engine.getCase(pending.caseId);
  if (!c) return linkRefused(p, session);
  const ran = c.state === 'completed' || c.state === 'repudiated';
  const body = ran ? ranBody(c, session) : pendingBody(c, session);
  return page(p, 200, 'Stop this recovery?', body, session);
}

/** `POST /cancel`. */
export async function cancelPost(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const session = await loadSession(p, ctx);
  const pending = session?.data.pendingLink;
  if (!session || pending?.purpose !== 'cancel') return linkRefused(p, session);
  const link = await peekLinkHash(p.deps().store, pending.tokenHash, 'cancel', p.now());
  delete session.data.pendingLink;
  await persist(p, session);
  if (!link?.personId) {
    await recordRefusalHash(p, pending.tokenHash, 'cancel', null);
    return linkRefused(p, session);
  }
  let ran = false;
  let caseId = '';
  try {
    const consumed = await p.deps().engine.consumeLinkHash(pending.tokenHash, 'cancel', link.personId);
    caseId = consumed.caseId;
    const state = (await p.deps().engine.getCase(consumed.caseId))?.state;
    ran = state === 'completed' || state === 'repudiated';
    await p.deps().engine.cancel(consumed.caseId, { by: link.personId, reason: "subject: this wasn't me" });
  } catch (error) {
    if (isGateError(error) && error.code === 'ERR_LINK_INVALID') {
      await recordRefusalHash(p, pending.tokenHash, 'cancel', link.personId);
      return linkRefused(p, session);
    }
    if (isGateError(error) && error.code === 'ERR_CASE_ILLEGAL_TRANSITION') {
      return message(
        p,
        409,
        'Already finished',
        'This recovery had already ended. If you think your account is at risk, contact the security team.',
        'bad',
        session,
      );
    }
    throw error;
  }
  const recovery = ran ? await p.deps().engine.getCase(caseId) : null;
  if (recovery) {
    const body = html`${statusCard(recovery, 'Access revoked')}
${card(
  'What we undid',
  html`${await undoneList(p, recovery)}<p>A security incident is open for your account. The security team will contact you to set up a new password and sign-in method.</p>`,
  'card-ok',
)}`;
    return page(p, 200, 'Access revoked', body, session);
  }
  return message(
    p,
    200,
    'Recovery stopped',
    'We cancelled the recovery, revoked anything it issued and alerted the security team. They may contact you.',
    'ok',
    session,
  );
}
