/**
 * Contract cases for revoking sessions, refresh tokens and grants, checked at the emulator's token endpoint.
 * @module
 */

import { describe, expect, it } from 'vitest';
import type { Capability, RevocationScope } from '../port.js';
import { type ContractContext, expectGateError, skipNote, userIdOf } from './contract-context.js';

type ScopePart = keyof RevocationScope;

const PARTS: readonly {
  readonly part: ScopePart;
  readonly capability: Capability;
  readonly label: string;
}[] = [
  { part: 'sessions', capability: 'revoke_sessions', label: 'sessions' },
  { part: 'refreshTokens', capability: 'revoke_refresh_tokens', label: 'refresh_tokens' },
  { part: 'grants', capability: 'revoke_grants', label: 'grants' },
];

/** The scope of everything the adapter declares it can revoke. */
function declaredScope(ctx: ContractContext): RevocationScope {
  return {
    sessions: ctx.supports('revoke_sessions'),
    refreshTokens: ctx.supports('revoke_refresh_tokens'),
    grants: ctx.supports('revoke_grants'),
  };
}

/** Revocation is visible at the IdP; undeclared parts fail closed. */
export function revokeCases(ctx: ContractContext): void {
  describe('revocation', () => {
    const scope = declaredScope(ctx);
    const any = scope.sessions || scope.refreshTokens || scope.grants;
    if (any) declaredRevokeCases(ctx, scope);
    for (const { part, capability, label } of PARTS) {
      if (ctx.supports(capability)) continue;
      it(`refuses to revoke ${label} (undeclared) with ERR_UNSUPPORTED and revokes nothing`, async () => {
        const env = await ctx.start();
        const id = await userIdOf(env.adapter, env.fixtures.standardUser);
        const minted = await env.probes.mintSession(id);
        await expectGateError(env.adapter.revokeSessions(id, { ...scope, [part]: true }), 'ERR_UNSUPPORTED');
        await env.probes.awaitRevocation?.();
        expect(await env.probes.refreshTokenWorks(minted.refreshToken)).toBe(true);
        expect(await env.probes.sessionActive(minted.sessionId)).toBe(true);
      });
    }
  });
}

function declaredRevokeCases(ctx: ContractContext, scope: RevocationScope): void {
  const noTokens = skipNote(
    !scope.refreshTokens,
    'revoke_refresh_tokens undeclared; a fail-closed case covers it',
  );
  it.skipIf(!scope.refreshTokens)(
    `after revokeSessions the old refresh token is refused${noTokens}`,
    async () => {
      const env = await ctx.start();
      const id = await userIdOf(env.adapter, env.fixtures.standardUser);
      const minted = await env.probes.mintSession(id);
      expect(await env.probes.refreshTokenWorks(minted.refreshToken)).toBe(true);
      await env.adapter.revokeSessions(id, scope);
      await env.probes.awaitRevocation?.();
      expect(await env.probes.refreshTokenWorks(minted.refreshToken)).toBe(false);
    },
  );

  const noSessions = skipNote(!scope.sessions, 'revoke_sessions undeclared; a fail-closed case covers it');
  it.skipIf(!scope.sessions)(`after revokeSessions the IdP session is gone${noSessions}`, async () => {
    const env = await ctx.start();
    const id = await userIdOf(env.adapter, env.fixtures.standardUser);
    const minted = await env.probes.mintSession(id);
    expect(await env.probes.sessionActive(minted.sessionId)).toBe(true);
    await env.adapter.revokeSessions(id, scope);
    await env.probes.awaitRevocation?.();
    expect(await env.probes.sessionActive(minted.sessionId)).toBe(false);
  });

  it('reports exactly the parts it revoked, and its caveats', async () => {
    const env = await ctx.start();
    const id = await userIdOf(env.adapter, env.fixtures.standardUser);
    const result = await env.adapter.revokeSessions(id, scope);
    const expected = PARTS.filter((p) => scope[p.part]).map((p) => p.label);
    expect([...result.revoked].sort()).toEqual([...expected].sort());
    expect(Array.isArray(result.caveats)).toBe(true);
  });

  it('revoking twice is fine (idempotent) and the token stays refused', async () => {
    const env = await ctx.start();
    const id = await userIdOf(env.adapter, env.fixtures.standardUser);
    const minted = await env.probes.mintSession(id);
    await env.adapter.revokeSessions(id, scope);
    await env.adapter.revokeSessions(id, scope);
    await env.probes.awaitRevocation?.();
    if (scope.refreshTokens) expect(await env.probes.refreshTokenWorks(minted.refreshToken)).toBe(false);
    if (scope.sessions) expect(await env.probes.sessionActive(minted.sessionId)).toBe(false);
  });

  it("revoking one user leaves another user's session alone", async () => {
    const env = await ctx.start();
    const subject = await userIdOf(env.adapter, env.fixtures.standardUser);
    const other = await userIdOf(env.adapter, env.fixtures.manager);
    const bystander = await env.probes.mintSession(other);
    await env.adapter.revokeSessions(subject, scope);
    await env.probes.awaitRevocation?.();
    expect(await env.probes.refreshTokenWorks(bystander.refreshToken)).toBe(true);
    expect(await env.probes.sessionActive(bystander.sessionId)).toBe(true);
  });

  it('refuses to revoke for an unknown user with ERR_USER_NOT_FOUND', async () => {
    const env = await ctx.start();
    await expectGateError(env.adapter.revokeSessions(env.fixtures.unknownUser, scope), 'ERR_USER_NOT_FOUND');
  });
}
