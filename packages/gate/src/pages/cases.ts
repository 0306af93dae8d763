/**
 * The read-only case view for help-desk leads and IAM engineers: a list, and per case the status, facts,
 * evidence, approvals, execution journal, audit timeline and the chain's verification status. Access is
 * an OIDC sign-in plus membership, read from the IdP, of one of the configured groups.
 * @module
 */

import { listAudit } from '../audit/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { ensureSession, message, type PagesCtx, page } from './context.js';
import { actionLabel, card, html, notice, pill, statePill, when } from './html.js';
import type { Session } from './session.js';
import { beginSignIn } from './signin.js';
import { evidenceList, missingList, riskSignals, statusCard } from './summary.js';

/** Whether `personId` is in one of the viewer groups, per the IdP. */
export async function isViewer(p: PagesCtx, personId: string): Promise<boolean> {
  const provider = p.deps().providers.get(p.settings.viewer.idp);
  if (!provider) return false;
  try {
    const facts = await provider.readSubjectFacts(personId);
    const wanted = p.settings.viewer.groups.map((g) => g.toLowerCase());
    return facts.status === 'active' && (facts.groups ?? []).some((g) => wanted.includes(g.toLowerCase()));
  } catch {
    return false;
  }
}

async function viewerSession(
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
        'The case view is for the security team and help-desk leads.',
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

/** `GET /cases`. */
export async function casesPage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const v = await viewerSession(p, ctx);
  if (!v.ok) return v.response as RouteResponse;
  const list = await p.deps().engine.listCases({ limit: 200 });
  const rows = list.map(
    (c) => html`<tr><td><a href="/cases/${encodeURIComponent(c.id)}" class="mono">${c.id.slice(0, 8)}</a></td>
<td>${c.idp}</td><td>${c.subjectLogin ?? c.facts?.login ?? c.subjectId}</td><td>${actionLabel(c.action)}</td>
<td>${c.tier ?? '—'}</td><td>${statePill(c.state)}</td><td>${when(c.updatedAt)}</td></tr>`,
  );
  const audit = await p.verifyAudit();
  const body = html`<h1>Recovery cases</h1>
<p class="lead">Read-only. Cases move only through the IdP's console and the verification and approval pages.</p>
${audit.ok ? notice('ok', `Audit chain verified: ${audit.count} records intact.`) : notice('bad', `Audit chain broken at record ${audit.firstBadSeq} (${audit.reason}).`)}
${card('Cases', html`<table><caption class="hint">Newest first</caption><thead><tr><th scope="col">Case</th><th scope="col">IdP</th><th scope="col">Account</th><th scope="col">Request</th><th scope="col">Tier</th><th scope="col">State</th><th scope="col">Updated</th></tr></thead><tbody>${rows.length > 0 ? rows : html`<tr><td colspan="7">No cases yet</td></tr>`}</tbody></table>`)}`;
  return page(p, 200, 'Cases', body, v.session);
}

/** `GET /cases/:id`. */
export async function casePage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const v = await viewerSession(p, ctx);
  if (!v.ok) return v.response as RouteResponse;
  const c = await p.deps().engine.getCase(ctx.params.id ?? '');
  if (!c) return message(p, 404, 'No such case', 'Check the case id.', 'bad', v.session);
  const [records, audit] = await Promise.all([listAudit(p.deps().store, { caseId: c.id }), p.verifyAudit()]);
  const timeline = records.map(
    (r) =>
      html`<tr><td>${when(r.at)}</td><td class="mono">${r.type}</td><td>${r.actor}</td><td class="mono">${JSON.stringify(r.data).slice(0, 400)}</td></tr>`,
  );
  const journal = c.journal.map(
    (j) =>
      html`<li><span class="mono">${j.step}</span><span>${pill(j.state === 'done' ? 'ok' : 'wait', j.state)} ${when(j.updatedAt)}</span></li>`,
  );
  const body = html`<p><a href="/cases">All cases</a></p>
${statusCard(c, `Case for ${c.subjectLogin ?? c.facts?.login ?? c.subjectId}`)}
${audit.ok ? notice('ok', `Audit chain verified (${audit.count} records).`) : notice('bad', `Audit chain broken at record ${audit.firstBadSeq} (${audit.reason}).`)}
${c.reason ? notice('info', `Reason: ${c.reason}`) : null}
${card('Evidence and approvals', html`${missingList(c)}${evidenceList(c)}`)}
${card('Risk signals', riskSignals(c, p.now()))}
${card('Execution', html`<ul class="steps">${journal.length > 0 ? journal : html`<li>Not started</li>`}</ul>`)}
${card('Timeline', html`<table class="timeline"><thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">By</th><th scope="col">Details</th></tr></thead><tbody>${timeline}</tbody></table>`)}`;
  return page(p, 200, 'Case', body, v.session);
}
