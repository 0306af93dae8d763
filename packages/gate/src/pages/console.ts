/**
 * The security console's queue and charts. The queue lists what needs a person: cases waiting for
 * verification or approval, open and overdue reviews, bypass and repudiation incidents, failed executions.
 * The charts show a chosen period per IdP and tier as server-rendered SVG, with the same numbers as a table
 * and a CSV download.
 * @module
 */

import { toCsv } from '../console/csv.js';
import { parseCaseQuery, queryString } from '../console/query.js';
import { figures } from '../console/stats.js';
import { barChart } from '../console/svg.js';
import type { CaseRecord } from '../orchestrator/index.js';
import { toCase } from '../orchestrator/repo.js';
import { isOverdue, listReviews, type ReviewRecord } from '../reviews/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { consoleNav, consoleSession, csvResponse, filterForm, incidentLabel } from './cases.js';
import { message, type PagesCtx, page } from './context.js';
import { actionLabel, card, html, pill, type SafeHtml, statePill, when } from './html.js';

const DAY = 86_400_000;

function caseLink(c: CaseRecord): SafeHtml {
  return html`<a class="mono" href="/cases/${encodeURIComponent(c.id)}">${c.id.slice(0, 8)}</a>`;
}

function who(c: CaseRecord): string {
  return c.subjectLogin ?? c.facts?.login ?? c.subjectId;
}

