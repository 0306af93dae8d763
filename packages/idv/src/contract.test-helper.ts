/**
 * The identity-verification provider contract: every integration runs it against its emulator, and a
 * real service passes it with a driver that completes verifications as its sandbox test people
 * (`complete`) and a way to make it unreachable (`fault`). Assertions are on the normalised result and on
 * the rules' verdict, never on how a provider spells its answer.
 * @module
 */

import { randomUUID } from 'node:crypto';
import {
  DEFAULT_IDV_RULES,
  evaluateIdv,
  type IdvCheck,
  type IdvProvider,
  type IdvRecord,
  type IdvReturn,
  type IdvStarted,
  isGateError,
} from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';

/** Which test person to present. */
export type ContractPersona = 'pass' | 'liveness_fail' | 'expired' | 'impostor';

/** What a provider's contract run needs. */
export interface IdvContractHarness {
  readonly provider: IdvProvider;
  /** The IdP record the passing person matches. */
  readonly record: IdvRecord;
  readonly returnUrl: string;
  readonly callbackUrl: string;
  /** Completes a started verification as `persona`; every return the provider sends, in order. */
  complete(
    started: IdvStarted,
    persona: ContractPersona,
    binding: { state: string; nonce: string },
  ): Promise<IdvReturn[]>;
  /** A return an attacker could send without the provider's secrets (forged callback or tampered redirect). */
  forge(started: IdvStarted, binding: { state: string; nonce: string }): Promise<IdvReturn>;
  /** Puts the provider in a fault mode (`down`: 5xx; `hang`: never answers) or back to normal. */
  fault(mode: 'none' | 'down' | 'hang'): void;
  /** The decision time a verdict is made at (the provider's clock). */
  now(): string;
}

async function run(h: IdvContractHarness, persona: ContractPersona) {
  const binding = { state: randomUUID(), nonce: randomUUID() };
  const startedAt = h.now();
  const started = await h.provider.start({
    caseId: 'case-1',
    ...binding,
    returnUrl: h.returnUrl,
    callbackUrl: h.callbackUrl,
    loginHint: null,
  });
  const returns = await h.complete(started, persona, binding);
  const received = [];
  for (const ret of returns) received.push(await h.provider.receive(ret));
  const final = received.at(-1);
  if (final?.status !== 'completed') return { started, received, final, verdict: null, binding };
  const verdict = evaluateIdv(final.result, {
    rules: DEFAULT_IDV_RULES,
    record: h.record,
    expected: {
      provider: h.provider.name,
      state: binding.state,
      nonce: final.result.binding.nonce === null ? null : binding.nonce,
      requestId: started.requestId,
      startedAt,
    },
    now: h.now(),
    maxAgeMs: 15 * 60_000,
    replayed: false,
  });
  return { started, received, final, verdict, binding };
}

const failedOf = (checks: readonly { check: IdvCheck }[] | undefined) => (checks ?? []).map((c) => c.check);

/** Registers the contract tests for one provider. */
export function idvProviderContract(name: string, setup: () => IdvContractHarness): void {
  describe(`IDV provider contract: ${name}`, () => {
    it('normalises a passing verification that counts under the default rules', async () => {
      const r = await run(setup(), 'pass');
      expect(r.final?.status).toBe('completed');
      if (r.final?.status !== 'completed') return;
      const res = r.final.result;
      expect(res.provider).toBe(setup().provider.name);
      expect(res.transactionId.length).toBeGreaterThan(0);
      expect(res.binding.state).toBe(r.binding.state);
      expect(res.document?.type).toBeTruthy();
      expect(res.biometric).toMatchObject({ method: 'face_match', passed: true });
      expect(r.verdict).toMatchObject({ counts: true, failed: [] });
      expect(JSON.stringify(res)).not.toMatch(/P1234567|document_number|base64/);
    });

    it('gives every verification its own transaction id', async () => {
      const a = await run(setup(), 'pass');
      const b = await run(setup(), 'pass');
      const id = (x: typeof a) => (x.final?.status === 'completed' ? x.final.result.transactionId : null);
      expect(id(a)).not.toBeNull();
      expect(id(a)).not.toBe(id(b));
    });

    it('does not count a failed liveness or face match', async () => {
      const r = await run(setup(), 'liveness_fail');
      if (r.final?.status === 'failed') return; // the provider itself refused: nothing to count either
      expect(r.verdict?.counts).toBe(false);
      expect(failedOf(r.verdict?.failed).some((c) => c === 'biometric' || c === 'score')).toBe(true);
    });

    it('does not count an expired document', async () => {
      const r = await run(setup(), 'expired');
      if (r.final?.status === 'failed') return;
      expect(r.verdict?.counts).toBe(false);
      expect(failedOf(r.verdict?.failed)).toContain('document');
    });

    it('does not count another legal name, and names the field', async () => {
      const r = await run(setup(), 'impostor');
      expect(r.final?.status).toBe('completed');
      expect(r.verdict?.counts).toBe(false);
      expect(failedOf(r.verdict?.failed)).toEqual(expect.arrayContaining(['given_name', 'family_name']));
    });

    it('refuses a forged return', async () => {
      const h = setup();
      const binding = { state: randomUUID(), nonce: randomUUID() };
      const started = await h.provider.start({
        caseId: 'case-1',
        ...binding,
        returnUrl: h.returnUrl,
        callbackUrl: h.callbackUrl,
        loginHint: null,
      });
      const error = await h.provider.receive(await h.forge(started, binding)).catch((e: unknown) => e);
      expect(isGateError(error)).toBe(true);
      expect(['ERR_HOOK_UNAUTHENTICATED', 'ERR_IDV_RESPONSE_INVALID']).toContain(
        (error as { code: string }).code,
      );
    });

    it('reports a provider that is down or does not answer as unavailable', async () => {
      const h = setup();
      for (const mode of ['down', 'hang'] as const) {
        h.fault(mode);
        try {
          const error = await h.provider
            .start({
              caseId: 'case-1',
              state: randomUUID(),
              nonce: randomUUID(),
              returnUrl: h.returnUrl,
              callbackUrl: h.callbackUrl,
              loginHint: null,
            })
            .catch((e: unknown) => e);
          expect(isGateError(error, 'ERR_IDV_UNAVAILABLE')).toBe(true);
        } finally {
          h.fault('none');
        }
      }
    });
  });
}
