/**
 * Possession proof for a subject who cannot sign in at the IdP: the password was just reset (Okta RECOVERY,
 * Entra's discarded random password) or the account is locked. The link alone is never enough: it opens a
 * proof page, and only a fresh push to a registered device or a one-time code to a trusted phone on file
 * (verified, on file for the tier's channel age) binds the session to the case subject. See docs/security.md.
 * @module
 */

import { type DeviceChallenge, isGateError } from '@recovery-gate/core';
import { maskAddress } from '../log.js';
import type { CaseView } from '../orchestrator/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { linkRefused, loadSession, type PagesCtx, type PagesEngine, page, persist } from './context.js';
import { card, csrfField, html, notice, type SafeHtml } from './html.js';
import { checkOtp, otpPending, otpPhones, sendOtp } from './otp.js';
import { readForm, redirect } from './respond.js';
import type { Session } from './session.js';

/** Pushes one session may send for a link proof (no prompt bombing). */
const MAX_PUSHES = 3;

/** Account states in which an IdP sign-in through the link cannot succeed. */
const CANNOT_SIGN_IN = new Set(['locked', 'recovery', 'password_expired']);

/**
 * True when the link must be proven without an IdP sign-in: collecting after a password reset (the reset
 * invalidated the password), or verifying while the account is locked or awaiting a new password.
 */
export function needsLinkProof(c: CaseView, purpose: string): boolean {
  if (purpose === 'reveal') return c.action === 'password_reset';
  if (purpose === 'verify') return CANNOT_SIGN_IN.has(c.facts?.status ?? '');
  return false;
}

/** The push-capable authenticator still bound to the subject, when the IdP can challenge it. */
function pushDevice(p: PagesCtx, c: CaseView): { readonly id: string; readonly label: string } | null {
  const provider = p.deps().providers.get(c.idp);
  if (!provider?.capabilities.device_challenge.supported) return null;
  const device = (c.facts?.authenticators ?? []).find(
    (a) => a.supportsDeviceChallenge && a.status === 'active',
  );
  return device ? { id: device.id, label: device.label ?? 'your registered device' } : null;
}

/** The session waiting on a link proof, with its case. */
async function pending(
  p: PagesCtx,
  ctx: RequestContext,
): Promise<{ readonly session: Session; readonly c: CaseView; readonly purpose: string } | null> {
  const session = await loadSession(p, ctx);
  const link = session?.data.pendingLink;
  if (!session || !link) return null;
  const c = await p.deps().engine.getCase(link.caseId);
  if (!c || !needsLinkProof(c, link.purpose)) return null;
  return { session, c, purpose: link.purpose };
}

/** Sends the browser from a link to the proof page (the token stays server-side). */
export async function startLinkProof(p: PagesCtx, session: Session): Promise<RouteResponse> {
  return redirect('/prove', await persist(p, session));
}

function pushStep(p: PagesCtx, c: CaseView, session: Session): SafeHtml | null {
  const device = pushDevice(p, c);
  if (!device) return null;
  const sent = session.data.linkPush?.caseId === c.id ? session.data.linkPush.challenge : null;
  const number = sent?.numberToMatch;
  const check = sent
    ? html`<form method="post" action="/prove/push/check">${csrfField(session.data.csrf)}
${number === null || number === undefined ? null : html`<p>Pick <strong id="push-number">${String(number)}</strong> on your device.</p>`}
<button class="btn" type="submit">I approved it</button></form>`
    : null;
  return html`<li><div><form method="post" action="/prove/push">${csrfField(session.data.csrf)}
<p>Approve a sign-in request on ${device.label}.</p>
<button class="btn btn-quiet" type="submit">${sent ? 'Send a new request' : 'Send a request to my device'}</button></form>${check}</div></li>`;
}

function otpStep(p: PagesCtx, c: CaseView, session: Session, sent: boolean): SafeHtml | null {
  const phones = otpPhones(c, p.now());
  if (phones.length === 0) return null;
  const choices = phones.map(
    (ph, i) =>
      html`<label class="choice"><input type="radio" name="channel" value="${ph.id}"${i === 0 ? html` checked` : null}> ${maskAddress(ph.value)}</label>`,
  );
  const check = sent
    ? html`<form method="post" action="/prove/otp/check">${csrfField(session.data.csrf)}
<div class="field"><label for="otp">Code we sent you</label><input id="otp" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required></div>
<button class="btn" type="submit">Check code</button></form>`
    : null;
  return html`<li><div><form method="post" action="/prove/otp/send">${csrfField(session.data.csrf)}
<fieldset><legend>Code to your phone on file</legend>${choices}</fieldset>
<button class="btn btn-quiet" type="submit">Send me a code</button></form>${check}</div></li>`;
}

