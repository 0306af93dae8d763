/**
 * The subject's verification page: status, the evidence steps the tier allows (step-up sign-in, a code
 * to a phone on file, a saved recovery code), and, once the case executes, the credential shown once
 * after a fresh step-up (or where the IdP mailed it, masked).
 * @module
 */

import { isGateError } from '@recovery-gate/core';
import { maskAddress } from '../log.js';
import { errorText } from '../orchestrator/context.js';
import {
  type CaseView,
  type ClaimedCredential,
  deliveryOf,
  type PendingChallenge,
} from '../orchestrator/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { codesCard } from './codes.js';
import { loadSession, message, type PagesCtx, page, persist } from './context.js';
import { card, csrfField, html, notice, pill, type SafeHtml } from './html.js';
import { idvStep } from './idv.js';
import { neededList } from './needed.js';
import { checkOtp, otpPending, otpPhones, sendOtp } from './otp.js';
import { readForm, redirect } from './respond.js';
import type { Session } from './session.js';
import { beginSignIn } from './signin.js';
import { evidenceList, statusCard } from './summary.js';

/** The subject's session for a case, or null when this session is not the verified subject of it. */
export async function subjectSession(
  p: PagesCtx,
  ctx: RequestContext,
): Promise<{ readonly session: Session; readonly c: CaseView } | null> {
  const session = await loadSession(p, ctx);
  const caseId = ctx.params.caseId ?? '';
  if (!session?.data.sub || session.data.caseId !== caseId) return null;
  if (session.data.purpose !== 'verify' && session.data.purpose !== 'reveal') return null;
  const c = await p.deps().engine.getCase(caseId);
  if (!c || c.subjectId !== session.data.sub) return null;
  return { session, c };
}

function notYours(p: PagesCtx): RouteResponse {
  return message(
    p,
    403,
    'Sign in from your link',
    'Open the link you received to sign in to this recovery.',
    'bad',
  );
}

function has(c: CaseView, kind: string): boolean {
  return c.evidence.some((e) => e.kind === kind && e.outcome === 'passed');
}

function stepUpStep(c: CaseView): SafeHtml {
  if (has(c, 'oidc_step_up')) return html`<li><span>Multi-factor sign-in</span>${pill('ok', 'done')}</li>`;
  return html`<li><span>Multi-factor sign-in</span><a class="btn" href="/verify/case/${c.id}/step-up">Sign in again with MFA</a></li>`;
}

function otpStep(p: PagesCtx, c: CaseView, session: Session, sent: boolean): SafeHtml {
  if (has(c, 'phone_otp')) return html`<li><span>Code to your phone</span>${pill('ok', 'done')}</li>`;
  const phones = otpPhones(c, p.now());
  if (phones.length === 0)
    return html`<li><span>Code to your phone</span><span>No phone on file can be used</span></li>`;
  const choices = phones.map(
    (ph, i) =>
      html`<label class="choice"><input type="radio" name="channel" value="${ph.id}"${i === 0 ? html` checked` : null}> ${maskAddress(ph.value)}</label>`,
  );
  const check = sent
    ? html`<form method="post" action="/verify/case/${c.id}/otp/check">${csrfField(session.data.csrf)}
<div class="field"><label for="otp">Code we sent you</label><input id="otp" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required>
<p class="hint">Six digits. Never share it with anyone, including the help desk.</p></div>
<button class="btn" type="submit">Check code</button></form>`
    : null;
  return html`<li><div><form method="post" action="/verify/case/${c.id}/otp/send">${csrfField(session.data.csrf)}
<fieldset><legend>Code to your phone</legend>${choices}</fieldset>
<button class="btn btn-quiet" type="submit">${sent ? 'Send a new code' : 'Send me a code'}</button></form>${check}</div></li>`;
}

