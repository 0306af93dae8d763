import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/index.js';
import { createContractHarness } from './index.js';

const open: Emulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

describe('createContractHarness', () => {
  it('targets the emulator by default', async () => {
    const harness = createContractHarness({ env: {} });
    expect(harness).toMatchObject({ realTenant: false, numberMatching: true, name: 'okta (emulator)' });
    const env = await harness.start();
    try {
      expect((await env.adapter.findUser(env.fixtures.standardUser))?.login).toBe('alice@example.com');
    } finally {
      await env.close();
    }
  });

  it('is exported from the testing entry, seeds applied guardrails on request and exposes the emulator', async () => {
    const env = await createContractHarness({ env: {}, guardrailsApplied: true }).start();
    try {
      const emulator = (env as typeof env & { emulator: Emulator }).emulator;
      expect(
        [...emulator.control.state.groups.values()].some((g) => g.name === 'recovery-request-mfa_reset'),
      ).toBe(true);
      await env.probes.nativeRequest?.(emulator.control.userId('alice@example.com'));
      const page = await env.adapter.readEvents('system_log', null);
      expect(page.events.map((e) => e.kind)).toContain('recovery_requested');
    } finally {
      await env.close();
    }
  });

  it('targets the org named by OKTA_ORG_URL and OKTA_API_TOKEN instead (realTenant), without emulator probes', async () => {
    // A separate emulator plays the "real" org here: the harness must not start its own.
    const org = await startEmulator();
    open.push(org);
    const harness = createContractHarness({ env: { OKTA_ORG_URL: org.url, OKTA_API_TOKEN: org.apiToken } });
    expect(harness).toMatchObject({ realTenant: true, name: 'okta (real org)' });
    const env = await harness.start();
    const before = org.control.faults.requestCount();
    expect((await env.adapter.findUser('alice@example.com'))?.id).toBe(
      org.control.userId('alice@example.com'),
    );
    expect(org.control.faults.requestCount()).toBeGreaterThan(before);
    expect(env.probes.advanceClock).toBeUndefined();
    expect(env.probes.injectFault).toBeUndefined();
    await expect(env.probes.mintSession('x')).rejects.toThrow(/emulator/);
    await env.close();
  });
});
