/**
 * An Okta management API emulator for tests and the demo: stateful, with Okta's error bodies, paging,
 * rate-limit headers, System Log, event hooks, TAC, push with number matching, an OIDC authorization
 * server, and fault injection. The emulator itself imports nothing from the adapter; the contract harness
 * (re-exported here for the scenario tests) is the glue that puts the adapter on it.
 * @module
 */

export type { NativeAction, OktaEmulatorControl } from './control.js';
export type { HarnessOptions, OktaTestEnvironment } from './harness.js';
export { createContractHarness, FIXTURES, HARNESS_HOOK_SECRET, startOktaTestEnvironment } from './harness.js';
export { addFactor, DEMO_PASSWORD, REQUEST_ACTIONS, SERVICE_LOGIN } from './seed.js';
export type { Emulator, EmulatorOptions } from './start.js';
export { startEmulator } from './start.js';
export type { LogInput, LogRef } from './syslog.js';
