/**
 * The saved-recovery-code step of the sign-in UI: "Try another way" from the one-time code, or the only
 * second factor of an account that holds nothing else. A code works once; wrong codes count like wrong
 * one-time codes (the same attempt limit, the same failure event).
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Details,
  finish,
  finishLogin,
  formFields,
  page,
  renderRecoveryCode,
  text,
  type UiState,
} from './oidc-steps.js';
import { errorPage } from './oidc-views.js';

const RESTART = 'Start signing in again from the application.';

/** GET of the step: switches a pending one-time-code step to a recovery code, when the account has codes. */
export async function showRecoveryCode(
  ui: UiState,
  _req: IncomingMessage,
  res: ServerResponse,
  details: Details,
): Promise<void> {
  const step = ui.pending.get(details.uid);
  const codes = step ? await ui.deps.accounts.recoveryCodes?.has(step.accountId) : false;
  if (!step || step.method === 'push' || codes !== true) {
    page(res, 400, errorPage(ui.deps.branding, RESTART));
    return;
  }
  step.method = 'recovery_code';
  renderRecoveryCode(ui, res, details, step);
}

/** POST of a recovery code: spends it and finishes the sign-in, or counts a failure. */
export async function postRecoveryCode(
  ui: UiState,
  req: IncomingMessage,
  res: ServerResponse,
  details: Details,
): Promise<void> {
  const step = ui.pending.get(details.uid);
  const codes = ui.deps.accounts.recoveryCodes;
  if (step?.method !== 'recovery_code' || codes === undefined) {
    page(res, 400, errorPage(ui.deps.branding, RESTART));
    return;
  }
  // Keycloak accepts the code with or without the dashes it prints between groups.
  const code = text((await formFields(req)).recoveryCodeInput)
    .trim()
    .replaceAll('-', '')
    .toUpperCase();
  if (code && (await codes.redeem(step.accountId, code))) {
    return finishLogin(ui, req, res, details, { accountId: step.accountId, method: 'recovery_code' });
  }
  step.otpAttempts += 1;
  const clientId = text(details.params.client_id);
  ui.deps.accounts.onSignInEvent?.({
    type: 'second_factor_failure',
    accountId: step.accountId,
    method: 'recovery_code',
    clientId,
  });
  if (step.otpAttempts < ui.deps.maxOtpAttempts)
    return renderRecoveryCode(ui, res, details, step, 'Invalid recovery authentication code.');
  ui.pending.delete(details.uid);
  return finish(ui, req, res, { error: 'access_denied', error_description: 'too many wrong recovery codes' });
}
