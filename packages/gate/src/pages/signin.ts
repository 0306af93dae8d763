/**
 * Starting and finishing OIDC sign-in: from a link (verify, approve, reveal), for the verification page's
 * step-up and collect buttons, and for the case view. The callback takes the code and state out of the
 * URL by redirecting, rotates the session, and hands over to the intent.
 * @module
 */

import { type IdpKind, isGateError } from '@recovery-gate/core';
import { hashToken, type LinkPurpose } from '../orchestrator/links.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { ensureSession, linkRefused, loadSession, message, type PagesCtx, persist } from './context.js';
import { html } from './html.js';
import { peekLink } from './links.js';
import type { SignInMode, SignInResult } from './oidc.js';
import { needsLinkProof, startLinkProof } from './prove.js';
import { recordRefusal, recordRefusalHash } from './refusals.js';
import { redirect } from './respond.js';
import type { Session } from './session.js';

/** Why a sign-in was started. */
export type SignInIntent = 'link' | 'stepup' | 'collect' | 'viewer' | 'agent' | 'codes';

/** The callback path registered with every IdP. */
export const CALLBACK_PATH = '/oidc/callback';

/** Sends the browser to the IdP, remembering the transaction in the session. */
export async function beginSignIn(
  p: PagesCtx,
  session: Session,
  input: {
    readonly idp: IdpKind;
    readonly intent: SignInIntent;
    readonly caseId: string | null;
    readonly mode: SignInMode;
  },
): Promise<RouteResponse> {
  let start: Awaited<ReturnType<PagesCtx['oidc']['start']>>;
  try {
    start = await p.oidc.start(input.idp, `${p.deps().baseUrl}${CALLBACK_PATH}`, input.mode);
  } catch (error) {
    if (!isGateError(error)) throw error;
    p.deps().logger.warn('page sign-in could not start', { idp: input.idp, code: error.code });
    const r = message(
      p,
      503,
      'Sign-in unavailable',
      'The identity provider cannot be reached right now. Your link still works: try again in a few minutes.',
      'wait',
    );
    return { ...r, headers: { ...r.headers, ...(await persist(p, session)) } };
  }
  session.data.oidc = {
    state: start.state,
    nonce: start.nonce,
    verifier: start.verifier,
    idp: input.idp,
    intent: input.intent,
    caseId: input.caseId,
    maxAge: start.maxAge,
    acrValues: start.acrValues,
  };
  return redirect(start.url, await persist(p, session));
}

/** `GET /{purpose}/:token`: checks the link, keeps the token server-side, and starts sign-in. */
export async function startFromLink(
  p: PagesCtx,
  ctx: RequestContext,
  purpose: 'verify' | 'approve' | 'reveal',
): Promise<RouteResponse> {
  await p.ready();
  const token = ctx.params.token ?? '';
  const link = await peekLink(p.deps().store, token, purpose, p.now());
  if (!link) {
    await recordRefusal(p, token, purpose, (await loadSession(p, ctx))?.data.sub ?? null);
    return linkRefused(p);
  }
  const c = await p.deps().engine.getCase(link.caseId);
  if (!c || !p.oidc.has(c.idp)) return linkRefused(p);
  const { session } = await ensureSession(p, ctx);
  session.data.pendingLink = { tokenHash: hashToken(token), purpose, caseId: c.id };
  // A subject whose password was just reset, or whose account is locked, proves possession instead.
  if (needsLinkProof(c, purpose)) return startLinkProof(p, session);
  // Collecting a credential after an MFA reset cannot ask for the factors the reset removed: fresh is enough.
  const mode = purpose === 'reveal' ? 'fresh' : 'stepup';
  return beginSignIn(p, session, { idp: c.idp, intent: 'link', caseId: c.id, mode });
}

/** Applies a finished sign-in to the session (new id, who, how). */
async function signedIn(p: PagesCtx, session: Session, result: SignInResult, idp: string): Promise<Session> {
  const next = await p.sessions().rotate(p.deps().store, session);
  const { oidc: _done, ...rest } = next.data;
  next.data = {
    ...rest,
    sub: result.sub,
    idp,
    name: result.name ?? result.sub,
    acr: result.acr,
    amr: result.amr,
    ...(result.authTime === null ? {} : { authTime: result.authTime }),
  };
  return next;
}