/** `GET /prove`. */
export async function provePage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const found = await pending(p, ctx);
  if (!found) return linkRefused(p);
  const { session, c, purpose } = found;
  const flash = session.data.flash;
  if (flash) {
    delete session.data.flash;
    await persist(p, session);
  }
  const sent = await otpPending(p.deps().store, c.id, p.now());
  const steps = [pushStep(p, c, session), otpStep(p, c, session, sent)].filter((s) => s !== null);
  const why =
    purpose === 'reveal'
      ? 'Your password was reset, so you cannot sign in with it. Prove you hold your device or phone to see your temporary access.'
      : 'Your account cannot sign in right now. Prove you hold your device or phone to continue your recovery.';
  const body = html`${flash ? notice('info', flash) : null}${card(
    'Prove it is you',
    html`<p>${why}</p><ul class="steps">${steps.length > 0 ? steps : html`<li>No registered device or trusted phone is on file. Ask the help desk for in-person verification.</li>`}</ul>`,
  )}`;
  return page(p, 200, 'Prove it is you', body, session);
}

async function back(p: PagesCtx, session: Session, flash: string): Promise<RouteResponse> {
  session.data.flash = flash;
  return redirect('/prove', await persist(p, session));
}

/**
 * The proof passed: the link is consumed for the case subject, the session is rotated and bound to the
 * case, and the subject goes on to the credential (reveal) or the verification page (verify, where a code
 * to the phone also counts as evidence).
 */
async function proven(
  p: PagesCtx,
  session: Session,
  c: CaseView,
  proof: { readonly kind: 'push' | 'otp'; readonly channelId: string | null },
): Promise<RouteResponse> {
  const link = session.data.pendingLink;
  delete session.data.pendingLink;
  delete session.data.linkPush;
  if (!link) return linkRefused(p, session);
  let consumed: Awaited<ReturnType<PagesEngine['consumeLink']>>;
  try {
    consumed = await p
      .deps()
      .engine.consumeLinkHash(link.tokenHash, link.purpose as 'verify' | 'reveal', c.subjectId);
  } catch (error) {
    if (isGateError(error, 'ERR_LINK_INVALID')) return linkRefused(p, session);
    throw error;
  }
  const next = await p.sessions().rotate(p.deps().store, session);
  next.data = {
    ...next.data,
    sub: c.subjectId,
    idp: c.idp,
    name: c.subjectLogin ?? c.subjectId,
    acr: null,
    amr: [proof.kind === 'push' ? 'mfa' : 'otp'],
    caseId: consumed.caseId,
    purpose: consumed.purpose,
    role: consumed.role,
  };
  const path = `/verify/case/${encodeURIComponent(c.id)}`;
  if (consumed.purpose === 'reveal') {
    next.data.reveal = c.id;
    return redirect(`${path}/credential`, await persist(p, next));
  }
  if (proof.channelId !== null && (c.decision?.requirements.evidenceKinds ?? []).includes('phone_otp')) {
    await p
      .deps()
      .engine.recordEvidence(c.id, { kind: 'phone_otp', by: c.subjectId, channelId: proof.channelId });
    next.data.flash = 'Your phone is confirmed.';
  }
  return redirect(path, await persist(p, next));
}

/** The proof page's form posts: send or check a code, send or check a push. */
export async function provePost(
  p: PagesCtx,
  ctx: RequestContext,
  what: 'otp_send' | 'otp_check' | 'push' | 'push_check',
): Promise<RouteResponse> {
  const form = await readForm(ctx);
  const found = await pending(p, ctx);
  if (!found) return linkRefused(p);
  const { session, c } = found;
  if (what === 'otp_send') {
    const phone = otpPhones(c, p.now()).find((ph) => ph.id === form.get('channel'));
    if (!phone) return back(p, session, 'Choose a phone on file.');
    const { store, notifier } = p.deps();
    if (!(await sendOtp(store, notifier, p.settings.sessionSecret, session, c, phone, p.now())))
      return back(p, session, 'Too many codes were sent. Ask the help desk.');
    return back(p, session, `We sent a code to ${maskAddress(phone.value)}.`);
  }
  if (what === 'otp_check') {
    const code = form.get('code') ?? '';
    const key = p.settings.sessionSecret;
    const channelId = await checkOtp(p.deps().store, key, session, c.id, code, p.now());
    if (!channelId) return back(p, session, 'That code is not right or has expired.');
    return proven(p, session, c, { kind: 'otp', channelId });
  }
  const provider = p.deps().providers.get(c.idp);
  if (!provider || !pushDevice(p, c)) return back(p, session, 'No registered device can be asked.');
  if (what === 'push') {
    const sends = session.data.linkPush?.caseId === c.id ? session.data.linkPush.sends : 0;
    if (sends >= MAX_PUSHES) return back(p, session, 'Too many requests were sent. Ask the help desk.');
    const challenge = await provider.startDeviceChallenge(c.subjectId);
    session.data.linkPush = { caseId: c.id, challenge, sends: sends + 1 };
    return back(p, session, 'We sent a request to your device.');
  }
  const sent: DeviceChallenge | undefined =
    session.data.linkPush?.caseId === c.id ? session.data.linkPush.challenge : undefined;
  if (!sent) return back(p, session, 'Send a request to your device first.');
  const result = await provider.pollDeviceChallenge(c.subjectId, sent);
  if (result === 'approved') return proven(p, session, c, { kind: 'push', channelId: null });
  if (result === 'pending')
    return back(p, session, 'Not approved yet. Approve it on your device, then try again.');
  delete session.data.linkPush;
  return back(p, session, 'The request was refused or expired. Nothing was shown.');
}
