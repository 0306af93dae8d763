/**
 * The check that ties tiers to the IdPs they run on: a tier may name an evidence kind only some IdPs can
 * produce (the IdP's own recovery codes) only when every configured IdP declares the capability.
 * @module
 */

import type { EvidenceKind } from '../evidence.js';
import type { Capabilities, Capability } from '../port.js';
import { evidenceKindsIn } from './evidence-expr.js';
import type { Tier } from './tier.js';

/** Evidence kinds only some IdPs can produce, with the capability an adapter declares for each. */
export const EVIDENCE_CAPABILITY: Readonly<Partial<Record<EvidenceKind, Capability>>> = {
  idp_recovery_code: 'idp_recovery_codes',
};

/** A tier naming evidence a configured IdP cannot produce. */
export interface CapabilityIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * The tiers that name an evidence kind some configured IdP does not declare (an IdP whose capabilities are
 * unknown counts as not declaring it). The policy is one for every IdP, so such a tier would never be met
 * for that IdP's users: it is refused, naming the IdP and why.
 */
export function unsupportedEvidenceIssues(
  tiers: Readonly<Record<string, Tier>>,
  idps: ReadonlyMap<string, Capabilities | undefined>,
): CapabilityIssue[] {
  const issues: CapabilityIssue[] = [];
  for (const [name, tier] of Object.entries(tiers)) {
    const kinds = new Set(tier.evidence === undefined ? [] : evidenceKindsIn(tier.evidence));
    for (const kind of kinds) {
      const capability = EVIDENCE_CAPABILITY[kind];
      if (capability === undefined) continue;
      for (const [idp, capabilities] of idps) {
        const info = capabilities?.[capability];
        if (info?.supported === true) continue;
        issues.push({
          path: ['tiers', name, 'evidence'],
          message:
            `ERR_POLICY_UNSUPPORTED_EVIDENCE: tier "${name}" names ${kind}, which ${idp} cannot produce` +
            ` (${info?.note ?? `the ${idp} adapter does not declare ${capability}`}); remove it from the` +
            ` tier, or use recovery_code (issued by the gate)`,
        });
      }
    }
  }
  return issues;
}
