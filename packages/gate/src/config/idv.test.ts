import { baselinePolicyInput, isGateError, isSecret } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import * as z from 'zod';
import { loadIdvModule } from '../idv/load.js';
import { createTestProvider } from '../testing/provider.js';
import { type Adapters, loadConfig } from './index.js';

const idv = await loadIdvModule();
const okta = {
  configSchema: z.strictObject({ orgUrl: z.url(), apiToken: z.string().min(1) }),
  createProvider: () => createTestProvider('okta', 'unused-secret'),
};
const adapters: Adapters = { okta, ...(idv ? { idv } : {}) };
const env = { OKTA_API_TOKEN: 'ssws-token-value', IDV_SECRET: 'idv-client-secret' };

/** The baseline with T2 needing IAL2 proofing plus the manager (the no-authenticator-left path). */
function yaml(t2: Record<string, unknown>, section: string): string {
  const input = structuredClone(baselinePolicyInput) as unknown as {
    tiers: Record<string, Record<string, unknown>>;
  };
  input.tiers.T2 = { ...input.tiers.T2, ...t2 };
  return `${stringify(input)}
providers:
  okta: { orgUrl: https://acme.okta.com, apiToken: \${OKTA_API_TOKEN} }
${section}`;
}

const ACME = `identityVerification:
  providers:
    acme:
      kind: oidc_ia
      displayName: Acme ID
      issuer: https://idv.acme.example
      clientId: gate
      clientSecret: \${IDV_SECRET}
`;

const needsIdv = { evidence: { allOf: ['idv_ial2', 'manager_approval'] } };

describe.skipIf(idv === undefined)(
  'identityVerification config (skipped when @recovery-gate/idv is not installed)',
  () => {
    it('takes providers with secrets by reference, and a tier that needs IDV with one provider', async () => {
      const cfg = await loadConfig(yaml({ ...needsIdv, idv: { minScore: 80 } }, ACME), env, { adapters });
      const acme = (cfg.identityVerification as { providers: Record<string, { clientSecret: unknown }> })
        .providers.acme;
      expect(isSecret(acme?.clientSecret)).toBe(true);
      expect(cfg.tiers.T2?.idv?.minScore).toBe(80);
    });

    it('refuses a tier that needs IDV without a provider, and names the path', async () => {
      for (const t2 of [needsIdv, { idv: {} }]) {
        const error = await loadConfig(yaml(t2, ''), env, { adapters }).catch((e: unknown) => e);
        expect(isGateError(error, 'ERR_CONFIG_INVALID')).toBe(true);
        expect(String((error as Error).message)).toMatch(
          /tiers\.T2\.(evidence|idv).*no provider is configured/,
        );
      }
    });

    it('refuses a provider name the tier gives that is not defined, and an inline secret', async () => {
      const named = await loadConfig(yaml({ idv: { provider: 'other' } }, ACME), env, { adapters }).catch(
        (e: unknown) => e,
      );
      expect(String((named as Error).message)).toMatch(/tiers\.T2\.idv\.provider.*"other" is not defined/);
      const inline = await loadConfig(
        yaml(needsIdv, ACME.replace(/\$\{IDV_SECRET\}/, 'plain-text-secret')),
        env,
        { adapters },
      ).catch((e: unknown) => e);
      expect(isGateError(inline, 'ERR_CONFIG_INLINE_SECRET')).toBe(true);
    });

    it('accepts the baseline (idv_ial2 one option among several) without any provider', async () => {
      await expect(loadConfig(yaml({}, ''), env, { adapters })).resolves.toBeTruthy();
    });
  },
);
