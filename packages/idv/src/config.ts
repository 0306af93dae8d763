/**
 * The `identityVerification` section of `recovery-gate.yaml`: the providers the gate can send a subject
 * to, by name. Secrets only by environment reference.
 * @module
 */

import { createSecret, type Secret } from '@recovery-gate/core';
import * as z from 'zod';

const secret = z
  .string()
  .min(1)
  .transform((value): Secret => createSecret(value));

const timeoutMs = z
  .int()
  .min(500)
  .max(60_000)
  .default(10_000)
  .describe('How long one call to the provider may take before it counts as down, in ms. @default 10000');

/** An OpenID Connect for Identity Assurance 1.0 provider (any OIDC-based IDV vendor). */
export const oidcIaConfigSchema = z
  .strictObject({
    kind: z.literal('oidc_ia').describe('OpenID Connect for Identity Assurance 1.0.'),
    displayName: z
      .string()
      .min(1)
      .max(60)
      .describe('Shown to the subject: "Verify your identity with <displayName>".'),
    issuer: z
      .url({ protocol: /^https?$/ })
      .describe(
        'The OpenID provider issuer (discovery at /.well-known/openid-configuration); http only on loopback.',
      ),
    clientId: z.string().min(1).describe('The client id the vendor issued to the gate.'),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
    clientSecret: secret.describe('The client secret, as ${ENV} reference.'),
    scope: z
      .string()
      .min(1)
      .default('openid')
      .describe('Scopes to request besides the claims parameter. @default "openid"'),
    par: z
      .boolean()
      .default(false)
      .describe(
        'Send the request by pushed authorization (RFC 9126); always done when the provider metadata requires it. @default false',
      ),
    timeoutMs,
  })
  .describe('An identity-verification provider speaking OpenID Connect for Identity Assurance 1.0.');

/** Microsoft Entra Verified ID (Request Service API) with Face Check. */
export const verifiedIdConfigSchema = z
  .strictObject({
    kind: z.literal('entra_verified_id').describe('Microsoft Entra Verified ID with Face Check.'),
    displayName: z
      .string()
      .min(1)
      .max(60)
      .default('Microsoft Authenticator')
      .describe('Shown to the subject. @default "Microsoft Authenticator"'),
    tenantId: z.string().min(1).describe('The Entra tenant id of the Verified ID authority.'),
    clientId: z
      .string()
      .min(1)
      .describe('The app registration with VerifiableCredential.Create.PresentRequest.'),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
    clientSecret: secret.describe('The app registration client secret, as ${ENV} reference.'),
    authority: z
      .string()
      .regex(/^did:/, 'expected a DID')
      .describe('The verifier authority DID (did:web:...).'),
    credentialType: z
      .string()
      .min(1)
      .default('VerifiedEmployee')
      .describe('The credential type requested. @default "VerifiedEmployee"'),
    acceptedIssuers: z
      .array(
        z.strictObject({
          did: z.string().regex(/^did:/, 'expected a DID').describe('The issuer DID.'),
          trustFramework: z
            .string()
            .min(1)
            .describe(
              'The trust framework its credentials are issued under after proofing (e.g. nist_800_63A).',
            ),
          assuranceLevel: z
            .string()
            .min(1)
            .describe('The identity assurance level of its proofing (e.g. ial2).'),
        }),
      )
      .min(1)
      .describe('Issuers whose credentials count, with the assurance their proofing gives.'),
    sourcePhotoClaimName: z
      .string()
      .min(1)
      .default('photo')
      .describe('The credential claim holding the photo Face Check compares with. @default "photo"'),
    matchConfidenceThreshold: z
      .int()
      .min(50)
      .max(100)
      .default(70)
      .describe('Face Check threshold sent to the service (50–100). @default 70'),
    callbackSecret: secret.describe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
      'Key the per-request callback api-key is derived from, as ${ENV} reference.',
    ),
    loginAuthority: z
      .url({ protocol: /^https?$/ })
      .default('https://login.microsoftonline.com')
      .describe('The Entra token authority. @default "https://login.microsoftonline.com"'),
    endpoint: z
      .url({ protocol: /^https?$/ })
      .default('https://verifiedid.did.msidentity.com')
      .describe('The Request Service API host. @default "https://verifiedid.did.msidentity.com"'),
    timeoutMs,
  })
  .describe('Microsoft Entra Verified ID presentation with Face Check.');

/** One provider. */
export const idvProviderConfigSchema = z
  .discriminatedUnion('kind', [oidcIaConfigSchema, verifiedIdConfigSchema])
  .describe('An identity-verification provider.');

/** The `identityVerification` section. */
export const identityVerificationSchema = z
  .strictObject({
    providers: z
      .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,40}$/), idvProviderConfigSchema)
      .refine((p) => Object.keys(p).length > 0, { error: 'expected at least one provider' })
      .describe('Identity-verification providers by name.'),
  })
  .describe('Remote identity proofing (IAL2) through identity-verification providers. @default none');

/** An OpenID IA provider's settings after defaults. */
export type OidcIaConfig = z.infer<typeof oidcIaConfigSchema>;
/** A Verified ID provider's settings after defaults. */
export type VerifiedIdConfig = z.infer<typeof verifiedIdConfigSchema>;
/** One provider's settings after defaults. */
export type IdvProviderConfig = z.infer<typeof idvProviderConfigSchema>;
/** The section after defaults. */
export type IdentityVerificationConfig = z.infer<typeof identityVerificationSchema>;
