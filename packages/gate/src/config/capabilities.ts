/**
 * The check that ties the tiers to the configured IdPs' declared capabilities: evidence only some IdPs can
 * produce (their own recovery codes) is refused when a configured IdP cannot.
 * @module
 */

import { IDP_KINDS, type Tier, unsupportedEvidenceIssues } from '@recovery-gate/core';
import type * as z from 'zod';
import type { Adapters } from './adapters.js';

/** Refuses a tier naming evidence a configured IdP cannot produce (native recovery codes on Okta or Entra). */
export function checkEvidenceCapabilities(adapters: Adapters) {
  return (
    config: { readonly tiers: Readonly<Record<string, Tier>>; readonly providers: object },
    ctx: z.RefinementCtx,
  ): void => {
    const configured = IDP_KINDS.filter(
      (idp) => (config.providers as Readonly<Record<string, unknown>>)[idp] !== undefined,
    );
    const idps = new Map(configured.map((idp) => [idp, adapters[idp]?.capabilities]));
    for (const issue of unsupportedEvidenceIssues(config.tiers, idps)) {
      ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
    }
  };
}
