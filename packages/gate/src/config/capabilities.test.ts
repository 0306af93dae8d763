import { baselinePolicyInput, isGateError } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import * as z from 'zod';
import { type Adapters, loadAdapters, loadConfig } from './index.js';

// The real adapters' declared capabilities; provider sections are not what this test is about.
async function adaptersWithAnySection(): Promise<Adapters> {
  const real = await loadAdapters();
  const loose = z.record(z.string(), z.unknown());
  const out: Record<string, unknown> = {};
  for (const idp of ['okta', 'entra', 'keycloak'] as const) {
    const mod = real[idp];
    if (mod === undefined) throw new Error(`the ${idp} adapter is not built`);
    out[idp] = { ...mod, configSchema: loose };
  }
  return out as Adapters;
}

const policy = {
  ...baselinePolicyInput,
  tiers: {
    ...baselinePolicyInput.tiers,
    T1: { ...baselinePolicyInput.tiers.T1, evidence: { anyOf: ['oidc_step_up', 'idp_recovery_code'] } },
  },
};

async function load(idps: readonly string[]) {
  const providers = Object.fromEntries(idps.map((idp) => [idp, { any: 'thing' }]));
  return loadConfig(stringify({ ...policy, providers }), {}, { adapters: await adaptersWithAnySection() });
}

describe('a tier naming idp_recovery_code (the IdP-native recovery codes)', () => {
  it('loads with Keycloak, which declares idp_recovery_codes', async () => {
    const config = await load(['keycloak']);
    expect(JSON.stringify(config.tiers.T1?.evidence)).toContain('idp_recovery_code');
  });

  it('is refused with Okta or Entra configured, naming the tier, the IdP and what to use instead', async () => {
    for (const idps of [['okta'], ['entra'], ['keycloak', 'okta']]) {
      const error = await load(idps).catch((err: unknown) => err);
      if (!isGateError(error)) throw new Error('expected a GateError');
      expect(error.code).toBe('ERR_POLICY_UNSUPPORTED_EVIDENCE');
      const other = idps.find((idp) => idp !== 'keycloak');
      expect(error.message).toContain(
        `tiers.T1.evidence: tier "T1" names idp_recovery_code, which ${other} cannot`,
      );
      expect(error.message).toContain('use recovery_code (issued by the gate)');
    }
  });
});
