/**
 * What the subject does on the verification page: start a step-up (or collect) sign-in, send and check a
 * code to a phone on file, and type a saved recovery code. Each answer goes back to the page with a notice.
 * @module
 */

import { isGateError } from '@recovery-gate/core';
import { maskAddress } from '../log.js';
import type { CaseView } from '../orchestrator/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { type PagesCtx, persist } from './context.js';
import { checkOtp, otpPhones, sendOtp } from './otp.js';
import { readForm, redirect } from './respond.js';
import type { Session } from './session.js';
import { beginSignIn } from './signin.js';
import { notYours, subjectSession } from './verify-session.js';

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
