/**
 * The read-only case view for help-desk leads and IAM engineers: a list, and per case the status, facts,
 * evidence, approvals, execution journal, audit timeline and the chain's verification status. Access is
 * an OIDC sign-in plus membership, read from the IdP, of one of the configured groups.
 * @module
 */

import { CASE_STATES, isGateError, RECOVERY_ACTIONS } from '@recovery-gate/core';
import { listAudit } from '../audit/index.js';
import { toCsv } from '../console/csv.js';
import { type CaseQuery, findCases, parseCaseQuery, queryString } from '../console/query.js';
import { listReviews } from '../reviews/close.js';
import type { ReviewRecord } from '../reviews/model.js';
import { inGroups } from '../reviews/roles.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { ensureSession, loadSession, message, type PagesCtx, page } from './context.js';
import { actionLabel, card, csrfField, html, notice, pill, type SafeHtml, statePill, when } from './html.js';
import { readForm, redirect } from './respond.js';
import type { Session } from './session.js';
import { beginSignIn } from './signin.js';
import { evidenceList, missingList, riskSignals, statusCard } from './summary.js';

/** The groups whose members may close reviews. */
export function reviewerGroups(p: PagesCtx): readonly string[] {
  return p.settings.reviewerGroups ?? ['SecurityTeam'];
}

/** Whether `personId` is in one of the viewer or reviewer groups, per the IdP. */
export function isViewer(p: PagesCtx, personId: string): Promise<boolean> {
  const groups = [...p.settings.viewer.groups, ...reviewerGroups(p)];
  return inGroups(p.deps().providers.get(p.settings.viewer.idp), personId, groups);
}

/** Whether `personId` is in one of the reviewer groups, per the IdP (read again for every action). */
export function isReviewer(p: PagesCtx, personId: string): Promise<boolean> {
  return inGroups(p.deps().providers.get(p.settings.viewer.idp), personId, reviewerGroups(p));
}

/** The signed-in console user (viewer or reviewer), or the response to send instead (sign-in, 403). */
export async function consoleSession(
  p: PagesCtx,
  ctx: RequestContext,
): Promise<{ session: Session; ok: boolean; response?: RouteResponse }> {
  const { session } = await ensureSession(p, ctx);
  if (session.data.viewer === true && session.data.sub) return { session, ok: true };
  if (session.data.sub && session.data.idp === p.settings.viewer.idp && session.data.viewer === false) {
    return {
      session,
      ok: false,
      response: message(
        p,
        403,
        'No access',
        'The security console is for the security team and help-desk leads.',
        'bad',
        session,
      ),
    };
  }
  const response = await beginSignIn(p, session, {
    idp: p.settings.viewer.idp,
    intent: 'viewer',
    caseId: null,
    mode: 'stepup',
  });
  return { session, ok: false, response };
}

/** The console's navigation; `active` is the current section. */
export function consoleNav(active: 'queue' | 'cases' | 'charts' | 'reviews'): SafeHtml {
  const items = [
    ['queue', '/console', 'Queue'],
    ['cases', '/cases', 'Cases'],
    ['reviews', '/reviews', 'Reviews'],
    ['charts', '/console/charts', 'Charts'],
  ] as const;
  const links = items.map(
    ([key, href, label]) =>
      html`<li><a href="${href}"${key === active ? html` aria-current="page" class="current"` : null}>${label}</a></li>`,
  );
  return html`<nav class="console-nav" aria-label="Security console"><ul>${links}</ul></nav>`;
}

function option(value: string, label: string, selected: string | undefined): SafeHtml {
  return html`<option value="${value}"${value === selected ? html` selected` : null}>${label}</option>`;
}

