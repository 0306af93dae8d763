import type { IssuedCredential, RecoveryProvider } from '@recovery-gate/core';
import type { ContractEnvironment } from '@recovery-gate/core/testing';
import { createContractHarness as entraHarness } from '@recovery-gate/entra/testing';
import { createContractHarness as oktaHarness } from '@recovery-gate/okta/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit, verifyAudit } from '../audit/index.js';
import { type Env, event, startEnv } from './setup.test-helper.js';

class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/** Wraps the real adapter to keep the secrets it issues (the test's oracle of what was handed out). */
function recording(adapter: RecoveryProvider, issued: IssuedCredential[]): RecoveryProvider {
  return {
    ...adapter,
    async issueTemporaryCredential(userId, options) {
      const credential = await adapter.issueTemporaryCredential(userId, options);
      issued.push(credential);
      return credential;
    },
  };
}

const HARNESSES = { okta: oktaHarness, entra: entraHarness } as const;

describe.each(['okta', 'entra'] as const)(
  'case engine on the real %s adapter and emulator',
  { timeout: 180_000 },
  (kind) => {
    let idp: ContractEnvironment;
    let env: Env;
    const issued: IssuedCredential[] = [];
    const clock = { now: new Date() };

    beforeEach(async () => {
      issued.length = 0;
      clock.now = new Date();
      idp = await HARNESSES[kind]({ guardrailsApplied: true }).start();
      env = await startEnv(new Map([[kind, recording(idp.adapter, issued)]]), clock);
    }, 180_000);
    afterEach(async () => {
      await env.close();
      await idp.close();
    }, 180_000);

    const id = async (name: string) => (await idp.adapter.findUser(`${name}@example.com`))?.id ?? '';

    /** The subject proves possession: an approved push where the IdP has one, else an OIDC step-up. */
    async function prove(caseId: string, userId: string): Promise<void> {
      if (idp.adapter.capabilities.device_challenge.supported) {
        expect(await env.engine.pollChallenges()).toBe(0);
        // The subject picks the number the gate shows them (number matching).
        const shown = await env.engine.pendingChallenge(caseId, userId);
        expect(shown?.numberToMatch).toEqual(expect.any(Number));
        await idp.probes.answerDeviceChallenge?.(userId, 'approve', shown?.numberToMatch);
        await env.engine.tick();
        return;
      }
      const facts = await idp.adapter.readSubjectFacts(userId);
      const password = facts.authenticators?.find((a) => a.kind === 'password');
      await env.engine.recordEvidence(caseId, {
        kind: 'oidc_step_up',
        by: userId,
        authenticatorId: password?.id ?? null,
      });
    }

    it('T1 password reset: a possession proof, then the credential signs in and old tokens are refused', async () => {
      const alice = await id('alice');
      const session = await idp.probes.mintSession(alice);
      await env.engine.handleEvent(
        event(kind, {
          subject: { userId: alice, login: null },
          action: 'password_reset',
          actor: { id: await id('frank'), type: 'user', displayName: null },
          occurredAt: clock.now.toISOString(),
        }),
      );
      const [c] = await env.engine.listCases({ subjectId: alice });
      expect(c?.tier).toBe('T1');
      await prove(c?.id ?? '', alice);
      expect((await env.engine.getCase(c?.id ?? ''))?.state).toBe('executing');
      const claimed = await env.engine.claimCredential(c?.id ?? '', alice);
      await idp.probes.awaitRevocation?.();
      expect(await idp.probes.refreshTokenWorks(session.refreshToken)).toBe(false);
      expect(await idp.probes.signInWithTemporaryCredential(alice, claimed.secret.reveal())).toBe(true);
      expect((await env.engine.getCase(c?.id ?? ''))?.state).toBe('completed');
      // The real chain took every step (a secret in a step result would have failed the case).
      expect(await verifyAudit(env.store)).toMatchObject({ ok: true });
      const reset = env.audit.entries.find((e) => e.type === 'step.reset' && e.caseId === c?.id);
      expect(reset?.data).toEqual({ reset: 'password' });
      expect(JSON.stringify(await listAudit(env.store))).not.toContain(claimed.secret.reveal());
    });

    it('a credential lost in a crash at claim never stays live: only the last one works', async () => {
      const alice = await id('alice');
      await env.engine.handleEvent(
        event(kind, {
          subject: { userId: alice, login: null },
          action: 'password_reset',
          actor: { id: await id('frank'), type: 'user', displayName: null },
          occurredAt: clock.now.toISOString(),
        }),
      );
      const [c] = await env.engine.listCases({ subjectId: alice });
      await prove(c?.id ?? '', alice);
      env.restart({
        onSideEffect: (_caseId, step) => {
          if (step === 'issue') throw new SimulatedCrash('killed');
        },
      });
      await expect(env.engine.claimCredential(c?.id ?? '', alice)).rejects.toThrow('killed');
      env.restart({});
      const claimed = await env.engine.claimCredential(c?.id ?? '', alice);
      expect(issued).toHaveLength(2);
      const lost = issued[0]?.secret?.reveal() ?? '';
      expect(await idp.probes.signInWithTemporaryCredential(alice, lost)).toBe(false);
      expect(await idp.probes.signInWithTemporaryCredential(alice, claimed.secret.reveal())).toBe(true);
    });
  },
);
