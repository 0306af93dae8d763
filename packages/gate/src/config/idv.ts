/**
 * The `identityVerification` section (validated by `@recovery-gate/idv`) and the check that ties it to
 * the tiers: a tier with `idv` rules, or one that cannot be met without `idv_ial2`, needs a provider.
 * @module
 */

import { evidenceRequires, type Tier } from '@recovery-gate/core';
import * as z from 'zod';
import type { Adapters } from './adapters.js';

/** The section's schema: the idv package's own, or a refusal naming the missing package. */
export function identityVerificationSection(adapters: Adapters) {
  return (
    adapters.idv?.identityVerificationSchema ??
    z
      .unknown()
      .refine(() => false, { error: 'the @recovery-gate/idv package is not available in this build' })
  )
    .optional()
    .describe(
      'Remote identity proofing (IAL2) providers by name (OpenID Connect for Identity Assurance 1.0, Microsoft Entra Verified ID with Face Check). @default none',
    );
}

interface Checked {
  readonly tiers: Readonly<Record<string, Tier>>;
  readonly identityVerification?: unknown;
}

/** Refuses a tier that needs identity verification when no provider (or not the named one) is configured. */
export function checkIdvProviders(config: Checked, ctx: z.RefinementCtx): void {
  const section = config.identityVerification as { providers?: Record<string, unknown> } | undefined;
  const names = Object.keys(section?.providers ?? {});
  for (const [tierName, tier] of Object.entries(config.tiers)) {
    const named = tier.idv?.provider;
    if (named !== undefined && !names.includes(named)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tiers', tierName, 'idv', 'provider'],
        message: `identity-verification provider "${named}" is not defined under identityVerification.providers`,
      });
      continue;
    }
    const wantsIdv = tier.idv !== undefined || evidenceRequires(tier.evidence, 'idv_ial2');
    if (wantsIdv && named === undefined && names.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['tiers', tierName, tier.idv ? 'idv' : 'evidence'],
        message:
          names.length === 0
            ? 'this tier uses identity verification (idv_ial2) but no provider is configured under identityVerification.providers'
            : 'several identity-verification providers are configured: name one in idv.provider',
      });
    }
  }
}
