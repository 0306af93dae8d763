/**
 * The `pages:` section of recovery-gate.yaml: how the pages sign people in through each IdP, the session
 * secret, and who may open the case view. Each IdP's step-up defaults are declared by its adapter
 * (`provider.settings.signIn`), so a tenant usually only names the issuer and the client id.
 * @module
 */

import { createSecret, IDP_KINDS, type IdpKind } from '@recovery-gate/core';
import * as z from 'zod';
import { recoveryCodesConfigSchema, recoveryCodesSettingsFrom } from '../codes/config.js';
import type { PagesSettings } from './context.js';
import type { OidcSignIn } from './oidc.js';

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
    recoveryCodeAmrs: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'amr values meaning one of the IdP\'s own saved recovery codes finished the sign-in (Keycloak: the reference value on the recovery-code execution). @default per IdP (Keycloak: ["recovery-code"])',
      ),
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
        idp: z.enum(IDP_KINDS).describe('The IdP case viewers sign in with.'),
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
    recoveryCodes: recoveryCodesConfigSchema.optional(),
  })
  .describe('The verification, approval, cancel and case pages.');

/** What users write under `pages:`. */
export type PagesConfigInput = z.input<typeof pagesConfigSchema>;
/** The parsed `pages:` section. */
export type PagesConfig = z.infer<typeof pagesConfigSchema>;

function signInFor(c: z.infer<typeof idpSignIn>): OidcSignIn {
  return {
    issuer: c.issuer,
    clientId: c.clientId,
    ...(c.clientSecret === undefined ? {} : { clientSecret: createSecret(c.clientSecret) }),
    ...(c.scope === undefined ? {} : { scope: c.scope }),
    stepUp: {
      ...(c.acrValues === undefined ? {} : { acrValues: c.acrValues }),
      maxAgeSeconds: c.maxAgeSeconds,
    },
    ...(c.stepUpAcrs === undefined ? {} : { stepUpAcrs: c.stepUpAcrs }),
    ...(c.recoveryCodeAmrs === undefined ? {} : { recoveryCodeAmrs: c.recoveryCodeAmrs }),
    ...(c.authenticationContext === undefined ? {} : { authenticationContext: c.authenticationContext }),
  };
}

/** Turns the parsed section into the pages' settings (each IdP's step-up defaults come from its adapter). */
export function pagesSettingsFrom(config: PagesConfig): PagesSettings {
  const oidc: Partial<Record<IdpKind, OidcSignIn>> = {};
  for (const idp of IDP_KINDS) {
    const c = config.signIn[idp];
    if (c) oidc[idp] = signInFor(c);
  }
  return {
    oidc,
    sessionSecret: createSecret(config.sessionSecret),
    viewer: { idp: config.viewer.idp, groups: config.viewer.groups },
    ...(config.gateName === undefined ? {} : { gateName: config.gateName }),
    ...(config.recoveryCodes === undefined
      ? {}
      : { recoveryCodes: recoveryCodesSettingsFrom(config.recoveryCodes) }),
  };
}
