/**
 * Contract cases for removing authenticators, password reset, unlock and suspend, read back through facts.
 * @module
 */

import { describe, expect, it } from 'vitest';
import type { Authenticator } from '../port.js';
import { type ContractContext, expectGateError, skipNote, snapshot, userIdOf } from './contract-context.js';

const activeNonPassword = (list: readonly Authenticator[] | null): Authenticator[] =>
  (list ?? []).filter((a) => a.status === 'active' && a.kind !== 'password');

/** Authenticator resets remove what was selected, idempotently; undeclared fails closed. */
export function resetAuthenticatorCases(ctx: ContractContext): void {
  describe('resetAuthenticators', () => {
    if (!ctx.supports('reset_authenticators')) {
      it('refuses resetAuthenticators (undeclared) with ERR_UNSUPPORTED and removes nothing', async () => {
        const env = await ctx.start();
        const id = await userIdOf(env.adapter, env.fixtures.standardUser);
        const before = await snapshot(env, id);
        await expectGateError(env.adapter.resetAuthenticators(id, { all: true }), 'ERR_UNSUPPORTED');
        expect(await snapshot(env, id)).toEqual(before);
      });
      return;
    }

    it('after resetAuthenticators(all) every authenticator is gone or reported as remaining, with a reason', async () => {
      const env = await ctx.start();
      const before = await env.adapter.readSubjectFacts(env.fixtures.standardUser);
      const targets = activeNonPassword(before.authenticators);
      expect(targets.length).toBeGreaterThan(0);
      const result = await env.adapter.resetAuthenticators(before.userId, {
        all: true,
        keepKinds: ['password'],
      });
      const remaining = result.remaining ?? [];
      expect(remaining.every((r) => r.reason.length > 0)).toBe(true);
      const accounted = [...result.removed, ...remaining.map((r) => r.id)];
      expect(accounted).toEqual(expect.arrayContaining(targets.map((a) => a.id)));
      const after = await env.adapter.readSubjectFacts(before.userId);
      const removedKinds = new Set(targets.map((a) => a.kind));
      const left = (after.authenticators ?? []).filter(
        (a) => a.status === 'active' && removedKinds.has(a.kind),
      );
      // What the IdP still holds is exactly what the adapter said remains: nothing is silently left behind.
      expect(left.map((a) => a.id).sort()).toEqual(remaining.map((r) => r.id).sort());
    });

    it('keeps the kinds it was asked to keep (password)', async () => {
      const env = await ctx.start();
      const before = await env.adapter.readSubjectFacts(env.fixtures.standardUser);
      const passwords = (before.authenticators ?? []).filter(
        (a) => a.kind === 'password' && a.status === 'active',
      );
      await env.adapter.resetAuthenticators(before.userId, { all: true, keepKinds: ['password'] });
      const after = await env.adapter.readSubjectFacts(before.userId);
      const kept = (after.authenticators ?? []).filter((a) => a.kind === 'password' && a.status === 'active');
      expect(kept.length).toBe(passwords.length);
    });

    it('resetting twice is fine (idempotent): the second call removes nothing', async () => {
      const env = await ctx.start();
      const id = await userIdOf(env.adapter, env.fixtures.standardUser);
      await env.adapter.resetAuthenticators(id, { all: true, keepKinds: ['password'] });
      const again = await env.adapter.resetAuthenticators(id, { all: true, keepKinds: ['password'] });
      expect(again.removed).toEqual([]);
    });

    it('removes only the selected authenticator when given ids', async () => {
      const env = await ctx.start();
      const before = await env.adapter.readSubjectFacts(env.fixtures.privilegedUser);
      const [target, ...rest] = activeNonPassword(before.authenticators);
      expect(target, 'the privileged user needs two non-password authenticators').toBeDefined();
      expect(rest.length).toBeGreaterThan(0);
      const id = (target as Authenticator).id;
      const result = await env.adapter.resetAuthenticators(before.userId, { all: false, ids: [id] });
      expect(result.removed).toEqual([id]);
      const after = activeNonPassword((await env.adapter.readSubjectFacts(before.userId)).authenticators);
      expect(after.map((a) => a.id).sort()).toEqual(rest.map((a) => a.id).sort());
    });

    it('refuses to reset an unknown user with ERR_USER_NOT_FOUND', async () => {
      const env = await ctx.start();
      await expectGateError(
        env.adapter.resetAuthenticators(env.fixtures.unknownUser, { all: true }),
        'ERR_USER_NOT_FOUND',
      );
    });
  });
}

