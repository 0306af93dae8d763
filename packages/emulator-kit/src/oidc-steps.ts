import { randomInt, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { secretsEqual } from '@recovery-gate/core';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { readBody, send } from './http.js';
import { chooseAcr, readStepUpRequest } from './oidc-acr.js';
import { newOtpKey, otpCodeForKey } from './oidc-authenticator.js';
import type { AcrPolicy, OidcAccounts, PushChallenge, SignInMethod } from './oidc-types.js';
import {
  errorPage,
  loginPage,
  otpPage,
  otpSetupPage,
  PAGE_HEADERS,
  passwordChangePage,
  pushPage,
  recoveryCodePage,
  type SignInBranding,
} from './oidc-views.js';

/** What the interaction UI needs from the server. */
export interface InteractionDeps {
  readonly provider: Provider;
  readonly accounts: OidcAccounts;
  readonly branding: SignInBranding;
  readonly mountPath: string;
  readonly acr: AcrPolicy;
  /** The amr values of a sign-in finished with a method (asked at every sign-in). */
  readonly amr: (method: SignInMethod) => readonly string[];
  readonly needsStepUp: (params: Readonly<Record<string, unknown>>) => boolean;
  readonly isActive: (accountId: string) => Promise<boolean>;
  readonly maxOtpAttempts: number;
  readonly now: () => number;
}

/** A second-factor or new-password step in progress for one interaction. */
export interface PendingStep {
  readonly accountId: string;
  /** The step shown now; the user may switch from `otp` to `recovery_code` ("Try another way"). */
  method: 'otp' | 'push' | 'recovery_code' | 'password' | 'configure_otp';
  readonly label: string;
  readonly createdAt: number;
  otpAttempts: number;
  pushId?: string;
  /** For the required-action steps: how the account authenticated before them (decides acr and amr). */
  readonly signedInWith?: Method;
  /** For the authenticator set-up step: the key shown (kept here, never posted back by the browser). */
  readonly otpKey?: string;
}

/** State shared by the steps of the sign-in UI. */
export interface UiState {
  readonly deps: InteractionDeps;
  /** Second-factor steps by interaction uid. */
  readonly pending: Map<string, PendingStep>;
  /** Push challenges by id. */
  readonly pushes: Map<string, PushChallenge>;
}

/** oidc-provider's interaction details. */
export type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
type Method = SignInMethod;
type Step = (ui: UiState, req: IncomingMessage, res: ServerResponse, details: Details) => Promise<void>;

const GENERIC_LOGIN_ERROR = 'Sign-in failed. Check your username and password and try again.';
const RESTART = 'Start signing in again from the application.';
const STEP_UP_REASONS = new Set(['acr_step_up', 'essential_acr', 'essential_acrs']);
const PENDING_TTL_MS = 60 * 60 * 1000;
const FORM_LIMIT = 16 * 1024;

/** Reads a posted form's fields. */
export async function formFields(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, FORM_LIMIT);
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

/** Narrows an unknown value to a string ('' otherwise). */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Sends an interaction page with the security headers. */
export function page(res: ServerResponse, status: number, html: string): void {
  send(res, status, html, 'text/html; charset=utf-8', PAGE_HEADERS);
}

/** The URL of one step of this interaction. */
export const actionUrl = (ui: UiState, details: Details, step: string) =>
  `${ui.deps.mountPath}/interaction/${encodeURIComponent(details.uid)}/${step}`;

/** Ends the interaction with a result (login, consent or error) and redirects back to oidc-provider. */
export async function finish(
  ui: UiState,
  req: IncomingMessage,
  res: ServerResponse,
  result: InteractionResults,
) {
  await ui.deps.provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

async function accountLabel(ui: UiState, accountId: string): Promise<string> {
  const profile = await ui.deps.accounts.findAccount(accountId);
  return text(profile?.preferred_username) || text(profile?.email) || accountId;
}

/** The page of a required-action step (an authenticator to set up, a new password to choose). */
function renderRequiredAction(
  ui: UiState,
  res: ServerResponse,
  details: Details,
  step: PendingStep,
  error?: string,
) {
  const common = { accountLabel: step.label, ...(error ? { error } : {}) };
  const html =
    step.method === 'configure_otp'
      ? otpSetupPage(ui.deps.branding, {
          ...common,
          action: actionUrl(ui, details, 'configure-otp'),
          key: step.otpKey ?? '',
        })
      : passwordChangePage(ui.deps.branding, { ...common, action: actionUrl(ui, details, 'password') });
  page(res, error ? 400 : 200, html);
}

/** Ends a sign-in done with `method`: the new-password step when due, else the acr, amr and success event. */
export async function finishLogin(
  ui: UiState,
  req: IncomingMessage,
  res: ServerResponse,
  details: Details,
  login: { readonly accountId: string; readonly method: Method },
) {
  ui.pending.delete(details.uid);
  if (!(await ui.deps.isActive(login.accountId))) {
    page(res, 403, errorPage(ui.deps.branding, 'This account cannot sign in.'));
    return;
  }
  // Keycloak's required actions run after every authentication step, before any session or code, in their
  // priority order: CONFIGURE_TOTP (10) before UPDATE_PASSWORD (30).
  const { accounts } = ui.deps;
  const due =
    (await accounts.mustConfigureOtp?.(login.accountId)) === true
      ? 'configure_otp'
      : (await accounts.mustChangePassword?.(login.accountId)) === true
        ? 'password'
        : null;
  if (due !== null) {
    const step: PendingStep = {
      accountId: login.accountId,
      method: due,
      label: await accountLabel(ui, login.accountId),
      createdAt: ui.deps.now(),
      otpAttempts: 0,
      signedInWith: login.method,
      ...(due === 'configure_otp' ? { otpKey: newOtpKey() } : {}),
    };
    ui.pending.set(details.uid, step);
    renderRequiredAction(ui, res, details, step);
    return;
  }
  const request = readStepUpRequest(details.params);
  const acr = chooseAcr(ui.deps.acr, request.acrValues, login.method !== 'pwd');
  const clientId = text(details.params.client_id);
  if (request.essential && !request.acrValues.includes(acr)) {
    // Issuing another acr would make oidc-provider ask again forever; OIDC says: refuse.
    const error_description = 'the requested authentication level cannot be reached for this account';
    await finish(ui, req, res, { error: 'unmet_authentication_requirements', error_description });
    return;
  }
  const amr = [...ui.deps.amr(login.method)];
  ui.deps.accounts.onSignInEvent?.({ type: 'login_success', accountId: login.accountId, acr, amr, clientId });
  await finish(ui, req, res, { login: { accountId: login.accountId, acr, amr, remember: true } });
}

async function renderLogin(
  ui: UiState,
  res: ServerResponse,
  details: Details,
  failed?: { readonly login: string },
) {
  const client = await ui.deps.provider.Client.find(text(details.params.client_id));
  const loginHint = failed ? failed.login : text(details.params.login_hint);
  const html = loginPage(ui.deps.branding, {
    action: actionUrl(ui, details, 'login'),
    clientName: client?.clientName ?? client?.clientId ?? 'the application',
    ...(loginHint ? { loginHint } : {}),
    ...(failed ? { error: GENERIC_LOGIN_ERROR } : {}),
  });
  page(res, failed ? 401 : 200, html);
}

async function renderOtp(
  ui: UiState,
  res: ServerResponse,
  details: Details,
  step: PendingStep,
  error?: string,
) {
  const codes = (await ui.deps.accounts.recoveryCodes?.has(step.accountId)) === true;
  const input = {
    action: actionUrl(ui, details, 'otp'),
    accountLabel: step.label,
    ...(codes ? { recoveryCodeUrl: actionUrl(ui, details, 'recovery-code') } : {}),
    ...(error ? { error } : {}),
  };
  page(res, error ? 401 : 200, otpPage(ui.deps.branding, input));
}

/** Renders the saved-recovery-code step. */
export function renderRecoveryCode(
  ui: UiState,
  res: ServerResponse,
  details: Details,
  step: PendingStep,
  error?: string,
) {
  const input = {
    action: actionUrl(ui, details, 'recovery-code'),
    accountLabel: step.label,
    ...(error ? { error } : {}),
  };
  page(res, error ? 401 : 200, recoveryCodePage(ui.deps.branding, input));
}

async function startSecondFactor(
  ui: UiState,
  req: IncomingMessage,
  res: ServerResponse,
  details: Details,
  accountId: string,
) {
  const bound = await ui.deps.accounts.secondFactor(accountId);
  const codes = (await ui.deps.accounts.recoveryCodes?.has(accountId)) === true;
  const method = bound === 'none' && codes ? 'recovery_code' : bound;
  if (method === 'none') {
    // No factor bound: the low acr, or unmet_authentication_requirements when the acr was essential.
    await finishLogin(ui, req, res, details, { accountId, method: 'pwd' });
    return;
  }
  const createdAt = ui.deps.now();
  for (const [uid, old] of ui.pending) if (createdAt - old.createdAt > PENDING_TTL_MS) ui.pending.delete(uid);
  for (const [id, old] of ui.pushes) if (createdAt - old.createdAt > PENDING_TTL_MS) ui.pushes.delete(id);
  const label = await accountLabel(ui, accountId);
  const step: PendingStep = { accountId, method, label, createdAt, otpAttempts: 0 };
  ui.pending.set(details.uid, step);
  if (method === 'otp') return renderOtp(ui, res, details, step);
  if (method === 'recovery_code') return renderRecoveryCode(ui, res, details, step);
  const challenge: PushChallenge = {
    id: randomUUID(),
    accountId,
    numberChallenge: String(randomInt(10, 100)),
    status: 'waiting',
    createdAt,
  };
  ui.pushes.set(challenge.id, challenge);
  step.pushId = challenge.id;
  ui.deps.accounts.onPushChallenge?.(challenge);
  res.writeHead(303, { location: actionUrl(ui, details, 'push'), 'content-length': 0 }).end();
}

/** GET of the interaction: consent, the pending second factor, step-up of an SSO session, or the login form. */
export const showStart: Step = async (ui, req, res, details) => {
  if (details.prompt.name === 'consent') return grantConsent(ui, req, res, details);
  const step = ui.pending.get(details.uid);
  if (step?.method === 'otp') return renderOtp(ui, res, details, step);
  if (step?.method === 'recovery_code') return renderRecoveryCode(ui, res, details, step);
  if (step?.method === 'push') return checkPush(ui, req, res, details);
  if (step?.method === 'password' || step?.method === 'configure_otp')
    return renderRequiredAction(ui, res, details, step);
  const sessionAccount = details.session?.accountId;
  const onlyStepUp = details.prompt.reasons.every((reason) => STEP_UP_REASONS.has(reason));
  if (sessionAccount && onlyStepUp && (await ui.deps.isActive(sessionAccount))) {
    return startSecondFactor(ui, req, res, details, sessionAccount);
  }
  return renderLogin(ui, res, details);
};

/** POST of the login form. */
export const postLogin: Step = async (ui, req, res, details) => {
  const body = await formFields(req);
  const login = text(body.login).trim();
  const password = text(body.password);
  const accountId = login && password ? await ui.deps.accounts.authenticate(login, password) : null;
  if (!accountId || !(await ui.deps.isActive(accountId))) {
    const clientId = text(details.params.client_id);
    ui.deps.accounts.onSignInEvent?.({
      type: 'login_failure',
      login,
      accountId: accountId ?? undefined,
      clientId,
    });
    await renderLogin(ui, res, details, { login });
    return;
  }
  ui.pending.delete(details.uid);
  if (ui.deps.needsStepUp(details.params)) return startSecondFactor(ui, req, res, details, accountId);
  return finishLogin(ui, req, res, details, { accountId, method: 'pwd' });
};

/** POST of the one-time code. */
export const postOtp: Step = async (ui, req, res, details) => {
  const step = ui.pending.get(details.uid);
  if (step?.method !== 'otp') return page(res, 400, errorPage(ui.deps.branding, RESTART));
  const code = text((await formFields(req)).otp).trim();
  const expected = await ui.deps.accounts.currentOtp?.(step.accountId);
  if (expected && code && secretsEqual(code, expected)) {
    return finishLogin(ui, req, res, details, { accountId: step.accountId, method: 'otp' });
  }
  step.otpAttempts += 1;
  const clientId = text(details.params.client_id);
  ui.deps.accounts.onSignInEvent?.({
    type: 'second_factor_failure',
    accountId: step.accountId,
    method: 'otp',
    clientId,
  });
  if (step.otpAttempts < ui.deps.maxOtpAttempts)
    return renderOtp(ui, res, details, step, "That code didn't work. Try again.");
  ui.pending.delete(details.uid);
  return finish(ui, req, res, { error: 'access_denied', error_description: 'too many wrong one-time codes' });
};

/** POST of the new-password form: both fields equal, then the directory's policy; the login then finishes. */
export const postPasswordChange: Step = async (ui, req, res, details) => {
  const step = ui.pending.get(details.uid);
  if (step?.method !== 'password') return page(res, 400, errorPage(ui.deps.branding, RESTART));
  const body = await formFields(req);
  const next = text(body['password-new']);
  let error: string | null;
  if (next === '') error = 'Please specify password.';
  else if (next !== text(body['password-confirm'])) error = "Passwords don't match.";
  else if (ui.deps.accounts.changePassword === undefined) error = 'The password cannot be changed here.';
  else error = await ui.deps.accounts.changePassword(step.accountId, next, text(details.params.client_id));
  if (error !== null) return renderRequiredAction(ui, res, details, step, error);
  return finishLogin(ui, req, res, details, {
    accountId: step.accountId,
    method: step.signedInWith ?? 'pwd',
  });
};

/** POST of the authenticator set-up: the code the app shows for the key shown binds it; the login then finishes. */
export const postOtpSetup: Step = async (ui, req, res, details) => {
  const step = ui.pending.get(details.uid);
  if (step?.method !== 'configure_otp' || step.otpKey === undefined || !ui.deps.accounts.bindOtp)
    return page(res, 400, errorPage(ui.deps.branding, RESTART));
  const body = await formFields(req);
  const code = text(body.totp).trim();
  if (code === '') return renderRequiredAction(ui, res, details, step, 'Please specify authenticator code.');
  if (!secretsEqual(code, otpCodeForKey(step.otpKey)))
    return renderRequiredAction(ui, res, details, step, 'Invalid authenticator code.');
  const label = text(body.userLabel).trim().slice(0, 255);
  await ui.deps.accounts.bindOtp(step.accountId, step.otpKey, label, text(details.params.client_id));
  return finishLogin(ui, req, res, details, {
    accountId: step.accountId,
    method: step.signedInWith ?? 'pwd',
  });
};

/** GET/POST of the push step: finishes when the push was answered, else shows the waiting page. */
export const checkPush: Step = async (ui, req, res, details) => {
  const step = ui.pending.get(details.uid);
  const challenge = step?.pushId ? ui.pushes.get(step.pushId) : undefined;
  if (!step || !challenge) return page(res, 400, errorPage(ui.deps.branding, RESTART));
  if (challenge.status === 'approved') {
    return finishLogin(ui, req, res, details, { accountId: step.accountId, method: 'push' });
  }
  if (challenge.status === 'rejected') {
    ui.pending.delete(details.uid);
    const clientId = text(details.params.client_id);
    ui.deps.accounts.onSignInEvent?.({
      type: 'second_factor_failure',
      accountId: step.accountId,
      method: 'push',
      clientId,
    });
    return finish(ui, req, res, {
      error: 'access_denied',
      error_description: 'sign-in was rejected on the device',
    });
  }
  const input = {
    action: actionUrl(ui, details, 'push'),
    accountLabel: step.label,
    numberChallenge: challenge.numberChallenge,
  };
  return page(res, 200, pushPage(ui.deps.branding, input));
};

/** Grants everything requested (first-party clients only) and resumes. */
export const grantConsent: Step = async (ui, req, res, details) => {
  const { provider } = ui.deps;
  const accountId = details.session?.accountId;
  const clientId = text(details.params.client_id);
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ ...(accountId ? { accountId } : {}), clientId });
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  const result = { consent: existing ? {} : { grantId } };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
};
