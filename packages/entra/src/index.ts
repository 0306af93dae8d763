/**
 * Recovery Gate adapter for Microsoft Entra ID, on @microsoft/microsoft-graph-client and @azure/identity.
 * @module
 */

export type { ProviderOptions } from './adapter.js';
export { createProvider } from './adapter.js';
export { capabilities, settings } from './capabilities.js';
export type { ProviderConfig, ProviderConfigInput } from './config.js';
export { configSchema } from './config.js';
export { toGateError } from './errors.js';