/** Password reset, unlock and suspend show in the facts' status; undeclared ones fail closed. */
export function lifecycleCases(ctx: ContractContext): void {
  describe('password reset, unlock and suspend', () => {
    lifecycleDeclared(ctx);
    const calls = {
      reset_password: 'resetPassword',
      unlock: 'unlock',
      suspend: 'suspend',
    } as const;
    for (const [capability, method] of Object.entries(calls) as [keyof typeof calls, string][]) {
      if (ctx.supports(capability)) continue;
      it(`refuses ${method} (undeclared) with ERR_UNSUPPORTED and changes nothing`, async () => {
        const env = await ctx.start();
        const id = await userIdOf(env.adapter, env.fixtures.standardUser);
        const before = await snapshot(env, id);
        const call =
          capability === 'reset_password'
            ? env.adapter.resetPassword(id, { lifetimeSeconds: 600 })
            : capability === 'unlock'
              ? env.adapter.unlock(id)
              : env.adapter.suspend(id);
        await expectGateError(call, 'ERR_UNSUPPORTED');
        expect(await snapshot(env, id)).toEqual(before);
      });
    }
  });
}

function lifecycleDeclared(ctx: ContractContext): void {
  if (ctx.supports('reset_password')) {
    it('after resetPassword the user must set a new password (status password_expired or recovery)', async () => {
      const env = await ctx.start();
      const id = await userIdOf(env.adapter, env.fixtures.standardUser);
      await env.adapter.resetPassword(id, { lifetimeSeconds: 600 });
      const after = await env.adapter.readSubjectFacts(id);
      expect(['password_expired', 'recovery']).toContain(after.status);
    });
  }
  if (ctx.supports('unlock')) {
    const lock = ctx.requires(['lockOut']);
    it.skipIf(lock.skip)(`after unlock a locked-out user is active again${lock.note}`, async () => {
      const env = await ctx.start();
      const id = await userIdOf(env.adapter, env.fixtures.standardUser);
      await env.probes.lockOut?.(id);
      expect((await env.adapter.readSubjectFacts(id)).status).toBe('locked');
      await env.adapter.unlock(id);
      expect((await env.adapter.readSubjectFacts(id)).status).toBe('active');
    });
    it('unlocking an active user is fine and leaves them active', async () => {
      const env = await ctx.start();
      const id = await userIdOf(env.adapter, env.fixtures.standardUser);
      await env.adapter.unlock(id);
      expect((await env.adapter.readSubjectFacts(id)).status).toBe('active');
    });
    const noSuspend = skipNote(!ctx.supports('suspend'), 'suspend undeclared');
    it.skipIf(!ctx.supports('suspend'))(`unlock re-enables a suspended user${noSuspend}`, async () => {
      const env = await ctx.start();
      const id = await userIdOf(env.adapter, env.fixtures.standardUser);
      await env.adapter.suspend(id);
      await env.adapter.unlock(id);
      expect((await env.adapter.readSubjectFacts(id)).status).toBe('active');
    });
  }
  if (ctx.supports('suspend')) {
    it('after suspend the user is suspended or disabled', async () => {
      const env = await ctx.start();
      const id = await userIdOf(env.adapter, env.fixtures.standardUser);
      await env.adapter.suspend(id);
      expect(['suspended', 'disabled']).toContain((await env.adapter.readSubjectFacts(id)).status);
    });
  }
}