function recoveryCodeStep(c: CaseView, session: Session, left: number): SafeHtml {
  if (has(c, 'recovery_code')) return html`<li><span>Saved recovery code</span>${pill('ok', 'done')}</li>`;
  if (left === 0)
    return html`<li><span>Saved recovery code</span><span>You have no unused recovery codes</span></li>`;
  return html`<li><form method="post" action="/verify/case/${c.id}/recovery-code">${csrfField(session.data.csrf)}
<div class="field"><label for="rc">Saved recovery code</label><input id="rc" name="code" type="text" autocomplete="off" required></div>
<button class="btn btn-quiet" type="submit">Use recovery code</button></form></li>`;
}

/** The push step: the number to pick in the authenticator app (number matching), shown to the subject only. */
function deviceStep(c: CaseView, push: PendingChallenge | null): SafeHtml {
  if (has(c, 'device_challenge'))
    return html`<li><span>Approve on your phone</span>${pill('ok', 'done')}</li>`;
  if (!push)
    return html`<li><span>Approve on your phone</span><span>No request is waiting on your phone</span></li>`;
  return html`<li><div><p><strong>Approve on your phone.</strong> Your phone shows a sign-in request. Pick this number:</p>
<p class="number-match" aria-label="Number to pick">${String(push.numberToMatch)}</p>
<p class="hint">Only if you asked for this recovery. If you did not, deny it on your phone. Then reload this page.</p></div></li>`;
}

function deliveredTo(c: CaseView): string | null {
  const deliver = c.journal.find((j) => j.step === 'deliver' && j.state === 'done');
  const id = deliver?.result.deliveredTo;
  if (typeof id !== 'string') return null;
  const ch = (c.facts?.channels ?? []).find((x) => x.id === id);
  return ch ? maskAddress(ch.value) : null;
}

function nextBody(
  p: PagesCtx,
  c: CaseView,
  session: Session,
  otpSent: boolean,
  push: PendingChallenge | null,
  codesLeft: number | null,
  idv: SafeHtml | null = null,
): SafeHtml | null {
  const kinds = c.decision?.requirements.evidenceKinds ?? [];
  const settings = p.deps().providers.get(c.idp)?.settings;
  // Without its provider the gate cannot issue at all; the page then says nothing about an IdP's email.
  const idpDelivers = settings !== undefined && deliveryOf(c, settings) === 'idp';
  if (c.state === 'verifying' || c.state === 'requested') {
    const steps = [
      kinds.includes('device_challenge') ? deviceStep(c, push) : null,
      kinds.includes('oidc_step_up') ? stepUpStep(c) : null,
      kinds.includes('phone_otp') ? otpStep(p, c, session, otpSent) : null,
      kinds.includes('recovery_code') && codesLeft !== null ? recoveryCodeStep(c, session, codesLeft) : null,
      kinds.includes('idv_ial2') ? idv : null,
    ].filter((s) => s !== null);
    return card(
      'Prove it is you',
      html`${neededList(c, { now: p.now(), recoveryCodes: codesLeft !== null && codesLeft > 0 })}<ul class="steps">${steps.length > 0 ? steps : html`<li>No step for you right now: approvers are being asked.</li>`}</ul>`,
    );
  }
  if (c.state === 'held') {
    return card(
      'On hold',
      html`<p>For your protection the recovery runs after ${c.notBefore ?? 'the hold'}. We told you on every channel on file.</p>`,
    );
  }
  const to = deliveredTo(c);
  if (idpDelivers && to) {
    return card(
      'Check your email',
      html`<p>The identity provider sent a one-time link to <strong>${to}</strong>. It works once and expires soon.</p>`,
      'card-ok',
    );
  }
  if (c.state === 'executing' && !idpDelivers && c.action === 'password_reset') {
    // The reset made the password unusable: the collect link's possession proof replaces the sign-in.
    return card(
      'Your temporary access is ready',
      html`<p>Open the link in the message “Your account recovery is ready” that we just sent to your phone or email. You will prove you hold your device or phone, then see it once.</p>`,
      'card-info',
    );
  }
  if (c.state === 'completed' && c.action === 'account_unlock') {
    return card(
      'Your account is unlocked',
      html`<p>Sign in as usual, with the password you know.</p>`,
      'card-ok',
    );
  }
  if (c.state === 'executing' && !idpDelivers) {
    return card(
      'Your temporary access is ready',
      html`<p>Sign in once more to see it. It is shown one time only.</p><div class="actions"><a class="btn" href="/verify/case/${c.id}/collect">Sign in to view it</a></div>`,
      'card-info',
    );
  }
  return null;
}

