/**
 * Recovery Gate identity-verification providers: OpenID Connect for Identity Assurance 1.0 and
 * Microsoft Entra Verified ID with Face Check, on core's IDV port.
 * @module
 */

export type {
  IdentityVerificationConfig,
  IdvProviderConfig,
  OidcIaConfig,
  VerifiedIdConfig,
} from './config.js';
export {
  identityVerificationSchema,
  idvProviderConfigSchema,
  oidcIaConfigSchema,
  verifiedIdConfigSchema,
} from './config.js';
export { MAX_BODY_BYTES } from './http.js';
export type { OidcIaOptions } from './oidc-ia.js';
export { createOidcIaProvider } from './oidc-ia.js';
export { normaliseVerifiedClaims, VERIFIED_CLAIMS_REQUEST } from './oidc-ia-claims.js';
export { createIdvProvider } from './provider.js';
export type { VerifiedIdOptions } from './verified-id.js';
export { callbackKey, createVerifiedIdProvider, VERIFIED_ID_SCOPE } from './verified-id.js';
