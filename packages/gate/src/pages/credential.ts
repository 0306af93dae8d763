/**
 * The one-time view of the temporary credential, after a fresh sign-in by the subject, with a new set of
 * saved recovery codes beside it when the gate issues them after a recovery.
 * @module
 */

import { type CredentialKind, isGateError, type RecoveryAction } from '@recovery-gate/core';
import { errorText } from '../orchestrator/context.js';
import type { CaseView, ClaimedCredential } from '../orchestrator/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { codesCard } from './codes.js';
import { message, type PagesCtx, page, persist } from './context.js';
import { card, html, type SafeHtml } from './html.js';
import { statusCard } from './summary.js';
import { notYours, subjectSession } from './verify-session.js';

/** Actions after which the IdP asks for a new authenticator at the first sign-in (not only a password). */
const NEW_AUTHENTICATOR: ReadonlySet<RecoveryAction> = new Set([
  'mfa_reset',
  'authenticator_rebind',
  'emergency_access',
]);

/**
 * How the subject uses the credential at their IdP's own sign-in, per kind: what to type where, and what the
 * IdP asks next. Exhaustive over the core's kinds, so a new kind cannot ship without its instructions.
 */
const HOW_TO_USE: Readonly<Record<CredentialKind, (action: RecoveryAction) => string>> = {
  okta_tac: (action) =>
    `Go to your organisation's Okta sign-in page and enter your username. When Okta asks you to verify, choose "Temporary Access Code" and enter the code below. Then ${action === 'password_reset' ? 'choose a new password' : 'set up a new sign-in method'}.`,
  okta_reset_link: () => 'Open the link Okta sent you and choose a new password.',
  entra_tap: (action) =>
    `Sign in to your Microsoft account with your username. When asked, enter this Temporary Access Pass instead of your password. Then ${action === 'password_reset' ? 'choose a new password' : 'set up a new sign-in method (for example Microsoft Authenticator)'}.`,
  entra_temporary_password: () =>
    'Sign in to your Microsoft account with your username and this temporary password. Microsoft then asks you to choose a new password.',
  keycloak_action_link: () => 'Open the link sent to your account email and follow its steps.',
  keycloak_temporary_password: (action) =>
    `Sign in with your username and this as your password. You will then be asked to ${NEW_AUTHENTICATOR.has(action) ? 'set up your authenticator app (add the key the sign-in page shows to the app, then type the code the app gives) and ' : ''}choose a new password.`,
};

/** The instructions shown above the credential; a kind the core does not know gets the generic text. */
export function howToUse(kind: string, action: RecoveryAction): string {
  const known = (HOW_TO_USE as Readonly<Record<string, (action: RecoveryAction) => string>>)[kind];
  if (known !== undefined) return known(action);
  return `Use this to sign in and ${action === 'password_reset' ? 'choose a new password' : 'set up a new sign-in method'}.`;
}

/** `GET /verify/case/:caseId/credential`: shows the credential once, after a fresh step-up. */
export async function credentialPage(p: PagesCtx, ctx: RequestContext): Promise<RouteResponse> {
  const found = await subjectSession(p, ctx);
  if (!found) return notYours(p);
  const { session, c } = found;
  const allowed = session.data.reveal === c.id;
  delete session.data.reveal;
  await persist(p, session);
  const gone = () =>
    message(
      p,
      410,
      'Nothing to show',
      'Your temporary access was already shown, or is not ready. It is never shown twice.',
      'info',
      session,
      html`<p><a href="/verify/case/${c.id}">Back to your recovery</a></p>`,
    );
  if (!allowed) return gone();
  let claimed: ClaimedCredential;
  const sub = session.data.sub as string;
  try {
    claimed = await p.deps().engine.claimCredential(c.id, sub, { confirm: 'caller' });
  } catch (error) {
    if (isGateError(error) && error.code === 'ERR_LINK_INVALID') return gone();
    throw error;
  }
  // Delivered once this answer has left: until then (the replica dies first, the connection drops) the
  // credential is an orphan that collecting again revokes and replaces, never a second live one.
  ctx.res.once('finish', () => {
    p.deps()
      .engine.confirmDelivery(c.id, sub, claimed.credentialId)
      .catch((error: unknown) =>
        p.deps().logger.warn('confirming the credential delivered failed', {
          caseId: c.id,
          error: errorText(error),
        }),
      );
  });
  const codes = await codesAfterRecovery(p, c, session.data.sub as string);
  const body = html`${statusCard(c, 'Your temporary access')}
${card(
  'Use it now',
  html`<p id="how-to-use">${howToUse(claimed.kind, c.action)}</p>
<p>It works once and expires ${new Date(claimed.expiresAt).toISOString().slice(11, 16)} UTC. It will not be shown again.</p>
<p><span class="secret" id="credential">${claimed.secret.reveal()}</span></p>
<p class="hint">Nobody from the help desk will ask you for it.</p>`,
  'card-ok',
)}
${codes}`;
  return page(p, 200, 'Your temporary access', body, session, {
    'cache-control': 'no-store, max-age=0',
    pragma: 'no-cache',
  });
}

/** A new set of saved recovery codes, shown once beside the credential; a failure never hides the credential. */
async function codesAfterRecovery(p: PagesCtx, c: CaseView, by: string): Promise<SafeHtml | null> {
  const codes = p.codes();
  if (!codes || p.settings.recoveryCodes?.afterRecovery !== true) return null;
  try {
    const issued = await codes.issue(
      { idp: c.idp, subjectId: c.subjectId, channels: c.facts?.channels ?? [] },
      { actor: by, reason: 'recovery', caseId: c.id },
    );
    return codesCard(issued.codes);
  } catch (error) {
    p.deps().logger.warn('recovery codes were not issued after the recovery', {
      caseId: c.id,
      error: errorText(error),
    });
    return card(
      'Recovery codes',
      html`<p>We could not create your recovery codes just now. Create them later on <a href="/recovery-codes">your recovery codes page</a>.</p>`,
    );
  }
}
