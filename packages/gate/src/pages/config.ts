/**
 * The `pages:` section of recovery-gate.yaml: how the pages sign people in through each IdP, the session
 * secret, and who may open the case view. Per-IdP step-up defaults follow each IdP's documented values, so
 * a tenant usually only names the issuer and the client id.
 * @module
 */

import { createSecret, type IdpKind } from '@recovery-gate/core';
import * as z from 'zod';
import type { PagesSettings } from './context.js';
import type { OidcIdpSettings } from './oidc.js';

/** Step-up defaults per IdP (Okta loa acr, Entra authentication context c1 by claims, Keycloak LoA 2). */
export const STEP_UP_DEFAULTS: Readonly<Record<IdpKind, Omit<OidcIdpSettings, 'issuer' | 'clientId'>>> = {
  okta: {
    stepUp: { acrValues: 'urn:okta:loa:2fa:any', maxAgeSeconds: 300 },
    // Never `urn:okta:loa:2fa:any:ifpossible`: it lets a one-factor sign-in through.
    stepUpAcrs: ['urn:okta:loa:2fa:any', 'phr', 'phrh'],
    // Okta puts `mfa` in amr when a second factor was used.
    // @see https://developer.okta.com/docs/guides/step-up-authentication/main/
    stepUpAmrs: ['mfa'],
  },
  entra: {
    stepUp: { claims: { id_token: { acrs: { essential: true, value: 'c1' } } }, maxAgeSeconds: 300 },
    stepUpAcrs: ['mfa', 'c1'],
    requiredAcrsClaim: 'c1',
    subjectClaim: 'oid',
  },
  keycloak: { stepUp: { acrValues: '2', maxAgeSeconds: 300 }, stepUpAcrs: ['2'] },
};

const idpSignIn = z
  .strictObject({
    issuer: z.url().describe('The OIDC issuer the pages sign in through.'),
    clientId: z.string().min(1).describe('The pages client (authorization code + PKCE).'),
    clientSecret: z
      .string()
      .min(1)
      .optional()
      .describe('A confidential client secret, by environment reference only.'),
    scope: z.string().optional().describe('Scopes to ask for. @default "openid profile email"'),
    acrValues: z.string().optional().describe('acr_values asked for step-up. @default per IdP'),
    authenticationContext: z
      .string()
      .optional()
      .describe('Entra authentication context (c1..c99) for step-up. @default "c1"'),
    stepUpAcrs: z.array(z.string()).optional().describe('acr values that prove step-up. @default per IdP'),
    maxAgeSeconds: z
      .number()
      .int()
      .min(30)
      .max(3600)
      .default(300)
      .describe('max_age for fresh sign-ins. @default 300'),
  })
  .describe('Sign-in for the pages through one IdP.');

/** The `pages:` configuration section. */
export const pagesConfigSchema = z
  .strictObject({
    sessionSecret: z
      .string()
      .min(32)
      .describe('Signs session cookies (32+ characters), by environment reference only.'),
    signIn: z
      .strictObject({
        okta: idpSignIn.optional(),
        entra: idpSignIn.optional(),
        keycloak: idpSignIn.optional(),
      })
      .describe('Sign-in per IdP.'),
    viewer: z
      .strictObject({
        idp: z.enum(['okta', 'entra', 'keycloak']).describe('The IdP case viewers sign in with.'),
        groups: z
          .array(z.string().min(1))
          .min(1)
          .default(['SecurityTeam', 'HelpDesk-Leads'])
          .describe(
            'Groups whose members may open the read-only case view. @default ["SecurityTeam","HelpDesk-Leads"]',
          ),
      })
      .describe('Who may open /cases.'),
    gateName: z
      .string()
      .min(1)
      .max(60)
      .optional()
      .describe('The product name on the pages. @default "Recovery Gate"'),
  })
  .describe('The verification, approval, cancel and case pages.');

/** What users write under `pages:`. */
export type PagesConfigInput = z.input<typeof pagesConfigSchema>;
/** The parsed `pages:` section. */
export type PagesConfig = z.infer<typeof pagesConfigSchema>;

function settingsFor(idp: IdpKind, c: z.infer<typeof idpSignIn>): OidcIdpSettings {
  const base = STEP_UP_DEFAULTS[idp];
  const context = c.authenticationContext;
  const claims =
    idp === 'entra' ? { id_token: { acrs: { essential: true, value: context ?? 'c1' } } } : undefined;
  return {
    ...base,
    issuer: c.issuer,
    clientId: c.clientId,
    ...(c.clientSecret === undefined ? {} : { clientSecret: createSecret(c.clientSecret) }),
    ...(c.scope === undefined ? {} : { scope: c.scope }),
    stepUp: {
      ...base.stepUp,
      ...(c.acrValues === undefined ? {} : { acrValues: c.acrValues }),
      ...(claims === undefined ? {} : { claims }),
      maxAgeSeconds: c.maxAgeSeconds,
    },
    stepUpAcrs: c.stepUpAcrs ?? [...base.stepUpAcrs, ...(context ? [context] : [])],
    ...(idp === 'entra' ? { requiredAcrsClaim: context ?? 'c1' } : {}),
  };
}

/** Turns the parsed section into the pages' settings. */
export function pagesSettingsFrom(config: PagesConfig): PagesSettings {
  const oidc: Partial<Record<IdpKind, OidcIdpSettings>> = {};
  for (const idp of ['okta', 'entra', 'keycloak'] as const) {
    const c = config.signIn[idp];
    if (c) oidc[idp] = settingsFor(idp, c);
  }
  return {
    oidc,
    sessionSecret: createSecret(config.sessionSecret),
    viewer: { idp: config.viewer.idp, groups: config.viewer.groups },
    ...(config.gateName === undefined ? {} : { gateName: config.gateName }),
  };
}
