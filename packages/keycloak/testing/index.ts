/**
 * Test wiring for the Keycloak adapter: `startTestEnvironment` (the emulator and the adapter on it, with
 * probes that read the emulator's state) and the contract harness the core suite runs. Tests, benchmarks and
 * the demo only; the adapter (`src/`) and the emulator (`emulator/`) import nothing from here.
 * @module
 */

export type { EmulatorPair, HarnessOptions, ProviderFactory } from './harness.js';
export { asFrank, createContractHarness, offlineToken, startTestEnvironment } from './harness.js';
