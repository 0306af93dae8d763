/**
 * Recovery Gate adapter for Keycloak 26.x, on @keycloak/keycloak-admin-client.
 * @module
 */

export type { ProviderOptions } from './adapter.js';
export { createProvider } from './adapter.js';
export { capabilities, settings } from './capabilities.js';
export type { ProviderConfig, ProviderConfigInput } from './config.js';
export { configSchema } from './config.js';
export { toGateError } from './errors.js';