/** The handlers an intent resolves to after sign-in. */
export type IntentHandlers = Record<
  SignInIntent,
  (session: Session, result: SignInResult, caseId: string | null) => Promise<RouteResponse>
>;

/** `GET /oidc/callback`. */
export async function callback(
  p: PagesCtx,
  ctx: RequestContext,
  intents: IntentHandlers,
): Promise<RouteResponse> {
  // Only a session that started a sign-in can finish one: an unauthenticated GET creates no session row.
  const session = await loadSession(p, ctx);
  const txn = session?.data.oidc;
  if (!session || !txn || !p.oidc.has(txn.idp)) {
    return message(p, 400, 'Sign-in expired', 'Start again from the link you received.', 'bad');
  }
  if (ctx.url.searchParams.has('error')) {
    delete session.data.oidc;
    await persist(p, session);
    // Someone who lost their second factor can still sign in with the password and prove it otherwise.
    const fallback =
      txn.intent === 'link' && session.data.pendingLink?.purpose === 'verify'
        ? html`<p><a class="btn" href="/verify/continue">Continue without a second factor</a></p><p class="hint">You will need another proof, such as a code to your phone on file.</p>`
        : txn.caseId !== null && (txn.intent === 'stepup' || txn.intent === 'collect')
          ? html`<p><a href="/verify/case/${encodeURIComponent(txn.caseId)}">Back to your recovery</a></p>`
          : null;
    return message(
      p,
      401,
      'Sign-in not completed',
      'The identity provider did not confirm who you are with the strength this step needs. Nothing was changed.',
      'bad',
      null,
      fallback,
    );
  }
  let result: SignInResult;
  try {
    const current = new URL(`${p.deps().baseUrl}${CALLBACK_PATH}${ctx.url.search}`);
    result = await p.oidc.finish(txn.idp, current, txn);
  } catch (error) {
    p.deps().logger.warn('page sign-in failed', { code: isGateError(error) ? error.code : 'unknown' });
    delete session.data.oidc;
    await persist(p, session);
    return message(
      p,
      401,
      'Sign-in not completed',
      'The sign-in could not be verified. Nothing was changed.',
      'bad',
    );
  }
  const next = await signedIn(p, session, result, txn.idp);
  return intents[txn.intent as SignInIntent](next, result, txn.caseId);
}

/** Consumes the session's pending link with the signed-in person; null (link refused) on any mismatch. */
export async function consumePending(
  p: PagesCtx,
  session: Session,
  sub: string,
): Promise<{ readonly caseId: string; readonly purpose: string; readonly role: string | null } | null> {
  const pending = session.data.pendingLink;
  delete session.data.pendingLink;
  if (typeof pending?.tokenHash !== 'string') return null;
  try {
    const purpose = pending.purpose as 'verify' | 'approve' | 'reveal' | 'cancel';
    const consumed = await p.deps().engine.consumeLinkHash(pending.tokenHash, purpose, sub);
    return { caseId: consumed.caseId, purpose: consumed.purpose, role: consumed.role };
  } catch (error) {
    if (!(isGateError(error) && error.code === 'ERR_LINK_INVALID')) throw error;
    await recordRefusalHash(p, pending.tokenHash, pending.purpose as LinkPurpose, sub);
    return null;
  }
}

/** The refusal page, keeping the (rotated) session cookie. */
export async function refused(p: PagesCtx, session: Session): Promise<RouteResponse> {
  const r = linkRefused(p, session);
  return { ...r, headers: { ...r.headers, ...(await persist(p, session)) } };
}

/** `GET /verify/continue`: retries a verification link's sign-in without step-up (fresh password sign-in). */
export async function continueWithoutStepUp(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const session = await loadSession(p, ctx);
  const pending = session?.data.pendingLink;
  if (!session || pending?.purpose !== 'verify') return linkRefused(p);
  const c = await p.deps().engine.getCase(pending.caseId);
  if (!c || !p.oidc.has(c.idp)) return linkRefused(p);
  return beginSignIn(p, session, { idp: c.idp, intent: 'link', caseId: c.id, mode: 'fresh' });
}
