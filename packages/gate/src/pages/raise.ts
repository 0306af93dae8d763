/**
 * Raising a case at the gate: where guardrails keep privileged users out of the agent's console, a
 * help-desk agent signs in through the IdP (with MFA), is checked against the help-desk group in the IdP,
 * and asks for a recovery here. The case is the same as one raised from the console: the agent is its
 * requester, so separation of duties keeps them from verifying or approving it, and raising one's own
 * recovery is refused.
 * @module
 */

import { type IdpKind, isGateError, RECOVERY_ACTIONS, type RecoveryAction } from '@recovery-gate/core';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { ensureSession, message, type PagesCtx, page, persist } from './context.js';
import { DEFAULT_APPROVER_GROUPS } from './eligible.js';
import { actionLabel, card, csrfField, html, notice, type SafeHtml } from './html.js';
import { readForm, redirect } from './respond.js';
import type { Session } from './session.js';
import { beginSignIn } from './signin.js';

/** The IdP groups whose members may raise cases (the help desk: the second-agent pool). */
function agentGroups(p: PagesCtx): readonly string[] {
  return { ...DEFAULT_APPROVER_GROUPS, ...p.settings.approverGroups }.second_agent ?? ['HelpDesk'];
}

/** Whether the IdP lists `personId`, active, in a help-desk group; unreadable facts refuse. */
export async function isAgent(p: PagesCtx, idp: IdpKind, personId: string): Promise<boolean> {
  const provider = p.deps().providers.get(idp);
  if (!provider) return false;
  try {
    const facts = await provider.readSubjectFacts(personId);
    const wanted = agentGroups(p).map((g) => g.toLowerCase());
    return facts.status === 'active' && (facts.groups ?? []).some((g) => wanted.includes(g.toLowerCase()));
  } catch {
    return false;
  }
}

function idpOf(p: PagesCtx, ctx: RequestContext, session: Session): IdpKind {
  const asked = ctx.url.searchParams.get('idp') ?? session.data.idp ?? p.settings.viewer.idp;
  return (p.oidc.has(asked) ? asked : p.settings.viewer.idp) as IdpKind;
}

function form(session: Session, idp: IdpKind, flash: string | null): SafeHtml {
  const actions = RECOVERY_ACTIONS.map((a) => html`<option value="${a}">${actionLabel(a)}</option>`);
  return html`<h1>Raise a recovery</h1>
<p class="lead">For accounts you cannot reach in the ${idp} console. The gate decides what proof and approvals it needs; you will not verify or approve it yourself.</p>
${flash ? notice('info', flash) : null}
${card(
  'Request',
  html`<form method="post" action="/raise">${csrfField(session.data.csrf)}
<div class="field"><label for="subject">Account (login or id)</label><input id="subject" name="subject" type="text" autocomplete="off" required></div>
<div class="field"><label for="action">What is needed</label><select id="action" name="action">${actions}</select></div>
<button class="btn" type="submit">Raise the recovery</button></form>`,
)}`;
}

/** `GET /raise`: the form for a signed-in help-desk agent, else a sign-in with MFA first. */
export async function raisePage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const { session } = await ensureSession(p, ctx);
  const idp = idpOf(p, ctx, session);
  if (session.data.sub && session.data.agent === true && session.data.idp === idp) {
    const flash = session.data.flash ?? null;
    if (flash) {
      delete session.data.flash;
      await persist(p, session);
    }
    return page(p, 200, 'Raise a recovery', form(session, idp, flash), session);
  }
  return beginSignIn(p, session, { idp, intent: 'agent', caseId: null, mode: 'stepup' });
}

function refuse(p: PagesCtx, session: Session, status: number, title: string, text: string): RouteResponse {
  return message(p, status, title, text, 'bad', session);
}

/** `POST /raise`: opens the case with the signed-in agent as requester. */
export async function raisePost(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const body = await readForm(ctx);
  const { session } = await ensureSession(p, ctx);
  const agent = session.data.sub;
  const idp = session.data.idp as IdpKind | undefined;
  if (!agent || !idp || session.data.agent !== true) {
    return refuse(p, session, 403, 'Sign in first', 'Open /raise to sign in as a help-desk agent.');
  }
  // Membership is read again: an agent removed from the help desk since sign-in can no longer raise.
  if (!(await isAgent(p, idp, agent))) {
    return refuse(p, session, 403, 'No access', 'The identity provider does not list you in the help desk.');
  }
  const action = body.get('action') ?? '';
  const subject = (body.get('subject') ?? '').trim();
  if (
    !(RECOVERY_ACTIONS as readonly string[]).includes(action) ||
    subject.length === 0 ||
    subject.length > 256
  ) {
    return refuse(p, session, 400, 'Check the form', 'Name the account and what is needed.');
  }
  const person = await p.deps().providers.get(idp)?.findUser(subject);
  if (!person)
    return refuse(p, session, 404, 'No such account', 'The identity provider has no such account.');
  if (person.id === agent) {
    return refuse(p, session, 403, 'Not for yourself', 'Your own recovery must be raised by someone else.');
  }
  try {
    const c = await p.deps().engine.openCase({
      idp,
      subject: person.id,
      action: action as RecoveryAction,
      requesterId: agent,
    });
    session.data.flash = c
      ? `Recovery raised for ${person.login ?? person.id}: case ${c.id}, ${c.state}.`
      : 'The request was withdrawn meanwhile; nothing is open.';
  } catch (error) {
    if (!isGateError(error)) throw error;
    session.data.flash = `The gate refused the request (${error.code}).`;
  }
  return redirect(`/raise?idp=${encodeURIComponent(idp)}`, await persist(p, session));
}
