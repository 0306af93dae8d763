/**
 * The subject's own recovery-codes page, `/recovery-codes`: signed in through the IdP with step-up, they see
 * whether they have a set (when it was made, how many are left), create a new one (shown once, voiding the
 * old) or void it. One step-up allows one issuance: a reload or a replayed form shows nothing again.
 * @module
 */

import type { IdpKind, Secret } from '@recovery-gate/core';
import { formatCode } from '../codes/hash.js';
import type { CodeSubject } from '../codes/service.js';
import { errorText } from '../orchestrator/context.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { ensureSession, message, type PagesCtx, page, persist } from './context.js';
import { card, csrfField, facts, html, notice, type SafeHtml, when } from './html.js';
import { readForm, redirect } from './respond.js';
import type { Session } from './session.js';
import { beginSignIn } from './signin.js';

/** How long a step-up sign-in lets the subject manage their codes. */
export const CODES_STEP_UP_TTL_MS = 10 * 60 * 1000;

const NO_STORE = { 'cache-control': 'no-store, max-age=0', pragma: 'no-cache' };

/** The card that shows a fresh set once. */
export function codesCard(codes: readonly Secret[]): SafeHtml {
  const items = codes.map((code) => html`<li><code>${formatCode(code)}</code></li>`);
  return card(
    'Your recovery codes',
    html`<p>Save these now, somewhere only you can reach (printed, or in a password manager). Each works once, to prove it is you if you lose your sign-in methods. <strong>They will not be shown again.</strong></p>
<ol class="codes" id="recovery-codes">${items}</ol>
<p class="hint">Nobody from the help desk will ask you for them. Creating a new set voids these.</p>`,
    'card-ok',
  );
}

function idpOf(p: PagesCtx, ctx: RequestContext): IdpKind | null {
  const asked = ctx.url.searchParams.get('idp') ?? p.settings.viewer.idp;
  return p.oidc.has(asked) ? (asked as IdpKind) : null;
}

/** The signed-in subject whose step-up still allows managing codes, or null. */
function steppedUp(p: PagesCtx, session: Session): { readonly idp: IdpKind; readonly sub: string } | null {
  const until = session.data.codesUntil;
  const { sub, idp } = session.data;
  if (typeof until !== 'number' || until <= p.now().getTime() || !sub || !idp || !p.oidc.has(idp))
    return null;
  return { idp: idp as IdpKind, sub };
}

/** The subject with every channel on file (each is told); null when the IdP cannot say, and then nothing changes. */
async function subjectOf(
  p: PagesCtx,
  who: { readonly idp: IdpKind; readonly sub: string },
): Promise<CodeSubject | null> {
  try {
    const read = await p.deps().providers.get(who.idp)?.readSubjectFacts(who.sub);
    return read?.channels ? { idp: who.idp, subjectId: who.sub, channels: read.channels } : null;
  } catch (error) {
    p.deps().logger.warn('recovery codes: the subject could not be read', {
      idp: who.idp,
      error: errorText(error),
    });
    return null;
  }
}

function idpDown(p: PagesCtx, session: Session): RouteResponse {
  const text =
    'We could not read your account at the identity provider, so nothing was changed. Try again in a few minutes.';
  return message(p, 503, 'Try again later', text, 'wait', session);
}

function unavailable(p: PagesCtx): RouteResponse {
  return message(p, 404, 'Not available', 'This gate does not issue recovery codes.', 'info');
}

/** `GET /recovery-codes`: the status and forms after a step-up sign-in, else the sign-in. */
export async function codesPage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const codes = p.codes();
  if (!codes) return unavailable(p);
  const { session, fresh } = await ensureSession(p, ctx);
  const who = steppedUp(p, session);
  if (!who) {
    const idp = idpOf(p, ctx);
    if (!idp)
      return message(
        p,
        400,
        'Unknown identity provider',
        'Open this page from the link your company gave you.',
        'bad',
      );
    return beginSignIn(p, session, { idp, intent: 'codes', caseId: null, mode: 'stepup' });
  }
  const flash = session.data.flash;
  if (flash) delete session.data.flash;
  const live = await codes.status(who.idp, who.sub);
  const state = live
    ? facts([
        ['Created', when(live.createdAt)],
        ['Unused', `${live.remaining} of ${live.total}`],
      ])
    : html`<p>You have no recovery codes.</p>`;
  const voidForm = live
    ? html`<form method="post" action="/recovery-codes/void">${csrfField(session.data.csrf)}
<button class="btn btn-quiet" type="submit">Void my codes</button></form>`
    : null;
  const body = html`<h1>Your recovery codes</h1>
${flash ? notice('info', flash) : null}
${card('What you have', state)}
${card(
  live ? 'Create a new set' : 'Create recovery codes',
  html`<p>You get ${codes.options.count} codes, shown once.${live ? ' Your current codes stop working.' : ''} We tell you on every channel on file.</p>
<form method="post" action="/recovery-codes">${csrfField(session.data.csrf)}
<button class="btn" type="submit">Create codes</button></form>${voidForm}`,
)}`;
  const headers = flash || fresh ? await persist(p, session) : {};
  return page(p, 200, 'Your recovery codes', body, session, { ...NO_STORE, ...headers });
}

async function checkedPost(
  p: PagesCtx,
  ctx: RequestContext,
): Promise<
  | {
      readonly ok: true;
      readonly session: Session;
      readonly who: { readonly idp: IdpKind; readonly sub: string };
    }
  | { readonly ok: false; readonly response: RouteResponse }
> {
  // The router checked the form's CSRF token against this session before the handler ran.
  await readForm(ctx);
  const { session } = await ensureSession(p, ctx);
  const who = steppedUp(p, session);
  if (!who) {
    const text = 'Managing recovery codes needs a fresh multi-factor sign-in. Nothing was changed.';
    const r = message(
      p,
      401,
      'Sign in again',
      text,
      'bad',
      session,
      html`<p><a href="/recovery-codes">Sign in</a></p>`,
    );
    return { ok: false, response: r };
  }
  return { ok: true, session, who };
}

/** `POST /recovery-codes`: issues a set, shown in this response only; the step-up is spent. */
export async function codesIssuePost(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const codes = p.codes();
  if (!codes) return unavailable(p);
  const checked = await checkedPost(p, ctx);
  if (!checked.ok) return checked.response;
  const { session, who } = checked;
  const subject = await subjectOf(p, who);
  if (!subject) return idpDown(p, session);
  // Spent before issuing: a replayed or reloaded form cannot issue (or show) another set.
  delete session.data.codesUntil;
  await persist(p, session);
  const issued = await codes.issue(subject, { actor: who.sub, reason: 'request', caseId: null });
  const body = html`${codesCard(issued.codes)}
<p><a href="/recovery-codes">Done</a></p>`;
  return page(p, 200, 'Your recovery codes', body, session, NO_STORE);
}

/** `POST /recovery-codes/void`: voids the live set. */
export async function codesVoidPost(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const codes = p.codes();
  if (!codes) return unavailable(p);
  const checked = await checkedPost(p, ctx);
  if (!checked.ok) return checked.response;
  const { session, who } = checked;
  const subject = await subjectOf(p, who);
  if (!subject) return idpDown(p, session);
  const voided = await codes.void(subject, who.sub);
  session.data.flash = voided
    ? 'Your recovery codes were voided. They no longer work.'
    : 'You had no recovery codes.';
  return redirect('/recovery-codes', await persist(p, session));
}
