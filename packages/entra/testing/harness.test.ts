import { describe, expect, it } from 'vitest';
import { realTenantConfigured } from './harness.js';
import { realTenantEnvironment, revocationWaitMs } from './harness-real.js';

const REAL = {
  ENTRA_TENANT_ID: 'contoso.onmicrosoft.com',
  ENTRA_CLIENT_ID: '11111111-1111-4111-8111-111111111111',
  ENTRA_CLIENT_SECRET: 'x',
};

describe('contract harness target', () => {
  it('targets a real tenant only when tenant, client id and secret are all set', () => {
    expect(realTenantConfigured({})).toBe(false);
    expect(realTenantConfigured({ ...REAL, ENTRA_CLIENT_SECRET: '' })).toBe(false);
    expect(realTenantConfigured(REAL)).toBe(true);
  });

  it('builds the real-tenant adapter from the environment; TAP sign-in and sessions without ROPC refuse clearly', async () => {
    const env = realTenantEnvironment({ ...REAL, ENTRA_STANDARD_USER: 'amy@contoso.com' });
    expect(env.adapter.idp).toBe('entra');
    expect(env.fixtures.standardUser).toBe('amy@contoso.com');
    await expect(env.probes.signInWithTemporaryCredential('u', 'x')).rejects.toThrow(/interactive/);
    await expect(env.probes.refreshTokenWorks('t')).rejects.toThrow(/ENTRA_ROPC_CLIENT_ID/);
    expect(env.probes.awaitRevocation).toEqual(expect.any(Function));
  });

  it('waits "a few minutes" for a revocation on a real tenant: 300 s unless ENTRA_REVOCATION_WAIT_SECONDS says', async () => {
    expect(revocationWaitMs({})).toBe(300_000);
    expect(revocationWaitMs({ ENTRA_REVOCATION_WAIT_SECONDS: '90' })).toBe(90_000);
    for (const bad of ['-1', '1.5', 'soon', '3601'])
      expect(() => revocationWaitMs({ ENTRA_REVOCATION_WAIT_SECONDS: bad })).toThrow(/whole number/);
    const env = realTenantEnvironment({ ...REAL, ENTRA_REVOCATION_WAIT_SECONDS: '0' });
    await expect(env.probes.awaitRevocation?.()).resolves.toBeUndefined();
  });
});