/** The filter form of the case list and the charts (a GET form: it changes nothing). */
export function filterForm(action: string, query: CaseQuery, full: boolean): SafeHtml {
  const select = (name: string, label: string, values: readonly (readonly [string, string])[]) =>
    html`<div class="filter"><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}">${option('', 'Any', undefined)}${values.map(
      ([v, l]) => option(v, l, (query as Record<string, string | undefined>)[name]),
    )}</select></div>`;
  const text = (name: string, label: string, type = 'text') =>
    html`<div class="filter"><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" type="${type}" value="${(query as Record<string, string | undefined>)[name] ?? ''}"></div>`;
  const idps = [
    ['okta', 'Okta'],
    ['entra', 'Entra ID'],
    ['keycloak', 'Keycloak'],
  ] as const;
  return html`<form class="filters" method="get" action="${action}" role="search" aria-label="Filters">
${select('idp', 'IdP', idps)}
${
  full
    ? select(
        'state',
        'State',
        CASE_STATES.map((st) => [st, st] as const),
      )
    : ''
}
${text('tier', 'Tier')}
${
  full
    ? select(
        'action',
        'Request',
        RECOVERY_ACTIONS.map((a) => [a, actionLabel(a)] as const),
      )
    : ''
}
${
  full
    ? select('kind', 'Kind', [
        ['recovery', 'Recovery'],
        ['incident', 'Incident'],
      ] as const)
    : ''
}
${full ? text('subject', 'Account') : ''}
${text('from', 'From', 'date')}
${text('to', 'To', 'date')}
<div class="filter filter-go"><button class="btn" type="submit">Apply</button> <a class="btn btn-quiet" href="${action}">Clear</a></div>
</form>`;
}

/** `GET /cases`: the cases matching the filters, newest first. */
export async function casesPage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const v = await consoleSession(p, ctx);
  if (!v.ok) return v.response as RouteResponse;
  const { query, errors } = parseCaseQuery(ctx.url.searchParams);
  const list = errors.length > 0 ? [] : await findCases(p.deps().store, query, CASE_PAGE_LIMIT);
  const rows = list.map(
    (c) => html`<tr><td><a href="/cases/${encodeURIComponent(c.id)}" class="mono">${c.id.slice(0, 8)}</a></td>
<td>${c.idp}</td><td>${c.subjectLogin ?? c.facts?.login ?? c.subjectId}</td><td>${c.kind === 'incident' ? `Incident: ${incidentLabel(c.reason)}` : actionLabel(c.action)}</td>
<td>${c.tier ?? '—'}</td><td>${statePill(c.state)}</td><td>${when(c.createdAt)}</td><td>${when(c.updatedAt)}</td></tr>`,
  );
  const audit = await p.verifyAudit();
  const qs = queryString(query);
  const body = html`${consoleNav('cases')}
<div class="page-head"><h1>Recovery cases</h1><a class="btn btn-quiet" href="/cases.csv${qs}" download>Export CSV</a></div>
<p class="lead">Cases move only through the IdP's console and the verification and approval pages.</p>
${audit.ok ? notice('ok', `Audit chain verified: ${audit.count} records intact.`) : notice('bad', `Audit chain broken at record ${audit.firstBadSeq} (${audit.reason}).`)}
${card('Filters', filterForm('/cases', query, true))}
${errors.map((e) => notice('bad', `Filter refused: ${e}`))}
${card(`Cases (${list.length}${list.length === CASE_PAGE_LIMIT ? '+' : ''})`, html`<table><caption class="hint">Newest first</caption><thead><tr><th scope="col">Case</th><th scope="col">IdP</th><th scope="col">Account</th><th scope="col">Request</th><th scope="col">Tier</th><th scope="col">State</th><th scope="col">Opened</th><th scope="col">Updated</th></tr></thead><tbody>${rows.length > 0 ? rows : html`<tr><td colspan="8" class="empty">No cases match</td></tr>`}</tbody></table>`)}`;
  return page(p, 200, 'Cases', body, v.session);
}

