/**
 * The people-facing pages of the gate: `/verify` (subject), `/approve` (approvers), `/cancel` ("this
 * wasn't me") and the read-only `/cases` view, signed in through the IdP with OIDC.
 * @module
 */

import type { Router } from '../server/router.js';
import { approvePage, approvePost, approveProofingPost } from './approve.js';
import { STYLESHEET, STYLESHEET_PATH } from './assets.js';
import { cancelFromLink, cancelPage, cancelPost } from './cancel.js';
import { casePage, casesCsv, casesPage, closeIncidentPost } from './cases.js';
import { codesIssuePost, codesPage, codesVoidPost } from './codes.js';
import { chartsCsv, chartsPage, queuePage } from './console.js';
import { createPagesCtx, loadSession, message, type PagesDeps, type PagesSettings } from './context.js';
import { credentialPage } from './credential.js';
import { idvCallback, idvContinue, idvReturn, idvStartPost } from './idv.js';
import { intentHandlers } from './intents.js';
import { createOidcClients } from './oidc.js';
import { provePage, provePost } from './prove.js';
import { raisePage, raisePost } from './raise.js';
import { reviewClosePost, reviewPage, reviewsPage } from './reviews.js';
import { CALLBACK_PATH, callback, continueWithoutStepUp, startFromLink } from './signin.js';
import { verifyPage } from './verify.js';
import { verifyPost, verifySignIn } from './verify-posts.js';
import { subjectSession } from './verify-session.js';

export type { PagesDeps, PagesEngine, PagesSettings } from './context.js';
export type { OidcIdpSettings, OidcSignIn, SignInResult } from './oidc.js';
export { resolveSignIn } from './oidc.js';
export { PAGE_CSP } from './respond.js';
export { PAGES_MIGRATIONS } from './session.js';
export { CALLBACK_PATH } from './signin.js';

