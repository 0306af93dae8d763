import type { ContractEnvironment } from '@recovery-gate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../emulator/seed.js';
import { createContractHarness } from '../testing/index.js';

/**
 * Divergence D3: Okta documents that a user in RECOVERY cannot sign in until the reset flow completes, and
 * nothing says whether a Temporary Access Code overrides that. The emulator has a switch for each plausible
 * behaviour; the adapter's password reset must let the subject in with the TAC under both.
 */
describe.each(['refused', 'allowed'] as const)(
  'password reset when a TAC in RECOVERY is %s',
  { timeout: 120_000 },
  (mode) => {
    let env: ContractEnvironment | undefined;
    afterEach(async () => {
      await env?.close();
      env = undefined;
    });

    async function start(): Promise<{ env: ContractEnvironment; alice: string }> {
      env = await createContractHarness({ emulator: { recoveryTacSignIn: mode } }).start();
      const alice = (await env.adapter.findUser('alice@example.com'))?.id ?? '';
      return { env, alice };
    }

    it('the old password and sessions stop working and the TAC signs the subject in', async () => {
      const { env, alice } = await start();
      const session = await env.probes.mintSession(alice);
      expect(await env.probes.signInWithPassword?.(alice, DEMO_PASSWORD)).not.toBeNull();
      await env.adapter.resetPassword(alice, { lifetimeSeconds: 900 });
      expect((await env.adapter.readSubjectFacts(alice)).status).toBe('password_expired');
      // Sessions end with the reset; tokens are the revoke step's (oauthTokens=true), which runs before it.
      expect(await env.probes.sessionActive(session.sessionId)).toBe(false);
      expect(await env.probes.signInWithPassword?.(alice, DEMO_PASSWORD)).toBeNull();
      const tac = await env.adapter.issueTemporaryCredential(alice, {
        lifetimeSeconds: 900,
        singleUse: true,
        action: 'password_reset',
      });
      expect(await env.probes.signInWithTemporaryCredential(alice, tac.secret?.reveal() ?? '')).toBe(true);
    });

    it(`the emulator's switch: a TAC for a user put in RECOVERY natively is ${mode}`, async () => {
      const { env, alice } = await start();
      await env.probes.nativeReset?.(alice, 'password');
      expect((await env.adapter.readSubjectFacts(alice)).status).toBe('recovery');
      const tac = await env.adapter.issueTemporaryCredential(alice, {
        lifetimeSeconds: 900,
        singleUse: true,
        action: 'password_reset',
      });
      expect(await env.probes.signInWithTemporaryCredential(alice, tac.secret?.reveal() ?? '')).toBe(
        mode === 'allowed',
      );
    });
  },
);
