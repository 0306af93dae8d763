/**
 * The `recovery-gate.yaml` configuration: schema, secret references, loading.
 * @module
 */

export type { AdapterModule, Adapters } from './adapters.js';
export { loadAdapters } from './adapters.js';
export type { LoadConfigOptions } from './load.js';
export { formatIssues, issuesError, loadConfig } from './load.js';
export { buildProviders } from './providers.js';
export type { GateConfig } from './schema.js';
export {
  gateConfigJsonSchema,
  gateConfigSchema,
  notificationsSchema,
  pollersSchema,
  serverSchema,
  storageSchema,
} from './schema.js';
export { isSecretKey, quoteBareReferences, resolveSecrets } from './secrets.js';
