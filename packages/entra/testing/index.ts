/**
 * Test wiring for the Entra adapter: `startTestEnvironment` (the emulator, a hook receiver and the adapter on
 * them), the contract harness the core suite runs, and the loopback seam that points the adapter's Graph
 * client and credential at a local emulator. Tests and the demo only; the adapter (`src/`) and the emulator
 * (`emulator/`) import nothing from here.
 * @module
 */

import type { ProviderOptions } from '../src/adapter.js';
import { loopbackHttpClient } from '../src/client/transport.js';

export type { EntraTestEnvironment } from './harness.js';
export { createContractHarness, HOOK_URL, realTenantConfigured, startTestEnvironment } from './harness.js';

/**
 * The provider options that send every Graph and token request to a loopback emulator at `origin` (the
 * Graph SDK keeps its https base URL, so it still sends the bearer token; see `client/transport.ts`).
 */
export function loopbackOptions(origin: string): Pick<ProviderOptions, 'graphOrigin' | 'httpClient'> {
  return { graphOrigin: origin, httpClient: loopbackHttpClient(origin) };
}
