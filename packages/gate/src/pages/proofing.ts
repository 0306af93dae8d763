/**
 * Supervised in-person identity proofing (SP 800-63A-4 supervised remote or in-person; the privileged
 * tier's `supervised_proofing`), recorded on the approval page by a security officer who met the subject:
 * the evidence names the officer as `by`, never the subject or the requester. An officer who proofed does
 * not also approve (the engine refuses it; the page does not offer it).
 * @module
 */

import { isGateError } from '@recovery-gate/core';
import type { CaseView } from '../orchestrator/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { message, type PagesCtx } from './context.js';
import { inRole } from './eligible.js';
import { card, csrfField, html, type SafeHtml } from './html.js';
import { readForm } from './respond.js';
import type { Session } from './session.js';

const DOCUMENTS: Readonly<Record<string, string>> = {
  passport: 'Passport',
  national_id: 'National identity card',
  driving_licence: 'Driving licence',
};

/** Whether `personId` recorded the in-person check of this case. */
export function proofedBy(c: CaseView, personId: string): boolean {
  return c.evidence.some((e) => e.kind === 'supervised_proofing' && e.personId === personId);
}

/** Whether the page offers the in-person check to this approver session. */
export function offersProofing(c: CaseView, session: Session): boolean {
  const sub = session.data.sub;
  return (
    session.data.role === 'security_team' &&
    (c.decision?.requirements.evidenceKinds ?? []).includes('supervised_proofing') &&
    (c.state === 'verifying' || c.state === 'requested') &&
    !c.evidence.some((e) => e.kind === 'supervised_proofing' && e.outcome === 'passed') &&
    typeof sub === 'string' &&
    sub !== c.subjectId &&
    sub !== c.requesterId &&
    !c.approvals.some((a) => a.personId === sub)
  );
}

/** The card with the in-person check form. */
export function proofingCard(c: CaseView, session: Session): SafeHtml {
  const options = Object.entries(DOCUMENTS).map(
    ([value, label]) => html`<option value="${value}">${label}</option>`,
  );
  return card(
    'Identity checked in person',
    html`<p>This recovery needs a security officer to meet the person, check an identity document and match it to them. If you did, record it here. You will then not approve this recovery yourself.</p>
<form method="post" action="/approve/case/${c.id}/proofing">${csrfField(session.data.csrf)}
<div class="field"><label for="document">Document checked</label><select id="document" name="document" required><option value="">Choose…</option>${options}</select></div>
<label class="choice"><input type="checkbox" name="confirm" value="yes" required> I met this person, checked the document and matched it to them</label>
<button class="btn" type="submit">Record the in-person check</button>
</form>`,
    'card-info',
  );
}

/** `POST /approve/case/:caseId/proofing`, for an approver session found by the caller. */
export async function proofingPost(
  p: PagesCtx,
  ctx: RequestContext,
  found: { readonly session: Session; readonly c: CaseView },
): Promise<RouteResponse> {
  const form = await readForm(ctx);
  const { session, c } = found;
  const back = html`<p><a href="/approve/case/${c.id}">Back</a></p>`;
  const document = form.get('document') ?? '';
  if (!(document in DOCUMENTS) || form.get('confirm') !== 'yes') {
    return message(
      p,
      400,
      'Check incomplete',
      'Choose the document and confirm the check.',
      'bad',
      session,
      back,
    );
  }
  const sub = session.data.sub as string;
  if (!offersProofing(c, session) || (await inRole(p, c, sub, 'security_team')) !== 'yes') {
    return message(
      p,
      403,
      'You cannot record this check',
      'Only a security officer with no other role in this recovery can record an in-person check, once.',
      'bad',
      session,
    );
  }
  try {
    await p.deps().engine.recordEvidence(c.id, {
      kind: 'supervised_proofing',
      by: sub,
      detail: { method: 'in_person', document },
    });
  } catch (error) {
    if (isGateError(error) && error.code === 'ERR_CASE_ILLEGAL_TRANSITION') {
      return message(p, 409, 'Too late', 'This recovery no longer takes evidence.', 'bad', session);
    }
    throw error;
  }
  return message(p, 200, 'Check recorded', 'Your in-person identity check is recorded.', 'ok', session, back);
}
