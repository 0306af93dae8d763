/**
 * Remote identity proofing on the subject's verification page: "Verify your identity with <provider>",
 * the round trip to the provider and back, progress while a provider works (Verified ID), and the
 * outcome in plain words. The provider's callback is a machine route authenticated by the provider's
 * own scheme (api-key per request), never by a browser session.
 * @module
 */

import { isGateError } from '@recovery-gate/core';
import { IDV_RETURN_PATH, type IdvAttemptView } from '../idv/index.js';
import type { CaseView } from '../orchestrator/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { loadSession, message, type PagesCtx, persist } from './context.js';
import { csrfField, html, pill, type SafeHtml } from './html.js';
import { redirect } from './respond.js';
import type { Session } from './session.js';

/** The largest callback body read. */
const MAX_CALLBACK_BYTES = 256 * 1024;

function back(caseId: string): string {
  return `/verify/case/${encodeURIComponent(caseId)}`;
}

/** The IDV step of the verification page, or null when the case does not take it. */
export function idvStep(
  p: PagesCtx,
  c: CaseView,
  session: Session,
  attempt: IdvAttemptView | null,
): SafeHtml | null {
  const provider = p.deps().idv?.providerFor(c);
  if (!provider) return null;
  const label = html`Verify your identity with ${provider.displayName}`;
  if (c.evidence.some((e) => e.kind === 'idv_ial2' && e.outcome === 'passed')) {
    return html`<li><span>${label}</span>${pill('ok', 'done')}</li>`;
  }
  const go = session.data.idvContinue?.caseId === c.id ? session.data.idvContinue.url : null;
  const waiting = attempt?.status === 'started' || attempt?.status === 'progress';
  const status =
    attempt?.status === 'progress'
      ? html`<p class="hint" id="idv-status">In progress: ${provider.displayName} has your request. Finish it there, then reload this page.</p>`
      : waiting && go
        ? html`<p class="hint" id="idv-status">Waiting for you at ${provider.displayName}.</p>`
        : attempt?.status === 'failed'
          ? html`<p class="hint" id="idv-status"><strong>Not verified:</strong> ${attempt.reason ?? 'the verification did not succeed'}. You can try again.</p>`
          : null;
  const cont =
    waiting && go
      ? html`<a class="btn" id="idv-continue" href="/verify/case/${c.id}/idv/continue">Continue to ${provider.displayName}</a>`
      : null;
  return html`<li><div><form method="post" action="/verify/case/${c.id}/idv/start">${csrfField(session.data.csrf)}
<p><strong>${label}.</strong> Show an identity document and take a selfie; the result must match your name in the directory.</p>
${status}${cont}
<button class="btn${cont ? ' btn-quiet' : ''}" type="submit">${attempt ? 'Start again' : 'Verify your identity'}</button></form></div></li>`;
}

/** `POST /verify/case/:caseId/idv/start` (CSRF checked by the router), for the subject's session found by the caller. */
export async function idvStartPost(
  p: PagesCtx,
  found: { readonly session: Session; readonly c: CaseView },
): Promise<RouteResponse> {
  const { session, c } = found;
  const idv = p.deps().idv;
  if (!idv?.providerFor(c)) {
    session.data.flash = 'Identity verification is not offered for this recovery.';
    return redirect(back(c.id), await persist(p, session));
  }
  try {
    const url = await idv.start(c);
    session.data.idvContinue = { caseId: c.id, url };
    session.data.flash = 'Your identity check is ready. Continue to the provider.';
  } catch (error) {
    if (!isGateError(error)) throw error;
    session.data.flash =
      error.code === 'ERR_CASE_ILLEGAL_TRANSITION'
        ? 'This recovery no longer takes evidence.'
        : 'The identity verification service is not answering. Nothing has changed; try again later.';
  }
  return redirect(back(c.id), await persist(p, session));
}

/** `GET /verify/case/:caseId/idv/continue`: on to the provider (its URL may be an app deep link, e.g. openid-vc://). */
export function idvContinue(found: {
  readonly session: Session;
  readonly c: CaseView;
}): RouteResponse | null {
  const go = found.session.data.idvContinue;
  return go?.caseId === found.c.id ? redirect(go.url) : null;
}

/** `GET /verify/idv/return`: the provider sends the browser back here. */
export async function idvReturn(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const idv = p.deps().idv;
  const session = await loadSession(p, ctx);
  if (!idv)
    return message(p, 404, 'Not available', 'Identity verification is not set up here.', 'bad', session);
  try {
    // The router parses paths against a placeholder host: the provider saw the gate's public URL.
    const base = p.deps().baseUrl.replace(/\/$/, '');
    const settled = await idv.handleReturn(new URL(`${base}${IDV_RETURN_PATH}${ctx.url.search}`));
    const flash =
      settled.outcome === 'recorded'
        ? settled.counts
          ? 'Your identity is verified.'
          : `We could not accept this identity check: ${settled.reason ?? 'it did not succeed'}.`
        : settled.outcome === 'progress'
          ? 'Your identity check is in progress.'
          : 'This answer was already used or the recovery has ended. Nothing has changed.';
    if (session && settled.caseId && session.data.caseId === settled.caseId) {
      delete session.data.idvContinue;
      session.data.flash = flash;
      return redirect(back(settled.caseId), await persist(p, session));
    }
    return message(p, 200, 'Identity check received', flash, 'info', session);
  } catch (error) {
    if (!isGateError(error)) throw error;
    p.deps().logger.warn('identity verification return refused', { code: error.code });
    if (error.code === 'ERR_IDV_UNAVAILABLE') {
      return message(
        p,
        503,
        'Try again later',
        'The identity verification service is not answering. Nothing has changed; your check stays pending. Reload this page in a few minutes.',
        'info',
        session,
      );
    }
    return message(
      p,
      400,
      'This answer cannot be used',
      'It is not for a recovery waiting for one, or it does not verify. Nothing has changed.',
      'bad',
      session,
    );
  }
}

/** `POST /idv/callback/:provider`: the provider's result, authenticated by the provider (not a session). */
export async function idvCallback(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const idv = p.deps().idv;
  if (!idv) return { status: 404, headers: {}, body: '' };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.req.headers)) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  try {
    await idv.handleCallback(ctx.params.provider ?? '', headers, await ctx.body(MAX_CALLBACK_BYTES));
    return { status: 202, headers: {}, body: '' };
  } catch (error) {
    // The provider retries on 5xx: a failure on our side or theirs leaves the attempt as it was.
    if (isGateError(error, 'ERR_IDV_UNAVAILABLE') || isGateError(error, 'ERR_IDV_RESPONSE_INVALID')) {
      return { status: 503, headers: { 'retry-after': '30' }, body: '' };
    }
    throw error;
  }
}
