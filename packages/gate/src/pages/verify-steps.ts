/**
 * The evidence steps of the verification page, one per kind the tier allows: a push to pick a number for,
 * a step-up sign-in, a code to a phone on file, a saved recovery code. Each shows "done" once it counted.
 * @module
 */

import { maskAddress } from '../log.js';
import type { CaseView, PendingChallenge } from '../orchestrator/index.js';
import type { PagesCtx } from './context.js';
import { csrfField, html, pill, type SafeHtml } from './html.js';
import { otpPhones } from './otp.js';
import type { Session } from './session.js';
import { nativeCodesOnFile } from './signin-evidence.js';

/** True when evidence of `kind` was recorded and passed. */
export function has(c: CaseView, kind: string): boolean {
  return c.evidence.some((e) => e.kind === kind && e.outcome === 'passed');
}

/** The step-up sign-in step. */
export function stepUpStep(c: CaseView): SafeHtml {
  if (has(c, 'oidc_step_up')) return html`<li><span>Multi-factor sign-in</span>${pill('ok', 'done')}</li>`;
  return html`<li><span>Multi-factor sign-in</span><a class="btn" href="/verify/case/${c.id}/step-up">Sign in again with MFA</a></li>`;
}

/** The code-to-a-phone step: pick a phone on file, then type the code sent. */
export function otpStep(p: PagesCtx, c: CaseView, session: Session, sent: boolean): SafeHtml {
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

/** The saved-recovery-code step, while the subject has unused codes. */
export function recoveryCodeStep(c: CaseView, session: Session, left: number): SafeHtml {
  if (has(c, 'recovery_code')) return html`<li><span>Saved recovery code</span>${pill('ok', 'done')}</li>`;
  if (left === 0)
    return html`<li><span>Saved recovery code</span><span>You have no unused recovery codes</span></li>`;
  return html`<li><form method="post" action="/verify/case/${c.id}/recovery-code">${csrfField(session.data.csrf)}
<div class="field"><label for="rc">Saved recovery code</label><input id="rc" name="code" type="text" autocomplete="off" required></div>
<button class="btn btn-quiet" type="submit">Use recovery code</button></form></li>`;
}

/** The push step: the number to pick in the authenticator app (number matching), shown to the subject only. */
export function deviceStep(c: CaseView, push: PendingChallenge | null): SafeHtml {
  if (has(c, 'device_challenge'))
    return html`<li><span>Approve on your phone</span>${pill('ok', 'done')}</li>`;
  if (!push)
    return html`<li><span>Approve on your phone</span><span>No request is waiting on your phone</span></li>`;
  return html`<li><div><p><strong>Approve on your phone.</strong> Your phone shows a sign-in request. Pick this number:</p>
<p class="number-match" aria-label="Number to pick">${String(push.numberToMatch)}</p>
<p class="hint">Only if you asked for this recovery. If you did not, deny it on your phone. Then reload this page.</p></div></li>`;
}

/** The IdP's own saved recovery codes: a sign-in through the IdP that uses one ("Try another way"). */
export function idpCodeStep(c: CaseView): SafeHtml {
  const label = 'Recovery code from your sign-in provider';
  if (has(c, 'idp_recovery_code')) return html`<li><span>${label}</span>${pill('ok', 'done')}</li>`;
  if (nativeCodesOnFile(c) === null)
    return html`<li><span>${label}</span><span>You have no recovery codes there</span></li>`;
  return html`<li><div><p><strong>${label}.</strong> Sign in, choose “Try another way” and enter one of the recovery codes you saved. It will not work again.</p>
<a class="btn btn-quiet" href="/verify/case/${c.id}/step-up">Sign in with a recovery code</a></div></li>`;
}
