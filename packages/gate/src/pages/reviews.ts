/**
 * The review pages of the security console: the list, one review (what happened, the evidence, the
 * timeline) and its close form. Closing is a reviewer's action: a console session, a valid CSRF token and
 * membership of a reviewer group read from the IdP at submit; the review layer then refuses anyone who
 * took part in the case.
 * @module
 */

import { listAudit } from '../audit/index.js';
import { closeReview, getReview, isOverdue, listReviews, REVIEW_OUTCOMES } from '../reviews/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import {
  consoleActionRefused,
  consoleNav,
  consoleSession,
  incidentLabel,
  isReviewer,
  refusalText,
} from './cases.js';
import { outcomePill, REVIEW_HEADERS, reviewRow } from './console.js';
import { loadSession, message, type PagesCtx, page } from './context.js';
import {
  actionLabel,
  card,
  csrfField,
  facts,
  html,
  notice,
  pill,
  type SafeHtml,
  statePill,
  when,
} from './html.js';
import { readForm, redirect } from './respond.js';
import { evidenceList } from './summary.js';

/** `GET /reviews`: open reviews (oldest due first), then closed ones. */
export async function reviewsPage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const v = await consoleSession(p, ctx);
  if (!v.ok) return v.response as RouteResponse;
  const state = ctx.url.searchParams.get('state');
  const filter = state === 'open' || state === 'closed' ? { state: state as 'open' | 'closed' } : {};
  const now = p.now();
  const list = await listReviews(p.deps().store, filter, now);
  const head = REVIEW_HEADERS.map((h) => html`<th scope="col">${h}</th>`);
  const rows =
    list.length > 0
      ? list.map((r) => reviewRow(r, now))
      : html`<tr><td colspan="7" class="empty">No reviews</td></tr>`;
  const tab = (value: string, label: string) =>
    html`<a href="/reviews${value ? `?state=${value}` : ''}"${(state ?? '') === value ? html` aria-current="page" class="current"` : null}>${label}</a>`;
  const body = html`${consoleNav('reviews')}
<h1>Post-event reviews</h1>
<p class="lead">Every case of a tier that requires a review, every break-glass use and every bypass or repudiation incident is reviewed by someone who took no part in it.</p>
<p class="tabs">${tab('', 'All')} ${tab('open', 'Open')} ${tab('closed', 'Closed')}</p>
${card(`Reviews (${list.length})`, html`<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`)}`;
  return page(p, 200, 'Reviews', body, v.session);
}

function closeForm(id: string, csrf: string): SafeHtml {
  const labels: Readonly<Record<string, string>> = {
    legitimate: 'Legitimate: the recovery or access was justified',
    misuse: 'Misuse: it should not have happened',
    needs_follow_up: 'Needs follow-up: more to check or fix',
  };
  const choices = REVIEW_OUTCOMES.map(
    (o, i) =>
      html`<label class="choice"><input type="radio" name="outcome" value="${o}"${i === 0 ? html` required` : null}> ${labels[o] ?? o}</label>`,
  );
  return card(
    'Close the review',
    html`<form method="post" action="/reviews/${encodeURIComponent(id)}/close">${csrfField(csrf)}
<fieldset><legend>Outcome</legend>${choices}</fieldset>
<div class="field"><label for="review-note">Note</label><textarea id="review-note" name="note" required maxlength="2000" aria-describedby="review-note-hint"></textarea><p class="hint" id="review-note-hint">What you checked and what you found. It goes into the audit chain.</p></div>
<button class="btn" type="submit">Close the review</button></form>`,
    'card-info',
  );
}

/** `GET /reviews/:id`: what happened, the evidence, the timeline, and the close form for a reviewer. */
export async function reviewPage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const v = await consoleSession(p, ctx);
  if (!v.ok) return v.response as RouteResponse;
  const review = await getReview(p.deps().store, ctx.params.id ?? '');
  if (!review) return message(p, 404, 'No such review', 'Check the review id.', 'bad', v.session);
  const now = p.now();
  const [c, records, reviewer] = await Promise.all([
    p.deps().engine.getCase(review.caseId),
    listAudit(p.deps().store, { caseId: review.caseId }),
    isReviewer(p, v.session.data.sub ?? ''),
  ]);
  const status =
    review.state === 'closed'
      ? outcomePill(review)
      : isOverdue(review, now)
        ? pill('bad', 'Overdue: escalated to security')
        : pill('wait', 'Open');
  const what = c?.kind === 'incident' ? `Incident: ${incidentLabel(c.reason)}` : actionLabel(review.action);
  const summary = facts([
    ['Account', review.subjectLogin ?? review.subjectId],
    ['IdP', review.idp],
    ['What', what],
    ['Tier', review.tier ?? '—'],
    [
      'Case',
      html`<a class="mono" href="/cases/${encodeURIComponent(review.caseId)}">${review.caseId}</a> ${c ? statePill(c.state) : ''}`,
    ],
    ['Assigned to', review.reviewerGroup],
    ['Opened', when(review.openedAt)],
    ['Due', when(review.dueAt)],
    ...(review.state === 'closed'
      ? ([
          ['Closed', `${when(review.closedAt)} by ${review.closedBy ?? ''}`],
          ['Note', review.note ?? ''],
        ] as [string, string][])
      : []),
  ]);
  const timeline = records.map(
    (r) =>
      html`<tr><td>${when(r.at)}</td><td class="mono">${r.type}</td><td>${r.actor}</td><td class="mono">${JSON.stringify(r.data).slice(0, 400)}</td></tr>`,
  );
  const action =
    review.state === 'closed'
      ? ''
      : reviewer
        ? closeForm(review.id, v.session.data.csrf)
        : notice('info', 'Only members of a reviewer group can close this review.');
  const body = html`${consoleNav('reviews')}<p><a href="/reviews">All reviews</a></p>
<section class="card" aria-labelledby="h-review"><div class="status-head"><h1 id="h-review">Review of ${review.subjectLogin ?? review.subjectId}</h1>${status}</div>
<p>${review.summary}</p>${summary}</section>
${action}
${card('Evidence and approvals', c ? evidenceList(c) : html`<p>The case is gone (retention).</p>`)}
${card('Timeline', html`<table class="timeline"><thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">By</th><th scope="col">Details</th></tr></thead><tbody>${timeline}</tbody></table>`)}`;
  return page(p, 200, 'Review', body, v.session);
}

/** `POST /reviews/:id/close`. */
export async function reviewClosePost(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const session = await loadSession(p, ctx);
  const form = await readForm(ctx);
  const refused = await consoleActionRefused(p, session);
  if (refused || !session?.data.sub) return refused ?? message(p, 403, 'No access', 'Sign in first.', 'bad');
  const id = ctx.params.id ?? '';
  const deps = p.deps();
  try {
    await closeReview(
      {
        store: deps.store,
        audit: deps.audit,
        notifier: deps.notifier,
        now: p.now,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
      },
      id,
      { by: session.data.sub, outcome: form.get('outcome') ?? '', note: form.get('note') ?? '' },
      (who) => isReviewer(p, who),
    );
  } catch (error) {
    return message(p, 409, 'The review was not closed', refusalText(error), 'bad', session);
  }
  return redirect(`/reviews/${encodeURIComponent(id)}`);
}