/** `GET /verify/case/:caseId`. */
export async function verifyPage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const found = await subjectSession(p, ctx);
  if (!found) return notYours(p);
  const { session, c } = found;
  const flash = session.data.flash;
  if (flash) {
    delete session.data.flash;
    await persist(p, session);
  }
  const otpSent = await otpPending(p.deps().store, c.id, p.now());
  const push = await p.deps().engine.pendingChallenge(c.id, c.subjectId);
  const attempt = (await p.deps().idv?.latest(c.id)) ?? null;
  const codes = p.codes();
  const codesLeft = codes ? ((await codes.status(c.idp, c.subjectId))?.remaining ?? 0) : null;
  const body = html`${flash ? notice('info', flash) : null}${statusCard(c, 'Your account recovery')}
${nextBody(p, c, session, otpSent, push, codesLeft, idvStep(p, c, session, attempt))}
${card('What we have so far', evidenceList(c, false))}`;
  return page(p, 200, 'Verify your recovery', body, session);
}

/** `GET /verify/case/:caseId/step-up` and `/collect`: a fresh sign-in with step-up. */
export async function verifySignIn(
  p: PagesCtx,
  ctx: RequestContext,
  intent: 'stepup' | 'collect',
): Promise<RouteResponse> {
  const found = await subjectSession(p, ctx);
  if (!found) return notYours(p);
  const mode = intent === 'collect' ? 'fresh' : 'stepup';
  return beginSignIn(p, found.session, { idp: found.c.idp, intent, caseId: found.c.id, mode });
}

async function back(p: PagesCtx, session: Session, caseId: string, flash: string): Promise<RouteResponse> {
  session.data.flash = flash;
  return redirect(`/verify/case/${encodeURIComponent(caseId)}`, await persist(p, session));
}

/** The form posts of the verification page. */
export async function verifyPost(
  p: PagesCtx,
  ctx: RequestContext,
  what: 'send' | 'check' | 'rc',
): Promise<RouteResponse> {
  const form = await readForm(ctx);
  const found = await subjectSession(p, ctx);
  if (!found) return notYours(p);
  const { session, c } = found;
  const by = session.data.sub as string;
  try {
    if (what === 'send') {
      const phone = otpPhones(c, p.now()).find((ph) => ph.id === form.get('channel'));
      if (!phone) return back(p, session, c.id, 'Choose a phone on file.');
      const { store, notifier } = p.deps();
      if (!(await sendOtp(store, notifier, p.settings.sessionSecret, session, c, phone, p.now())))
        return back(p, session, c.id, 'Too many codes were sent. Ask the help desk to start again.');
      return back(p, session, c.id, `We sent a code to ${maskAddress(phone.value)}.`);
    }
    if (what === 'check') {
      const code = form.get('code') ?? '';
      const channelId = await checkOtp(
        p.deps().store,
        p.settings.sessionSecret,
        session,
        c.id,
        code,
        p.now(),
      );
      if (!channelId) return back(p, session, c.id, 'That code is not right or has expired.');
      await p.deps().engine.recordEvidence(c.id, { kind: 'phone_otp', by, channelId });
      return back(p, session, c.id, 'Your phone is confirmed.');
    }
    return await recoveryCodePost(p, session, c, form.get('code') ?? '', by);
  } catch (error) {
    if (isGateError(error) && error.code === 'ERR_CASE_ILLEGAL_TRANSITION') {
      return back(p, session, c.id, 'This recovery no longer takes evidence.');
    }
    throw error;
  }
}