function table(headers: readonly string[], rows: readonly SafeHtml[], empty: string): SafeHtml {
  const head = headers.map((h) => html`<th scope="col">${h}</th>`);
  const body =
    rows.length > 0 ? rows : html`<tr><td colspan="${headers.length}" class="empty">${empty}</td></tr>`;
  return html`<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** What a waiting case still needs, in a few words. */
function waitingFor(c: CaseRecord): string {
  const first = c.decision?.unmet[0];
  if (c.state === 'executing') return 'The subject to collect the credential';
  if (c.state === 'held') return `Hold until ${when(c.notBefore)}`;
  return first ? first.replace(/^[A-Z_]+: /, '') : 'Verification';
}

const OUTCOME_TONE = { legitimate: 'ok', misuse: 'bad', needs_follow_up: 'wait' } as const;

/** A closed review's outcome as a pill: legitimate green, misuse red, needs follow-up amber. */
export function outcomePill(r: ReviewRecord): SafeHtml {
  return pill(
    r.outcome ? OUTCOME_TONE[r.outcome] : 'info',
    `Closed: ${(r.outcome ?? '').replaceAll('_', ' ')}`,
  );
}

/** One review as a table row. */
export function reviewRow(r: ReviewRecord, now: Date): SafeHtml {
  const status =
    r.state === 'closed' ? outcomePill(r) : isOverdue(r, now) ? pill('bad', 'Overdue') : pill('wait', 'Open');
  return html`<tr><td><a class="mono" href="/reviews/${r.id}">${r.id.slice(0, 8)}</a></td><td>${r.kind.replace('_', ' ')}</td><td>${r.idp}</td><td>${r.subjectLogin ?? r.subjectId}</td><td>${r.reviewerGroup}</td><td>${when(r.dueAt)}</td><td>${status}</td></tr>`;
}

/** The review table's headers. */
export const REVIEW_HEADERS = ['Review', 'Why', 'IdP', 'Account', 'Assigned to', 'Due', 'Status'] as const;

async function queueData(p: PagesCtx) {
  const store = p.deps().store;
  const now = p.now();
  const since = new Date(now.getTime() - 30 * DAY).toISOString();
  const [waiting, incidents, failed, reviews] = await Promise.all([
    store.query(
      `SELECT * FROM cases WHERE kind = 'recovery' AND state IN ('requested', 'verifying', 'held', 'executing')
        ORDER BY created_at LIMIT 200`,
    ),
    store.query(
      `SELECT * FROM cases WHERE kind = 'incident' AND (created_at >= $1 OR state = 'executing')
        ORDER BY created_at DESC LIMIT 200`,
      [since],
    ),
    store.query(
      `SELECT * FROM cases WHERE kind = 'recovery' AND state = 'failed' AND updated_at >= $1
        ORDER BY updated_at DESC LIMIT 200`,
      [since],
    ),
    listReviews(store, { state: 'open' }, now),
  ]);
  return {
    waiting: waiting.map(toCase),
    incidents: incidents.map(toCase),
    failed: failed.map(toCase),
    reviews,
  };
}

function tile(label: string, value: number, tone: 'ok' | 'wait' | 'bad' | 'info', href: string): SafeHtml {
  return html`<li class="tile tile-${value === 0 ? 'ok' : tone}"><a href="${href}"><span class="tile-n">${value}</span><span class="tile-l">${label}</span></a></li>`;
}

/** `GET /console`: the queue. */
export async function queuePage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const v = await consoleSession(p, ctx);
  if (!v.ok) return v.response as RouteResponse;
  const now = p.now();
  const q = await queueData(p);
  const overdue = q.reviews.filter((r) => isOverdue(r, now)).length;
  const waitingRows = q.waiting.map(
    (c) =>
      html`<tr><td>${caseLink(c)}</td><td>${c.idp}</td><td>${who(c)}</td><td>${actionLabel(c.action)}</td><td>${c.tier ?? '—'}</td><td>${statePill(c.state)}</td><td>${waitingFor(c)}</td><td>${when(c.createdAt)}</td></tr>`,
  );
  const incidentRows = q.incidents.map(
    (c) =>
      html`<tr><td>${caseLink(c)}</td><td>${c.idp}</td><td>${who(c)}</td><td>${incidentLabel(c.reason)}</td><td>${statePill(c.state)}</td><td>${when(c.createdAt)}</td></tr>`,
  );
  const failedRows = q.failed.map(
    (c) =>
      html`<tr><td>${caseLink(c)}</td><td>${c.idp}</td><td>${who(c)}</td><td>${actionLabel(c.action)}</td><td class="mono">${c.reason ?? ''}</td><td>${when(c.updatedAt)}</td></tr>`,
  );
  const body = html`${consoleNav('queue')}
<h1>Queue</h1>
<p class="lead">What needs a person now. Incidents and failed executions cover the last 30 days; incidents still open are always listed.</p>
<ul class="tiles" aria-label="Summary">
${tile('Waiting for a person', q.waiting.length, 'wait', '#waiting')}
${tile('Open reviews', q.reviews.length, 'wait', '#reviews')}
${tile('Overdue reviews', overdue, 'bad', '#reviews')}
${tile('Incidents', q.incidents.length, 'bad', '#incidents')}
${tile('Failed executions', q.failed.length, 'bad', '#failed')}
</ul>
<section id="reviews" class="card" aria-labelledby="h-q-reviews"><h2 id="h-q-reviews">Reviews to close (${q.reviews.length}, ${overdue} overdue)</h2>
${table(
  REVIEW_HEADERS,
  q.reviews.map((r) => reviewRow(r, now)),
  'No open reviews',
)}</section>
<section id="waiting" class="card" aria-labelledby="h-q-waiting"><h2 id="h-q-waiting">Cases waiting for a person (${q.waiting.length})</h2>
${table(['Case', 'IdP', 'Account', 'Request', 'Tier', 'State', 'Waiting for', 'Opened'], waitingRows, 'Nothing waiting')}</section>
<section id="incidents" class="card" aria-labelledby="h-q-incidents"><h2 id="h-q-incidents">Bypass and repudiation incidents (${q.incidents.length})</h2>
${table(['Incident', 'IdP', 'Account', 'What', 'State', 'Detected'], incidentRows, 'No incidents')}</section>
<section id="failed" class="card" aria-labelledby="h-q-failed"><h2 id="h-q-failed">Failed executions (${q.failed.length})</h2>
${table(['Case', 'IdP', 'Account', 'Request', 'Why', 'When'], failedRows, 'No failed executions')}</section>`;
  return page(p, 200, 'Queue', body, v.session);
}

/** The chart period: the filters given, with the last 30 days by default. */
function chartQuery(p: PagesCtx, ctx: RequestContext) {
  const parsed = parseCaseQuery(ctx.url.searchParams);
  const today = p.now().toISOString().slice(0, 10);
  const monthAgo = new Date(p.now().getTime() - 29 * DAY).toISOString().slice(0, 10);
  const { idp, tier, from, to } = parsed.query;
  return {
    errors: parsed.errors,
    query: {
      ...(idp ? { idp } : {}),
      ...(tier ? { tier } : {}),
      from: from ?? monthAgo,
      to: to ?? today,
    },
  };
}

function figureTable(f: Awaited<ReturnType<typeof figures>>[number]): SafeHtml {
  const head = ['', ...f.series].map((h) => html`<th scope="col">${h}</th>`);
  const rows = f.rows.map(
    (r) => html`<tr><th scope="row">${r.label}</th>${r.values.map((x) => html`<td>${x}</td>`)}</tr>`,
  );
  return html`<details class="figure-data"><summary>The numbers (${f.unit})</summary><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></details>`;
}

/** `GET /console/charts`: the figures of a period as SVG charts. */
export async function chartsPage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const v = await consoleSession(p, ctx);
  if (!v.ok) return v.response as RouteResponse;
  const { query, errors } = chartQuery(p, ctx);
  if (errors.length > 0) return message(p, 400, 'Filter refused', errors.join('; '), 'bad', v.session);
  const figs = await figures(p.deps().store, query);
  const qs = queryString(query);
  const charts = figs.map(
    (f) =>
      html`<section class="card chart-card" aria-labelledby="h-${f.id}"><h2 id="h-${f.id}">${f.title}</h2><p class="hint">${f.description}</p>${barChart(f)}${figureTable(f)}</section>`,
  );
  const body = html`${consoleNav('charts')}
<div class="page-head"><h1>Charts</h1><a class="btn btn-quiet" href="/console/charts.csv${qs}" download>Export CSV</a></div>
<p class="lead">Cases opened from ${query.from} to ${query.to} (UTC)${query.idp ? ` on ${query.idp}` : ''}${query.tier ? `, tier ${query.tier}` : ''}.</p>
${card('Period', filterForm('/console/charts', query, false))}
<div class="charts">${charts}</div>`;
  return page(p, 200, 'Charts', body, v.session);
}

/** `GET /console/charts.csv`: the figures of the chosen period as CSV. */
export async function chartsCsv(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const v = await consoleSession(p, ctx);
  if (!v.ok) return v.response as RouteResponse;
  const { query, errors } = chartQuery(p, ctx);
  if (errors.length > 0) return message(p, 400, 'Filter refused', errors.join('; '), 'bad', v.session);
  const figs = await figures(p.deps().store, query);
  const rows = figs.flatMap((f) =>
    f.rows.flatMap((r) =>
      r.values.map((value, i) => [f.title, r.label, f.series[i] ?? '', value, f.unit, query.from, query.to]),
    ),
  );
  return csvResponse(
    'recovery-figures.csv',
    toCsv(['figure', 'row', 'series', 'value', 'unit', 'from', 'to'], rows),
  );
}
