/**
 * The plan's read-only check of the org's Temporary Access Code authenticator against what the policy's
 * tiers will ask of it. Okta enforces the authenticator's settings on every TAC ("The actual allowed range
 * depends on the org-level authenticator configuration"; "To enable multi-use, the org-level authenticator's
 * configuration must allow multi-use"), so a tier outside them fails or changes at the issue step, after the
 * reset already ran. `apply` changes nothing here: the authenticator is the org's, not the gate's.
 * @see https://developer.okta.com/docs/guides/authenticators-tac-authenticator/main/
 * @module
 */

import { GateError, type GuardrailContext, type GuardrailFinding } from '@recovery-gate/core';
import type { OktaContext, TacAuthenticator } from '../client/context.js';

/** Okta's own TAC lifetime bounds, in minutes (whatever the authenticator says). */
const OKTA_MIN_TTL = 10;
const OKTA_MAX_TTL = 14_400;

type Credential = NonNullable<GuardrailContext['credentials']>[number];

function tierList(credentials: readonly Credential[]): string {
  return credentials.map((c) => c.tier).join(', ');
}

/** Reads the authenticator, or says why it could not. */
async function readTac(ctx: OktaContext): Promise<TacAuthenticator | null | 'forbidden'> {
  try {
    return await ctx.tacAuthenticator();
  } catch (error) {
    if (error instanceof GateError && error.code === 'ERR_IDP_FORBIDDEN') return 'forbidden';
    throw error;
  }
}

function lifetimeFindings(tac: TacAuthenticator, credentials: readonly Credential[]): GuardrailFinding[] {
  const min = tac.settings?.minTtl ?? OKTA_MIN_TTL;
  const max = tac.settings?.maxTtl ?? OKTA_MAX_TTL;
  const range = `${min}-${max} minutes`;
  const out: GuardrailFinding[] = [];
  for (const c of credentials) {
    const minutes = Math.floor(c.lifetimeSeconds / 60);
    if (minutes < min) {
      out.push({
        severity: 'critical',
        code: 'OKTA_TAC_LIFETIME_BELOW_MIN',
        message: `Tier ${c.tier} issues a ${minutes}-minute TAC, but the org's TAC authenticator allows ${range}: the issue step would be refused after the reset ran. Lower the authenticator's minimum TTL in Okta or lengthen the tier.`,
      });
    } else if (minutes > max) {
      out.push({
        severity: 'warning',
        code: 'OKTA_TAC_LIFETIME_ABOVE_MAX',
        message: `Tier ${c.tier} issues a ${minutes}-minute TAC, but the org's TAC authenticator allows ${range}: the gate issues it for ${max} minutes. Raise the authenticator's maximum TTL or shorten the tier.`,
      });
    }
  }
  return out;
}

/**
 * Findings for the tiers that issue a TAC (kind absent or `okta_tac`): missing authenticator, lifetimes
 * outside its min/max, multi-use allowed where the gate requires single use. Nothing is read without such tiers.
 */
export async function tacFindings(
  ctx: OktaContext,
  context: GuardrailContext | undefined,
): Promise<GuardrailFinding[]> {
  const credentials = (context?.credentials ?? []).filter(
    (c) => c.kind === undefined || c.kind === 'okta_tac',
  );
  if (credentials.length === 0) return [];
  const tac = await readTac(ctx);
  if (tac === 'forbidden') {
    return [
      {
        severity: 'warning',
        code: 'OKTA_TAC_SETTINGS_UNREADABLE',
        message: `The gate cannot read the org's authenticators (grant okta.authenticators.read): the TAC lifetimes of tiers ${tierList(credentials)} are not checked against the TAC authenticator's settings.`,
      },
    ];
  }
  if (tac === null) {
    return [
      {
        severity: 'critical',
        code: 'OKTA_TAC_AUTHENTICATOR_MISSING',
        message: `The org has no Temporary Access Code authenticator: tiers ${tierList(credentials)} cannot issue their credential (add the TAC authenticator in Okta).`,
      },
    ];
  }
  const out = lifetimeFindings(tac, credentials);
  if (tac.settings === null) {
    out.push({
      severity: 'info',
      code: 'OKTA_TAC_SETTINGS_UNKNOWN',
      message: `Okta returned no settings for the TAC authenticator ${tac.id}: only Okta's ${OKTA_MIN_TTL}-${OKTA_MAX_TTL} minutes were checked.`,
    });
    return out;
  }
  const singleUse = credentials.filter((c) => c.singleUse);
  if (tac.settings.multiUseAllowed && singleUse.length > 0) {
    out.push({
      severity: 'warning',
      code: 'OKTA_TAC_MULTI_USE_ALLOWED',
      message: `The org's TAC authenticator allows multi-use codes while tiers ${tierList(singleUse)} require single use: the gate asks for single use and checks Okta's answer, but anyone with TAC rights can issue a multi-use code. Turn multi-use off in the TAC authenticator.`,
    });
  }
  return out;
}
