/**
 * The approval page: who asks, for whom, what, on which evidence, the risk signals; approve or deny with
 * a reason. The approver is the ID token's subject; the case engine enforces separation of duties and
 * checks the role against the IdP (manager from the subject's facts, pool roles from group membership).
 * @module
 */

import { isGateError } from '@recovery-gate/core';
import { type ApprovalRecord, type ApproverRole, type CaseView, isStaleIn } from '../orchestrator/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { loadSession, message, type PagesCtx, page, persist } from './context.js';
import { card, csrfField, facts, html, notice, type SafeHtml, when } from './html.js';
import { offersProofing, proofedBy, proofingCard, proofingPost } from './proofing.js';
import { readForm } from './respond.js';
import type { Session } from './session.js';
import { evidenceList, riskSignals, statusCard } from './summary.js';

const ROLE_LABEL: Readonly<Record<string, string>> = {
  manager: 'their manager',
  sponsor: 'their sponsor',
  second_agent: 'a second help-desk agent',
  security_team: 'the security team',
  break_glass_authorizer: 'an emergency-access authoriser',
};

/**
 * The person's own approval on this case that the case's decision no longer counts because it went stale,
 * which they may renew; null when none (the case engine checks it again when they decide).
 */
export function renewalOf(c: CaseView, personId: string): ApprovalRecord | null {
  const own = c.approvals.find((a) => a.personId === personId);
  return own?.decision === 'approve' && isStaleIn(c.decision, own) ? own : null;
}

/** Why a person may not approve this case, checked before a link is used up; null when none. */
export function conflictOf(c: CaseView, personId: string): string | null {
  if (personId === c.subjectId) return 'You cannot approve a recovery of your own account.';
  if (c.requesterId === null) return 'Who asked for this recovery is not known, so it cannot be approved.';
  if (personId === c.requesterId) return 'You asked for this recovery, so someone else must approve it.';
  if (c.approvals.some((a) => a.personId === personId) && renewalOf(c, personId) === null) {
    return 'You have already decided on this recovery.';
  }
  if (proofedBy(c, personId)) return 'You checked this person in person, so others must approve.';
  return null;
}

/** The signed-in approver's session bound to the case in the URL, with the case; null otherwise. */
export async function approverSession(p: PagesCtx, ctx: RequestContext) {
  const session = await loadSession(p, ctx);
  const caseId = ctx.params.caseId ?? '';
  if (!session?.data.sub || session.data.caseId !== caseId || session.data.purpose !== 'approve') return null;
  const c = await p.deps().engine.getCase(caseId);
  return c ? { session, c } : null;
}

async function requesterName(p: PagesCtx, c: CaseView): Promise<string> {
  if (c.requesterId === null) return 'not known yet';
  try {
    const facts = await p.deps().providers.get(c.idp)?.readSubjectFacts(c.requesterId);
    return facts ? `${facts.displayName ?? facts.login} (${facts.login})` : c.requesterId;
  } catch {
    return c.requesterId;
  }
}

function decisionForm(c: CaseView, session: Session): SafeHtml {
  return html`<form method="post" action="/approve/case/${c.id}">${csrfField(session.data.csrf)}
<fieldset><legend>Your decision</legend>
<label class="choice"><input type="radio" name="decision" value="approve" required> Approve: I confirmed this request is genuine</label>
<label class="choice"><input type="radio" name="decision" value="deny"> Deny: stop this recovery</label>
</fieldset>
<div class="field"><label for="reason">Reason</label><textarea id="reason" name="reason" required minlength="3" maxlength="2000" aria-describedby="reason-hint"></textarea>
<p class="hint" id="reason-hint">How you confirmed it (e.g. "video call, recognised her"). Recorded in the audit trail.</p></div>
<button class="btn" type="submit">Submit decision</button>
</form>`;
}

