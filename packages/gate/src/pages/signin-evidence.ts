/**
 * What a step-up sign-in by the case subject proves: `oidc_step_up` (an authenticator still bound), or,
 * when the IdP says one of its own saved recovery codes finished the sign-in, `idp_recovery_code` and never
 * `oidc_step_up` (a code on paper is not a bound authenticator). Each is recorded only when the tier counts it.
 * @module
 */

import { isGateError } from '@recovery-gate/core';
import type { CaseView } from '../orchestrator/index.js';
import type { PagesCtx } from './context.js';
import type { SignInResult } from './oidc.js';
import type { Session } from './session.js';

const passed = (c: CaseView, kind: string) =>
  c.evidence.some((e) => e.kind === kind && e.outcome === 'passed');

/** The recovery-codes credential on file when the case read its facts; null when none. */
export function nativeCodesOnFile(c: CaseView): string | null {
  const found = (c.facts?.authenticators ?? []).find(
    (a) => a.kind === 'recovery_codes' && a.status === 'active',
  );
  return found?.id ?? null;
}

/** The evidence a sign-in gives for this case, with the notice for the subject; null when none counts. */
function evidenceOf(
  p: PagesCtx,
  c: CaseView,
  result: SignInResult,
): { readonly kind: string; readonly authenticatorId: string | null; readonly flash: string } | null {
  const kinds = c.decision?.requirements.evidenceKinds ?? [];
  if (!result.steppedUp) return null;
  if (!result.usedRecoveryCode) {
    if (!kinds.includes('oidc_step_up') || passed(c, 'oidc_step_up')) return null;
    return { kind: 'oidc_step_up', authenticatorId: null, flash: 'Your multi-factor sign-in is recorded.' };
  }
  const supported = p.deps().providers.get(c.idp)?.capabilities.idp_recovery_codes.supported === true;
  if (!supported || !kinds.includes('idp_recovery_code') || passed(c, 'idp_recovery_code')) return null;
  return {
    kind: 'idp_recovery_code',
    authenticatorId: nativeCodesOnFile(c),
    flash: 'Your sign-in with a saved recovery code is recorded. That code will not work again.',
  };
}

/** Records what a step-up sign-in proves, while the case takes evidence. */
export async function recordSignInEvidence(
  p: PagesCtx,
  session: Session,
  c: CaseView,
  result: SignInResult,
): Promise<void> {
  if (c.state !== 'verifying' && c.state !== 'requested') return;
  const found = evidenceOf(p, c, result);
  if (found === null) {
    if (result.usedRecoveryCode && result.steppedUp)
      session.data.flash =
        'That sign-in used a saved recovery code, which this recovery does not count. Sign in with your second factor.';
    return;
  }
  try {
    await p.deps().engine.recordEvidence(c.id, {
      kind: found.kind,
      by: result.sub,
      authenticatorId: found.authenticatorId,
      detail: { acr: result.acr, amr: result.amr.join(' '), authTime: result.authTime },
    });
    session.data.flash = found.flash;
  } catch (error) {
    // The case moved on meanwhile (approved, denied, cancelled): the page shows where it is.
    if (!isGateError(error) || error.code !== 'ERR_CASE_ILLEGAL_TRANSITION') throw error;
  }
}
