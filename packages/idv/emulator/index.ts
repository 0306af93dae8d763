/**
 * Identity-verification emulators for tests and the demo: an OpenID provider for Identity Assurance 1.0
 * and the Microsoft Entra Verified ID Request Service API with Face Check and callbacks.
 * @module
 */

export type { OidcIaClient, OidcIaEmulator, OidcIaEmulatorOptions, OidcIaTransaction } from './oidc-ia.js';
export { startOidcIaEmulator } from './oidc-ia.js';
export type { IdvPersona } from './personas.js';
export { standardPersonas } from './personas.js';
export type { IdvFault, IdvServer } from './serve.js';
export type {
  CallbackDelivery,
  EmulatedPresentationRequest,
  VerifiedIdEmulator,
  VerifiedIdEmulatorOptions,
} from './verified-id.js';
export { startVerifiedIdEmulator } from './verified-id.js';
