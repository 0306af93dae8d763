/**
 * What happens after a sign-in, by intent: a link is consumed with the ID token's subject and binds the
 * session to its case; a step-up sign-in records evidence with the acr/amr achieved (`signin-evidence`); a collect sign-in
 * unlocks the one-time credential view; a viewer sign-in checks the IdP groups.
 * @module
 */

import type { IdpKind } from '@recovery-gate/core';
import type { CaseView } from '../orchestrator/index.js';
import type { RouteResponse } from '../server/router.js';
import { conflictOf } from './approve.js';
import { isViewer } from './cases.js';
import { CODES_STEP_UP_TTL_MS } from './codes.js';
import { message, type PagesCtx, persist } from './context.js';
import { ineligibility } from './eligible.js';
import { peekLinkHash } from './links.js';
import type { SignInResult } from './oidc.js';
import { isAgent } from './raise.js';
import { recordRefusalHash } from './refusals.js';
import { redirect } from './respond.js';
import type { Session } from './session.js';
import { consumePending, type IntentHandlers, refused } from './signin.js';
import { recordSignInEvidence } from './signin-evidence.js';

/** Saves the (rotated) session and sets its cookie on a response. */
async function withCookie(p: PagesCtx, session: Session, response: RouteResponse): Promise<RouteResponse> {
  return { ...response, headers: { ...response.headers, ...(await persist(p, session)) } };
}

async function go(p: PagesCtx, session: Session, path: string): Promise<RouteResponse> {
  return redirect(path, await persist(p, session));
}

/**
 * An approval link after sign-in: checks the person, then binds the session to the case without spending
 * the link; the decision spends it. So one pool member who opens every security-team link of a
 * dual-control case uses up none, and a refused person burns nothing meant for a colleague.
 */
async function onApproveLink(
  p: PagesCtx,
  session: Session,
  c: CaseView,
  tokenHash: string,
  result: SignInResult,
): Promise<RouteResponse> {
  delete session.data.pendingLink;
  // Approvers decide only after a multi-factor sign-in; the link stays usable for a second try.
  if (!result.steppedUp) {
    return stepUpMissing(
      p,
      session,
      'Approving needs a multi-factor sign-in. Open your link again and use your second factor.',
    );
  }
  const conflict = conflictOf(c, result.sub) ?? (await ineligibility(p, c, tokenHash, result.sub));
  if (conflict) {
    p.deps().logger.warn('approval refused before use', { caseId: c.id });
    return withCookie(
      p,
      session,
      message(p, 403, 'You cannot approve this recovery', conflict, 'bad', session),
    );
  }
  const link = await peekLinkHash(p.deps().store, tokenHash, 'approve', p.now());
  if (!link || link.caseId !== c.id || (link.personId !== null && link.personId !== result.sub)) {
    await recordRefusalHash(p, tokenHash, 'approve', result.sub);
    return refused(p, session);
  }
  session.data.caseId = c.id;
  session.data.purpose = 'approve';
  session.data.role = link.role;
  session.data.approveLink = tokenHash;
  return go(p, session, `/approve/case/${encodeURIComponent(c.id)}`);
}

async function onLink(p: PagesCtx, session: Session, result: SignInResult): Promise<RouteResponse> {
  const pending = session.data.pendingLink;
  if (typeof pending?.tokenHash !== 'string') return refused(p, session);
  const c = await p.deps().engine.getCase(pending.caseId);
  if (!c) return refused(p, session);
  if (pending.purpose === 'approve') return onApproveLink(p, session, c, pending.tokenHash, result);
  const consumed = await consumePending(p, session, result.sub);
  if (!consumed) return refused(p, session);
  session.data.caseId = consumed.caseId;
  session.data.purpose = consumed.purpose;
  session.data.role = consumed.role;
  if (c.subjectId !== result.sub) return refused(p, session);
  if (consumed.purpose === 'reveal') {
    if (result.authTime === null) return stepUpMissing(p, session);
    session.data.reveal = c.id;
    return go(p, session, `/verify/case/${encodeURIComponent(c.id)}/credential`);
  }
  await recordSignInEvidence(p, session, c, result);
  return go(p, session, `/verify/case/${encodeURIComponent(c.id)}`);
}

async function stepUpMissing(
  p: PagesCtx,
  session: Session,
  text = 'This step needs a fresh sign-in. Nothing was shown.',
): Promise<RouteResponse> {
  return withCookie(p, session, message(p, 401, 'Stronger sign-in needed', text, 'bad', session));
}

async function onCase(
  p: PagesCtx,
  session: Session,
  result: SignInResult,
  caseId: string | null,
  collect: boolean,
): Promise<RouteResponse> {
  const c = caseId === null ? null : await p.deps().engine.getCase(caseId);
  if (!c || c.subjectId !== result.sub || session.data.caseId !== c.id) return refused(p, session);
  if (collect) {
    // A fresh sign-in (max_age, checked by openid-client) by the case subject; the MFA reset removed the factors.
    if (result.authTime === null) return stepUpMissing(p, session);
    session.data.reveal = c.id;
    return go(p, session, `/verify/case/${encodeURIComponent(c.id)}/credential`);
  }
  await recordSignInEvidence(p, session, c, result);
  if (!result.steppedUp)
    session.data.flash = 'That sign-in did not use a second factor, so it does not count.';
  return go(p, session, `/verify/case/${encodeURIComponent(c.id)}`);
}

/** The intent handlers for {@link callback}. */
export function intentHandlers(p: PagesCtx): IntentHandlers {
  return {
    link: (session, result) => onLink(p, session, result),
    stepup: (session, result, caseId) => onCase(p, session, result, caseId, false),
    collect: (session, result, caseId) => onCase(p, session, result, caseId, true),
    async viewer(session, result) {
      if (!result.steppedUp) return stepUpMissing(p, session, 'The case view needs a multi-factor sign-in.');
      session.data.viewer = await isViewer(p, result.sub);
      return go(p, session, '/cases');
    },
    async codes(session, result) {
      if (!result.steppedUp)
        return stepUpMissing(p, session, 'Managing recovery codes needs a multi-factor sign-in.');
      session.data.codesUntil = p.now().getTime() + CODES_STEP_UP_TTL_MS;
      return go(p, session, '/recovery-codes');
    },
    async agent(session, result) {
      if (!result.steppedUp)
        return stepUpMissing(p, session, 'Raising a recovery needs a multi-factor sign-in.');
      const idp = session.data.idp as IdpKind;
      if (!(await isAgent(p, idp, result.sub))) {
        session.data.agent = false;
        const text = 'The identity provider does not list you in the help desk.';
        return withCookie(p, session, message(p, 403, 'No access', text, 'bad', session));
      }
      session.data.agent = true;
      return go(p, session, `/raise?idp=${encodeURIComponent(idp)}`);
    },
  };
}
