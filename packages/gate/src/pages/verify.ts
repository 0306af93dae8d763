/**
 * The subject's verification page: status, the evidence steps the tier allows (step-up sign-in, a code
 * to a phone on file, a saved recovery code), and, once the case executes, where the credential is (shown
 * once after a fresh step-up, or where the IdP mailed it, masked). The steps, the form posts, the
 * credential view and who may see the page live in `verify-steps`, `verify-posts`, `credential` and
 * `verify-session`.
 * @module
 */

import { maskAddress } from '../log.js';
import { type CaseView, deliveryOf, type PendingChallenge } from '../orchestrator/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { type PagesCtx, page, persist } from './context.js';
import { card, html, notice, type SafeHtml } from './html.js';
import { idvStep } from './idv.js';
import { neededList } from './needed.js';
import { otpPending } from './otp.js';
import type { Session } from './session.js';
import { evidenceList, statusCard } from './summary.js';
import { notYours, subjectSession } from './verify-session.js';
import { deviceStep, idpCodeStep, otpStep, recoveryCodeStep, stepUpStep } from './verify-steps.js';

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
  const idpCodes = p.deps().providers.get(c.idp)?.capabilities.idp_recovery_codes.supported === true;
  if (c.state === 'verifying' || c.state === 'requested') {
    const steps = [
      kinds.includes('device_challenge') ? deviceStep(c, push) : null,
      kinds.includes('oidc_step_up') ? stepUpStep(c) : null,
      kinds.includes('phone_otp') ? otpStep(p, c, session, otpSent) : null,
      kinds.includes('recovery_code') && codesLeft !== null ? recoveryCodeStep(c, session, codesLeft) : null,
      kinds.includes('idp_recovery_code') && idpCodes ? idpCodeStep(c) : null,
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