/** A saved recovery code typed on the verification page: tried (and counted) only while the case takes one. */
async function recoveryCodePost(
  p: PagesCtx,
  session: Session,
  c: CaseView,
  typed: string,
  by: string,
): Promise<RouteResponse> {
  const codes = p.codes();
  const kinds = c.decision?.requirements.evidenceKinds ?? [];
  if (!codes || !kinds.includes('recovery_code'))
    return back(p, session, c.id, 'This recovery does not take a recovery code.');
  // A code is spent when it matches: never spend one on a case that can no longer use it.
  if (c.state !== 'verifying' && c.state !== 'requested')
    return back(p, session, c.id, 'This recovery no longer takes evidence.');
  const subject = { idp: c.idp, subjectId: c.subjectId, channels: c.facts?.channels ?? [] };
  const outcome = await codes.attempt(subject, c.id, typed);
  if (outcome === 'limited') {
    return back(
      p,
      session,
      c.id,
      'Too many recovery codes were tried, so they cannot be used for now. We told you on every channel on file.',
    );
  }
  if (outcome === 'rejected') {
    return back(
      p,
      session,
      c.id,
      'That recovery code is not valid: mistyped, already used, or from a set that was replaced.',
    );
  }
  await p.deps().engine.recordEvidence(c.id, { kind: 'recovery_code', by });
  return back(p, session, c.id, 'Your recovery code is accepted. It will not work again.');
}

/** `GET /verify/case/:caseId/credential`: shows the credential once, after a fresh step-up. */
export async function credentialPage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const found = await subjectSession(p, ctx);
  if (!found) return notYours(p);
  const { session, c } = found;
  const allowed = session.data.reveal === c.id;
  delete session.data.reveal;
  await persist(p, session);
  const gone = () =>
    message(
      p,
      410,
      'Nothing to show',
      'Your temporary access was already shown, or is not ready. It is never shown twice.',
      'info',
      session,
      html`<p><a href="/verify/case/${c.id}">Back to your recovery</a></p>`,
    );
  if (!allowed) return gone();
  let claimed: ClaimedCredential;
  try {
    claimed = await p.deps().engine.claimCredential(c.id, session.data.sub as string);
  } catch (error) {
    if (isGateError(error) && error.code === 'ERR_LINK_INVALID') return gone();
    throw error;
  }
  const codes = await codesAfterRecovery(p, c, session.data.sub as string);
  const body = html`${statusCard(c, 'Your temporary access')}
${card(
  'Use it now',
  html`<p>Use this to sign in and ${c.action === 'password_reset' ? 'choose a new password' : 'set up a new sign-in method'}. It works once and expires ${new Date(claimed.expiresAt).toISOString().slice(11, 16)} UTC. It will not be shown again.</p>
<p><span class="secret" id="credential">${claimed.secret.reveal()}</span></p>
<p class="hint">Nobody from the help desk will ask you for it.</p>`,
  'card-ok',
)}
${codes}`;
  return page(p, 200, 'Your temporary access', body, session, {
    'cache-control': 'no-store, max-age=0',
    pragma: 'no-cache',
  });
}

/** A new set of saved recovery codes, shown once beside the credential; a failure never hides the credential. */
async function codesAfterRecovery(p: PagesCtx, c: CaseView, by: string): Promise<SafeHtml | null> {
  const codes = p.codes();
  if (!codes || p.settings.recoveryCodes?.afterRecovery !== true) return null;
  try {
    const issued = await codes.issue(
      { idp: c.idp, subjectId: c.subjectId, channels: c.facts?.channels ?? [] },
      { actor: by, reason: 'recovery', caseId: c.id },
    );
    return codesCard(issued.codes);
  } catch (error) {
    p.deps().logger.warn('recovery codes were not issued after the recovery', {
      caseId: c.id,
      error: errorText(error),
    });
    return card(
      'Recovery codes',
      html`<p>We could not create your recovery codes just now. Create them later on <a href="/recovery-codes">your recovery codes page</a>.</p>`,
    );
  }
}
