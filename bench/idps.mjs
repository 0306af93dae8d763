// The three IdPs as benches see them: the real adapter on its emulator (started through the adapter
// package's own harness), plus a uniform view of the emulator's request log.
import { startTestEnvironment as startEntraTestEnvironment } from '@recovery-gate/entra/testing';
import { startTestEnvironment as startKeycloakTestEnvironment } from '@recovery-gate/keycloak/testing';
import { startTestEnvironment } from '@recovery-gate/okta/testing';

/** The IdPs, in bench order. */
export const IDPS = ['okta', 'entra', 'keycloak'];

/**
 * Starts `idp`'s emulator (guardrails applied) with `latencyMs` added to each API call and the adapter on it.
 * Returns { adapter, probes, log(), count(), close() }: log() lists served API requests as {method, path}.
 */
export async function startIdp(idp, { latencyMs = 0, extra = {}, guardrailsApplied = true } = {}) {
  if (idp === 'okta') {
    const env = await startTestEnvironment({
      emulator: { guardrailsApplied: true, latencyMs, ...extra },
    });
    const { control } = env.emulator;
    return {
      idp,
      adapter: env.adapter,
      emulator: env.emulator,
      log: () => control.faults.requestLog().map((e) => ({ method: e.method, path: e.path, query: e.query })),
      count: () => control.faults.requestCount(),
      resetLog: () => control.faults.resetLog(),
      nativeReset: async (userId) => {
        const status = await control.nativeAction('frank@example.com', userId, { kind: 'reset_factors' });
        if (status >= 300) throw new Error(`native reset failed: HTTP ${status}`);
      },
      close: () => env.close(),
    };
  }
  if (idp === 'entra') {
    const env = await startEntraTestEnvironment({ guardrailsApplied: true, latencyMs, ...extra });
    const { control } = env.emulator;
    let base = 0;
    return {
      idp,
      adapter: env.adapter,
      emulator: env.emulator,
      log: () =>
        control.requests.slice(base).map((e) => ({ method: e.method, path: e.path, query: e.query })),
      count: () => control.requests.length - base,
      resetLog: () => {
        base = control.requests.length;
      },
      nativeReset: (userId) => env.probes.nativeReset(userId, 'authenticators'),
      close: () => env.close(),
    };
  }
  const pair = await startKeycloakTestEnvironment({ guardrailsApplied, emulator: { latencyMs, ...extra } });
  const { control } = pair.emu;
  let base = 0;
  let tokenBase = 0;
  return {
    idp,
    adapter: pair.adapter,
    emulator: pair.emu,
    // Admin API exchanges; token requests are counted apart (they are not in the exchange log).
    log: () =>
      control
        .exchanges()
        .slice(base)
        .map((e) => ({ method: e.method, path: e.path, query: e.query })),
    count: () => control.exchanges().length - base + control.tokenRequests() - tokenBase,
    tokenRequests: () => control.tokenRequests() - tokenBase,
    resetLog: () => {
      base = control.exchanges().length;
      tokenBase = control.tokenRequests();
    },
    // With the guardrails applied the agent may not delete credentials; a native password reset is allowed.
    nativeReset: (userId) => pair.probes.nativeReset(userId, 'password'),
    close: () => pair.close(),
  };
}

/** True for an HTTP method that changes state. */
export const isWrite = (method) => !['GET', 'HEAD', 'OPTIONS'].includes(String(method).toUpperCase());
