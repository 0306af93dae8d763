/**
 * Test wiring for the Okta adapter: `startTestEnvironment` (the emulator, a hook receiver and the adapter on
 * them) and the contract harness the core suite runs. Tests and the demo only; the adapter (`src/`) and the
 * emulator (`emulator/`) import nothing from here.
 * @module
 */

export type { HarnessOptions, OktaTestEnvironment } from './harness.js';
export { createContractHarness, FIXTURES, HARNESS_HOOK_SECRET, startTestEnvironment } from './harness.js';
