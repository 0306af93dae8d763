/**
 * Contract cases for guardrails: a fresh tenant plans creates; after apply the plan is all noop.
 * @module
 */

import { describe, expect, it } from 'vitest';
import type { GuardrailPlan } from '../port.js';
import { type ContractContext, expectGateError } from './contract-context.js';

/** Guardrails converge in one apply; undeclared fails closed. */
export function guardrailCases(ctx: ContractContext): void {
  describe('guardrails', () => {
    if (!ctx.supports('guardrails')) {
      it('refuses planGuardrails and applyGuardrails (undeclared) with ERR_UNSUPPORTED', async () => {
        const env = await ctx.start();
        await expectGateError(env.adapter.planGuardrails(), 'ERR_UNSUPPORTED');
        const empty: GuardrailPlan = { idp: env.adapter.idp, changes: [], findings: [] };
        await expectGateError(env.adapter.applyGuardrails(empty), 'ERR_UNSUPPORTED');
      });
      return;
    }

    it('plans creates on a fresh tenant, each change named and explained', async () => {
      const env = await ctx.start();
      const plan = await env.adapter.planGuardrails();
      expect(plan.idp).toBe(env.adapter.idp);
      expect(plan.changes.filter((c) => c.op === 'create').length).toBeGreaterThan(0);
      for (const change of plan.changes) {
        expect(change.resource.length).toBeGreaterThan(0);
        expect(change.name.length).toBeGreaterThan(0);
        expect(change.reason.length).toBeGreaterThan(0);
      }
      expect(() => JSON.stringify(plan)).not.toThrow();
    });

    it('after apply, a new plan has only noop changes and applying it changes nothing', async () => {
      const env = await ctx.start();
      const plan = await env.adapter.planGuardrails();
      const pending = plan.changes.filter((c) => c.op !== 'noop');
      const progress: [number, number][] = [];
      const applied = await env.adapter.applyGuardrails(plan, (done, total) => progress.push([done, total]));
      expect(applied.applied.length).toBe(pending.length);
      expect(progress.length, 'applyGuardrails reports progress').toBeGreaterThan(0);
      expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);
      const again = await env.adapter.planGuardrails();
      expect(again.changes.filter((c) => c.op !== 'noop')).toEqual([]);
      expect((await env.adapter.applyGuardrails(again)).applied).toEqual([]);
    });

    it('applying the same plan twice is fine (idempotent, as after a crash mid-apply)', async () => {
      const env = await ctx.start();
      const plan = await env.adapter.planGuardrails();
      await env.adapter.applyGuardrails(plan);
      await env.adapter.applyGuardrails(plan);
      const after = await env.adapter.planGuardrails();
      expect(after.changes.filter((c) => c.op !== 'noop')).toEqual([]);
    });
  });
}