/** `GET /cases.csv`: the current view of `/cases` as CSV. */
export async function casesCsv(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const v = await consoleSession(p, ctx);
  if (!v.ok) return v.response as RouteResponse;
  const { query, errors } = parseCaseQuery(ctx.url.searchParams);
  if (errors.length > 0) return message(p, 400, 'Filter refused', errors.join('; '), 'bad', v.session);
  const list = await findCases(p.deps().store, query, 5000);
  const csv = toCsv(
    [
      'case',
      'kind',
      'idp',
      'subject',
      'subject_id',
      'action',
      'tier',
      'state',
      'reason',
      'opened',
      'updated',
      'completed',
    ],
    list.map((c) => [
      c.id,
      c.kind,
      c.idp,
      c.subjectLogin ?? '',
      c.subjectId,
      c.action,
      c.tier ?? '',
      c.state,
      c.reason ?? '',
      c.createdAt,
      c.updatedAt,
      c.completedAt ?? '',
    ]),
  );
  return csvResponse('cases.csv', csv);
}

/** A CSV download with the pages' security headers. */
export function csvResponse(name: string, csv: string): RouteResponse {
  return {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
    },
    body: csv,
  };
}

/** What an incident was about, in a few words. */
export function incidentLabel(reason: string | null): string {
  const r = reason ?? '';
  if (r.startsWith('repudiation:')) return "repudiated recovery (this wasn't me)";
  if (r.startsWith('bypass:')) return `bypass, ${r.slice('bypass:'.length).replaceAll('_', ' ')}`;
  return r || 'incident';
}

const CASE_PAGE_LIMIT = 500;

function closeIncidentForm(id: string, csrf: string): SafeHtml {
  return card(
    'Close the incident',
    html`<p>The lock-down ran: the temporary credential, new authenticators and sessions were revoked and the password put into reset. Close the incident once the account has been reviewed with its owner. Only a reviewer who took no part in the case may close it.</p>
<form method="post" action="/cases/${encodeURIComponent(id)}/close-incident">${csrfField(csrf)}
<div class="field"><label for="incident-reason">What was checked</label><textarea id="incident-reason" name="reason" required maxlength="2000"></textarea></div>
<button class="btn" type="submit">Close the incident</button></form>`,
    'card-wait',
  );
}

/** `POST /cases/:id/close-incident`: a reviewer closes a repudiation incident after review (CSRF and role checked). */
export async function closeIncidentPost(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const session = await loadSession(p, ctx);
  const form = await readForm(ctx);
  const refused = await consoleActionRefused(p, session);
  if (refused || !session?.data.sub) return refused ?? message(p, 403, 'No access', 'Sign in first.', 'bad');
  const id = ctx.params.id ?? '';
  try {
    await p.deps().engine.closeIncident(id, { by: session.data.sub, reason: form.get('reason') ?? '' });
  } catch (error) {
    return message(
      p,
      isGateError(error) ? 409 : 500,
      'The incident was not closed',
      refusalText(error),
      'bad',
      session,
    );
  }
  return redirect(`/cases/${encodeURIComponent(id)}`);
}

/**
 * The checks every state-changing console action makes after the router's CSRF check: a console session,
 * and membership of a reviewer group read from the IdP now. Returns the refusal, or null to go on.
 */
export async function consoleActionRefused(
  p: PagesCtx,
  session: Session | null,
): Promise<RouteResponse | null> {
  if (session?.data.viewer !== true || !session.data.sub) {
    return message(p, 403, 'No access', 'Sign in to the security console first.', 'bad', session);
  }
  if (!(await isReviewer(p, session.data.sub))) {
    return message(
      p,
      403,
      'Reviewers only',
      'Closing reviews and incidents is for the configured reviewer groups.',
      'bad',
      session,
    );
  }
  return null;
}

/** A refusal in words that are safe to show (codes of our own errors; nothing from an IdP). */
export function refusalText(error: unknown): string {
  if (!isGateError(error)) return 'Something went wrong; nothing was changed.';
  switch (error.code) {
    case 'ERR_SEPARATION_OF_DUTIES':
      return 'You took part in this case: someone who did not must close it.';
    case 'ERR_APPROVER_NOT_ELIGIBLE':
      return 'You are not in a group allowed to do this.';
    case 'ERR_INPUT_INVALID':
      return error.message;
    case 'ERR_CASE_ILLEGAL_TRANSITION':
      return 'It is not open any more (closed already, or not ready to be closed).';
    case 'ERR_CASE_NOT_FOUND':
      return 'It does not exist.';
    default:
      return `Nothing was changed (${error.code}).`;
  }
}

