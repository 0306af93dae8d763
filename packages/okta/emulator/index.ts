/**
 * An Okta management API emulator for tests and the demo: stateful, with Okta's error bodies, paging,
 * rate-limit headers, System Log, event hooks, TAC, push with number matching, an OIDC authorization
 * server, and fault injection. It imports nothing from the adapter; the pairing with the adapter is
 * `@recovery-gate/okta/testing`.
 * @module
 */

export type { NativeAction, OktaEmulatorControl } from './control.js';
export { addFactor, DEMO_PASSWORD, REQUEST_ACTIONS, SERVICE_LOGIN } from './seed.js';
export type { Emulator, EmulatorOptions } from './start.js';
export { startEmulator } from './start.js';
export type { LogInput, LogRef } from './syslog.js';
