import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseUrl } from './http.js';
import { postRecoveryCode, showRecoveryCode } from './oidc-recovery-code.js';
import {
  checkPush,
  type Details,
  finish,
  type InteractionDeps,
  type PendingStep,
  page,
  postLogin,
  postOtp,
  postOtpSetup,
  postPasswordChange,
  showStart,
  type UiState,
} from './oidc-steps.js';
import type { PushChallenge } from './oidc-types.js';
import { errorPage } from './oidc-views.js';

export type { InteractionDeps } from './oidc-steps.js';

/** The sign-in UI plus the push-challenge state it keeps. */
export interface InteractionUi {
  /** Serves `${mountPath}/interaction/:uid[/login|/otp|/recovery-code|/push|/password|/configure-otp|/abort]`. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Answers the newest waiting push challenge of the account; false when none waits. */
  answerPush(accountId: string, answer: 'approve' | 'reject'): boolean;
  /** Push challenges, newest first. */
  pushChallenges(accountId?: string): readonly PushChallenge[];
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return '';
  }
}

async function dispatch(ui: UiState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { branding, mountPath, provider } = ui.deps;
  const rest = parseUrl(req).path.slice(`${mountPath}/interaction/`.length).split('/');
  const [uid = '', action = ''] = rest.map(safeDecode);
  let details: Details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    // No or expired interaction cookie: the browser did not start here, or took too long.
    page(res, 400, errorPage(branding, 'Your sign-in has expired. Start again from the application.'));
    return;
  }
  if (details.uid !== uid || rest.length > 2) {
    page(res, 400, errorPage(branding, 'Start signing in again from the application.'));
    return;
  }
  const key = `${(req.method ?? 'GET').toUpperCase()} ${action}`;
  if (key === 'GET ') return showStart(ui, req, res, details);
  if (key === 'POST login' && details.prompt.name === 'login') return postLogin(ui, req, res, details);
  if (key === 'POST otp') return postOtp(ui, req, res, details);
  if (key === 'POST password') return postPasswordChange(ui, req, res, details);
  if (key === 'POST configure-otp') return postOtpSetup(ui, req, res, details);
  if (key === 'GET recovery-code') return showRecoveryCode(ui, req, res, details);
  if (key === 'POST recovery-code') return postRecoveryCode(ui, req, res, details);
  if (key === 'GET push' || key === 'POST push') return checkPush(ui, req, res, details);
  if (key === 'GET abort') {
    ui.pending.delete(details.uid);
    return finish(ui, req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    });
  }
  page(res, 404, errorPage(branding, 'This page does not exist.'));
}

/** Creates the interaction UI served under `${mountPath}/interaction/:uid`. */
export function createInteractionUi(deps: InteractionDeps): InteractionUi {
  const ui: UiState = {
    deps,
    pending: new Map<string, PendingStep>(),
    pushes: new Map<string, PushChallenge>(),
  };
  return {
    handle: (req, res) => dispatch(ui, req, res),
    answerPush(accountId, answer) {
      const waiting = [...ui.pushes.values()]
        .reverse()
        .find((challenge) => challenge.accountId === accountId && challenge.status === 'waiting');
      if (!waiting) return false;
      ui.pushes.set(waiting.id, { ...waiting, status: answer === 'approve' ? 'approved' : 'rejected' });
      return true;
    },
    pushChallenges: (accountId) =>
      [...ui.pushes.values()]
        .reverse()
        .filter((challenge) => !accountId || challenge.accountId === accountId),
  };
}
