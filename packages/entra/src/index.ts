/**
 * Recovery Gate adapter for Microsoft Entra ID, on @microsoft/microsoft-graph-client and @azure/identity.
 * @module
 */

export { createProvider, type ProviderOptions, STREAMS } from './adapter.js';
export { capabilities, settings } from './capabilities.js';
export { configSchema, type ProviderConfig } from './config.js';
export { toGateError } from './errors.js';
export { type IdentityHttpClient, loopbackHttpClient, type TransportSeams } from './transport.js';