/** Mounts the pages on the gate's router; `deps` is read per request (mount before the gate starts). */
export function mountPages(router: Router, deps: () => PagesDeps, settings: PagesSettings): void {
  // Each IdP's step-up comes from what its adapter declares; the tenant's `pages.signIn` overrides it.
  const oidc = createOidcClients(settings.oidc, (idp) => deps().providers.get(idp)?.settings.signIn);
  const p = createPagesCtx(deps, settings, oidc);
  const intents = intentHandlers(p);
  // Every form post is checked by the router against the session's token before its handler runs.
  router.useCsrf({
    expected: async (ctx) => (await loadSession(p, ctx))?.data.csrf ?? null,
    refused: async (ctx) =>
      message(
        p,
        403,
        'Form expired',
        'Reload the page and try again. If you came from a link, open it again.',
        'bad',
        await loadSession(p, ctx),
      ),
    origins: () => [deps().baseUrl],
  });
  router.add('GET', STYLESHEET_PATH, async () => ({
    status: 200,
    headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' },
    body: STYLESHEET,
  }));
  router.add('GET', CALLBACK_PATH, (ctx) => callback(p, ctx, intents));
  router.add('GET', '/verify/:token', (ctx) => startFromLink(p, ctx, 'verify'));
  router.add('GET', '/reveal/:token', (ctx) => startFromLink(p, ctx, 'reveal'));
  router.add('GET', '/approve/:token', (ctx) => startFromLink(p, ctx, 'approve'));
  router.add('GET', '/verify/continue', (ctx) => continueWithoutStepUp(p, ctx));
  router.add('GET', '/prove', (ctx) => provePage(p, ctx));
  router.add('POST', '/prove/otp/send', (ctx) => provePost(p, ctx, 'otp_send'));
  router.add('POST', '/prove/otp/check', (ctx) => provePost(p, ctx, 'otp_check'));
  router.add('POST', '/prove/push', (ctx) => provePost(p, ctx, 'push'));
  router.add('POST', '/prove/push/check', (ctx) => provePost(p, ctx, 'push_check'));
  router.add('GET', '/verify/case/:caseId', (ctx) => verifyPage(p, ctx));
  router.add('GET', '/verify/case/:caseId/step-up', (ctx) => verifySignIn(p, ctx, 'stepup'));
  router.add('GET', '/verify/case/:caseId/collect', (ctx) => verifySignIn(p, ctx, 'collect'));
  router.add('GET', '/verify/case/:caseId/credential', (ctx) => credentialPage(p, ctx));
  router.add('POST', '/verify/case/:caseId/otp/send', (ctx) => verifyPost(p, ctx, 'send'));
  router.add('POST', '/verify/case/:caseId/otp/check', (ctx) => verifyPost(p, ctx, 'check'));
  router.add('POST', '/verify/case/:caseId/recovery-code', (ctx) => verifyPost(p, ctx, 'rc'));
  router.add('POST', '/verify/case/:caseId/idv/start', async (ctx) => {
    const found = await subjectSession(p, ctx);
    return found
      ? idvStartPost(p, found)
      : message(
          p,
          403,
          'Sign in from your link',
          'Open the link you received to sign in to this recovery.',
          'bad',
        );
  });
  router.add('GET', '/verify/case/:caseId/idv/continue', async (ctx) => {
    const found = await subjectSession(p, ctx);
    const go = found ? idvContinue(found) : null;
    return (
      go ??
      message(
        p,
        404,
        'Nothing to continue',
        'Start the identity check again from your recovery page.',
        'info',
      )
    );
  });
  router.add('GET', '/verify/idv/return', (ctx) => idvReturn(p, ctx));
  router.add('POST', '/idv/callback/:provider', (ctx) => idvCallback(p, ctx), {
    csrf: {
      exempt: 'identity-verification provider callback: every request carries its per-request api-key',
    },
  });
  router.add('GET', '/approve/case/:caseId', (ctx) => approvePage(p, ctx));
  router.add('POST', '/approve/case/:caseId', (ctx) => approvePost(p, ctx));
  router.add('POST', '/approve/case/:caseId/proofing', (ctx) => approveProofingPost(p, ctx));
  router.add('GET', '/cancel/:token', (ctx) => cancelFromLink(p, ctx));
  router.add('GET', '/cancel', (ctx) => cancelPage(p, ctx));
  router.add('POST', '/cancel', (ctx) => cancelPost(p, ctx));
  router.add('GET', '/raise', (ctx) => raisePage(p, ctx));
  router.add('POST', '/raise', (ctx) => raisePost(p, ctx));
  router.add('GET', '/recovery-codes', (ctx) => codesPage(p, ctx));
  router.add('POST', '/recovery-codes', (ctx) => codesIssuePost(p, ctx));
  router.add('POST', '/recovery-codes/void', (ctx) => codesVoidPost(p, ctx));
  router.add('GET', '/cases', (ctx) => casesPage(p, ctx));
  router.add('GET', '/cases.csv', (ctx) => casesCsv(p, ctx));
  router.add('GET', '/cases/:id', (ctx) => casePage(p, ctx));
  router.add('POST', '/cases/:id/close-incident', (ctx) => closeIncidentPost(p, ctx));
  router.add('GET', '/console', (ctx) => queuePage(p, ctx));
  router.add('GET', '/console/charts', (ctx) => chartsPage(p, ctx));
  router.add('GET', '/console/charts.csv', (ctx) => chartsCsv(p, ctx));
  router.add('GET', '/reviews', (ctx) => reviewsPage(p, ctx));
  router.add('GET', '/reviews/:id', (ctx) => reviewPage(p, ctx));
  router.add('POST', '/reviews/:id/close', (ctx) => reviewClosePost(p, ctx));
}
export type { PagesConfig, PagesConfigInput } from './config.js';
export { pagesConfigSchema, pagesSettingsFrom } from './config.js';
export { mountGatePages } from './gate.js';
