/**
 * The provider contract suite: every adapter runs it once against its emulator (or a real tenant).
 * Declared capabilities must work and be visible in the IdP's state; undeclared ones must fail closed.
 * @module
 */

import { describe } from 'vitest';
import { inspectHarness } from './contract-context.js';
import { credentialCases } from './contract-credential.js';
import { deviceCases } from './contract-device.js';
import { eventCases } from './contract-events.js';
import { capabilityCases, factCases } from './contract-facts.js';
import { guardrailCases } from './contract-guardrails.js';
import { hookCases } from './contract-hooks.js';
import { caseStatusCases, requestMarkerCases } from './contract-markers.js';
import { lifecycleCases, resetAuthenticatorCases } from './contract-reset.js';
import { retryCases } from './contract-retries.js';
import { revokeCases } from './contract-revoke.js';
import type { ContractHarness } from './harness.js';

/**
 * Registers the provider contract suite (vitest `describe`/`it`) for one adapter harness.
 *
 * What the suite expects of a harness:
 * - `start()` gives a fresh seeded tenant per call; fixtures may be logins or ids (`findUser` resolves them).
 * - `requestCount` counts every request the emulator received, faulted ones included; `injectFault`
 *   answers with the IdP's own rate-limit headers, so a correct client waits about `retryAfterSeconds`.
 *   The adapter must sleep through an injected function (`recordedSleeps` may report what it asked for).
 * - `nativeReset` / `nativeRequest` act as `fixtures.agent` when given, never as the adapter's identity.
 * - Where the adapter declares guardrails, the suite applies them before tests that need request groups
 *   or the case-status attribute.
 * A test whose probe is missing is skipped with the reason in its name; an undeclared capability is not
 * skipped: the suite checks that it throws `ERR_UNSUPPORTED` and changes nothing.
 */
export function runProviderContract(harness: ContractHarness): void {
  describe(`provider contract: ${harness.name}`, async () => {
    const ctx = await inspectHarness(harness);
    capabilityCases(ctx);
    factCases(ctx);
    revokeCases(ctx);
    resetAuthenticatorCases(ctx);
    lifecycleCases(ctx);
    credentialCases(ctx);
    deviceCases(ctx);
    eventCases(ctx);
    hookCases(ctx);
    caseStatusCases(ctx);
    requestMarkerCases(ctx);
    guardrailCases(ctx);
    retryCases(ctx);
  });
}