function decideCard(c: CaseView, session: Session, open: boolean): SafeHtml {
  if (!open) return card('Decide', html`<p>This recovery no longer takes decisions.</p>`);
  if (proofedBy(c, session.data.sub ?? '')) {
    return card('Decide', html`<p>You checked this person in person, so other officers approve.</p>`);
  }
  const renewing = renewalOf(c, session.data.sub ?? '');
  if (renewing === null) return card('Decide', decisionForm(c, session));
  return card(
    'Decide',
    html`${notice('wait', `Your approval of ${when(renewing.at)} is older than this recovery's policy allows, so it no longer counts. Deciding again renews it.`)}
${decisionForm(c, session)}`,
  );
}

/** `GET /approve/case/:caseId`. */
export async function approvePage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const found = await approverSession(p, ctx);
  if (!found) return message(p, 403, 'Sign in from your link', 'Open the approval link you received.', 'bad');
  const { session, c } = found;
  const role = session.data.role ?? 'approver';
  const open = c.state === 'verifying' || c.state === 'held';
  const body = html`${statusCard(c, 'Approval requested')}
${card(
  'The request',
  facts([
    ['Asked by', await requesterName(p, c)],
    ['For', c.subjectLogin ?? c.facts?.login ?? c.subjectId],
    ['You approve as', ROLE_LABEL[role] ?? role],
    ['Requested', c.createdAt.slice(0, 16).replace('T', ' ')],
  ]),
)}
${card('Evidence so far', evidenceList(c))}
${card('Risk signals', riskSignals(c, p.now()))}
${offersProofing(c, session) ? proofingCard(c, session) : null}
${decideCard(c, session, open)}`;
  return page(p, 200, 'Approve a recovery', body, session);
}

const REFUSALS: Readonly<Record<string, string>> = {
  ERR_SEPARATION_OF_DUTIES:
    'You already have a role in this recovery (you asked for it, it is yours, or you decided already).',
  ERR_APPROVER_NOT_ELIGIBLE: 'The identity provider does not list you in the role this approval needs.',
  ERR_CASE_ILLEGAL_TRANSITION: 'This recovery no longer takes decisions.',
  ERR_LINK_INVALID: 'Your approval link was already used or has expired. Ask for a new one.',
};

/** `POST /approve/case/:caseId/proofing`: the in-person check. */
export async function approveProofingPost(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const found = await approverSession(p, ctx);
  if (!found) return message(p, 403, 'Sign in from your link', 'Open the approval link you received.', 'bad');
  return proofingPost(p, ctx, found);
}

/** `POST /approve/case/:caseId`. */
export async function approvePost(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const form = await readForm(ctx);
  const found = await approverSession(p, ctx);
  if (!found) return message(p, 403, 'Sign in from your link', 'Open the approval link you received.', 'bad');
  const { session, c } = found;
  const decision = form.get('decision');
  const reason = (form.get('reason') ?? '').trim();
  if ((decision !== 'approve' && decision !== 'deny') || reason.length < 3) {
    return message(
      p,
      400,
      'Decision incomplete',
      'Choose approve or deny and give a reason.',
      'bad',
      session,
      html`<p><a href="/approve/case/${c.id}">Back</a></p>`,
    );
  }
  const renewing = renewalOf(c, session.data.sub as string) !== null;
  try {
    await p.deps().engine.recordApproval(c.id, {
      approverId: session.data.sub as string,
      role: (session.data.role ?? 'manager') as ApproverRole,
      decision,
      reason,
      // Spent with the decision, in its transaction; a session without one has no link to decide with.
      linkHash: session.data.approveLink ?? '',
    });
  } catch (error) {
    const text = isGateError(error) ? REFUSALS[error.code] : undefined;
    if (text) return message(p, 403, 'You cannot decide on this recovery', text, 'bad', session);
    throw error;
  }
  // The link was for one decision: unbind the session from the case.
  delete session.data.caseId;
  delete session.data.purpose;
  delete session.data.approveLink;
  await persist(p, session);
  return message(
    p,
    200,
    decision === 'approve' ? 'Approved' : 'Denied',
    decision === 'approve'
      ? `Thank you. Your ${renewing ? 'renewed approval' : 'approval'} is recorded.`
      : 'The recovery is stopped and the subject will be told.',
    decision === 'approve' ? 'ok' : 'bad',
    session,
    signedInWith(session.data.amr, session.data.acr),
  );
}

const AMR_WORDS: Readonly<Record<string, string>> = {
  pwd: 'password',
  otp: 'one-time code',
  swk: 'app push',
  hwk: 'security key',
  'recovery-code': 'recovery code',
};

/** amr values (RFC 8176, and Keycloak's reference values) that prove something the person has. */
const POSSESSION = new Set(['otp', 'swk', 'hwk', 'sms', 'tel', 'pop', 'recovery-code']);

/** How the approver signed in, from the IdP's amr and acr (the record of a decision names its strength). */
function signedInWith(amr: readonly string[] | undefined, acr: string | null | undefined): SafeHtml | null {
  const list = amr ?? [];
  const words = list.filter((v) => v !== 'mfa').map((v) => AMR_WORDS[v] ?? v);
  if (words.length === 0 && !acr) return null;
  // Okta and Entra say `mfa`; Keycloak names only the steps (its reference values), so a password plus
  // something held counts as multi-factor too.
  const multi = list.includes('mfa') || (list.includes('pwd') && list.some((v) => POSSESSION.has(v)));
  const strength = multi ? 'multi-factor' : 'single factor';
  const level = acr ? `, level ${acr}` : '';
  return html`<p class="hint" id="signed-in-with">You signed in with: ${words.join(' + ') || 'unknown'} (${strength}${level}).</p>`;
}