function reviewNotice(review: ReviewRecord): SafeHtml {
  const state =
    review.state === 'open' ? `open, due ${when(review.dueAt)}` : `closed as ${review.outcome ?? ''}`;
  return html`<div class="notice notice-${review.state === 'open' ? 'wait' : 'ok'}" role="status"><p>Post-event review: ${state}. <a href="/reviews/${review.id}">Open the review</a></p></div>`;
}

/**
 * What a step's result says still holds after it ran (a revocation the IdP applies minutes later, access
 * tokens that live until they expire): shown beside the step so "done" never reads as "already revoked".
 */
function caveatsOf(result: Readonly<Record<string, unknown>>): SafeHtml | null {
  const caveats = Array.isArray(result.caveats) ? result.caveats.filter((x) => typeof x === 'string') : [];
  if (caveats.length === 0) return null;
  return html`<ul class="hint caveats">${caveats.map((text) => html`<li>${text}</li>`)}</ul>`;
}

/** `GET /cases/:id`. */
export async function casePage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const v = await consoleSession(p, ctx);
  if (!v.ok) return v.response as RouteResponse;
  const c = await p.deps().engine.getCase(ctx.params.id ?? '');
  if (!c) return message(p, 404, 'No such case', 'Check the case id.', 'bad', v.session);
  const [records, audit, reviews] = await Promise.all([
    listAudit(p.deps().store, { caseId: c.id }),
    p.verifyAudit(),
    listReviews(p.deps().store, { caseId: c.id }, p.now()),
  ]);
  const timeline = records.map(
    (r) =>
      html`<tr><td>${when(r.at)}</td><td class="mono">${r.type}</td><td>${r.actor}</td><td class="mono">${JSON.stringify(r.data).slice(0, 400)}</td></tr>`,
  );
  const journal = c.journal.map(
    (j) =>
      html`<li><span class="mono">${j.step}</span><span>${pill(j.state === 'done' ? 'ok' : 'wait', j.state)} ${when(j.updatedAt)}</span>${caveatsOf(j.result)}</li>`,
  );
  const awaitingClose =
    c.kind === 'incident' &&
    c.state === 'executing' &&
    (c.reason ?? '').startsWith('repudiation:') &&
    c.journal.some((j) => j.step === 'alert' && j.state === 'done') &&
    !c.journal.some((j) => j.step === 'review' && j.state === 'done');
  const review = reviews[0];
  const body = html`${consoleNav('cases')}<p><a href="/cases">All cases</a></p>
${statusCard(c, c.kind === 'incident' ? `Incident on ${c.subjectLogin ?? c.subjectId}: ${incidentLabel(c.reason)}` : `Case for ${c.subjectLogin ?? c.facts?.login ?? c.subjectId}`)}
${review ? reviewNotice(review) : null}
${awaitingClose ? closeIncidentForm(c.id, v.session.data.csrf) : ''}
${audit.ok ? notice('ok', `Audit chain verified (${audit.count} records).`) : notice('bad', `Audit chain broken at record ${audit.firstBadSeq} (${audit.reason}).`)}
${c.reason ? notice('info', `Reason: ${c.reason}`) : ''}
${card('Evidence and approvals', html`${missingList(c)}${evidenceList(c)}`)}
${card('Risk signals', riskSignals(c, p.now()))}
${card('Execution', html`<ul class="steps">${journal.length > 0 ? journal : html`<li>Not started</li>`}</ul>`)}
${card('Timeline', html`<table class="timeline"><thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">By</th><th scope="col">Details</th></tr></thead><tbody>${timeline}</tbody></table>`)}`;
  return page(p, 200, 'Case', body, v.session);
}
