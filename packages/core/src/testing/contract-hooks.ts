/**
 * Contract cases for incoming hooks: the right secret is accepted and normalised, a wrong one or a broken
 * body is refused with a typed error that echoes no secret.
 * @module
 */

import { describe, expect, it } from 'vitest';
import type { HookRequest } from '../port.js';
import { type ContractContext, expectGateError } from './contract-context.js';
import { expectNormalised } from './contract-events.js';

/** Header and query values long enough to be secrets, to prove errors do not echo them. */
function secretCandidates(request: HookRequest): string[] {
  return [...Object.values(request.headers), ...Object.values(request.query)].filter(
    (v): v is string => typeof v === 'string' && v.length >= 8,
  );
}

/** Hooks are authenticated and normalised; undeclared fails closed. */
export function hookCases(ctx: ContractContext): void {
  describe('hooks', () => {
    if (!ctx.supports('hooks')) {
      it('refuses verifyHook (undeclared) with ERR_UNSUPPORTED', async () => {
        const env = await ctx.start();
        const request: HookRequest = { method: 'POST', headers: {}, query: {}, body: '{}' };
        await expectGateError(env.adapter.verifyHook(env.probes.validHook?.() ?? request), 'ERR_UNSUPPORTED');
      });
      return;
    }
    const valid = ctx.requires(['validHook']);
    it.skipIf(valid.skip)(
      `accepts a delivery with the right secret and normalises its events${valid.note}`,
      async () => {
        const env = await ctx.start();
        const result = await env.adapter.verifyHook(env.probes.validHook?.() as HookRequest);
        expect(result.response.status).toBeGreaterThanOrEqual(200);
        expect(result.response.status).toBeLessThan(300);
        if (!result.handshake) expect(result.events.length + result.resync.length).toBeGreaterThan(0);
        for (const event of result.events) expectNormalised(event, env.adapter.idp);
        for (const stream of result.resync) expect(env.adapter.streams).toContain(stream);
      },
    );

    const forged = ctx.requires(['forgedHook', 'validHook']);
    it.skipIf(forged.skip)(
      `refuses a delivery with a wrong secret (ERR_HOOK_UNAUTHENTICATED), echoing no secret${forged.note}`,
      async () => {
        const env = await ctx.start();
        const request = env.probes.forgedHook?.() as HookRequest;
        const error = await expectGateError(env.adapter.verifyHook(request), 'ERR_HOOK_UNAUTHENTICATED');
        const printed = `${error.message} ${JSON.stringify(error)}`;
        const secrets = [
          ...secretCandidates(request),
          ...secretCandidates(env.probes.validHook?.() as HookRequest),
        ];
        for (const secret of secrets) expect(printed).not.toContain(secret);
      },
    );

    it.skipIf(valid.skip)(`refuses a malformed body with ERR_HOOK_MALFORMED${valid.note}`, async () => {
      const env = await ctx.start();
      const good = env.probes.validHook?.() as HookRequest;
      const { validationToken: _token, ...query } = good.query;
      const broken: HookRequest = { ...good, method: 'POST', query, body: '{"data": {"events": [' };
      await expectGateError(env.adapter.verifyHook(broken), 'ERR_HOOK_MALFORMED');
    });
  });
}
