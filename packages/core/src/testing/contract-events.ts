/**
 * Contract cases for audit events: native-console actions are seen, cursors advance, the gate's own
 * actions are not reported as bypasses.
 * @module
 */

import { describe, expect, it } from 'vitest';
import type { EventKind, NormalizedEvent } from '../port.js';
import {
  type ContractContext,
  drainEvents,
  expectGateError,
  prepareTenant,
  timeOf,
  userIdOf,
} from './contract-context.js';
import type { ContractEnvironment } from './harness.js';

/** Every normalised event kind. */
export const EVENT_KINDS: readonly EventKind[] = [
  'recovery_requested',
  'recovery_request_withdrawn',
  'native_password_reset',
  'native_authenticator_reset',
  'native_authenticator_enrolled',
  'native_temporary_credential',
  'native_unlock',
  'native_sessions_revoked',
  'native_contact_changed',
];

/** Asserts the shape every normalised event must have. */
export function expectNormalised(event: NormalizedEvent, idp: string): void {
  expect(event.idp).toBe(idp);
  expect(event.id.length, 'event id (idempotency key)').toBeGreaterThan(0);
  expect(EVENT_KINDS).toContain(event.kind);
  expect(event.sourceType.length).toBeGreaterThan(0);
  timeOf(event.occurredAt, 'occurredAt');
  expect(['user', 'app', 'system']).toContain(event.actor.type);
  expect(event.subject.userId.length).toBeGreaterThan(0);
}

/** Asserts the actor is the agent fixture when known, else some user (an agent in the console). */
async function expectAgentActor(env: ContractEnvironment, event: NormalizedEvent): Promise<void> {
  if (env.fixtures.agent === undefined) {
    expect(event.actor.type).toBe('user');
    return;
  }
  expect(event.actor.id).toBe(await userIdOf(env.adapter, env.fixtures.agent));
}

/** Audit events normalise native actions and skip the gate's own; undeclared fails closed. */
export function eventCases(ctx: ContractContext): void {
  describe('audit events', () => {
    if (!ctx.supports('audit_events')) {
      it('refuses readEvents (undeclared) with ERR_UNSUPPORTED', async () => {
        const env = await ctx.start();
        await expectGateError(env.adapter.readEvents('audit', null), 'ERR_UNSUPPORTED');
      });
      return;
    }
    nativeResetCases(ctx);
    ownActionCases(ctx);
    requestCases(ctx);
  });
}

function nativeResetCases(ctx: ContractContext): void {
  const native = ctx.requires(['nativeReset']);
  for (const [what, kind] of [
    ['authenticators', 'native_authenticator_reset'],
    ['password', 'native_password_reset'],
  ] as const) {
    it.skipIf(native.skip)(
      `a native ${what} reset by an agent is read as ${kind}${native.note}`,
      async () => {
        const env = await ctx.start();
        const id = await userIdOf(env.adapter, env.fixtures.standardUser);
        const start = await drainEvents(env.adapter, {});
        await env.probes.nativeReset?.(id, what);
        const { events } = await drainEvents(env.adapter, start.cursors);
        const seen = events.find((e) => e.kind === kind && e.subject.userId === id);
        expect(seen, `${kind} for the standard user`).toBeDefined();
        expectNormalised(seen as NormalizedEvent, env.adapter.idp);
        await expectAgentActor(env, seen as NormalizedEvent);
      },
    );
  }

  it.skipIf(native.skip)(
    `the cursor advances: reading from it does not return the event again${native.note}`,
    async () => {
      const env = await ctx.start();
      const id = await userIdOf(env.adapter, env.fixtures.standardUser);
      const start = await drainEvents(env.adapter, {});
      await env.probes.nativeReset?.(id, 'authenticators');
      const first = await drainEvents(env.adapter, start.cursors);
      const ids = first.events.filter((e) => e.subject.userId === id).map((e) => e.id);
      expect(ids.length).toBeGreaterThan(0);
      expect(first.cursors).not.toEqual(start.cursors);
      const again = await drainEvents(env.adapter, first.cursors);
      expect(again.events.map((e) => e.id).filter((e) => ids.includes(e))).toEqual([]);
      expect(again.cursors).toEqual(first.cursors);
    },
  );
}

function ownActionCases(ctx: ContractContext): void {
  const native = ctx.requires(['nativeReset']);
  it.skipIf(native.skip)(
    `the adapter's own revoke and resets are not read as native events${native.note}`,
    async () => {
      const env = await ctx.start();
      const { adapter, fixtures } = env;
      const subject = await userIdOf(adapter, fixtures.manager);
      const witness = await userIdOf(adapter, fixtures.standardUser);
      const start = await drainEvents(adapter, {});
      const scope = {
        sessions: ctx.supports('revoke_sessions'),
        refreshTokens: ctx.supports('revoke_refresh_tokens'),
        grants: ctx.supports('revoke_grants'),
      };
      if (scope.sessions || scope.refreshTokens || scope.grants) await adapter.revokeSessions(subject, scope);
      if (ctx.supports('reset_authenticators')) await adapter.resetAuthenticators(subject, { all: true });
      if (ctx.supports('reset_password')) await adapter.resetPassword(subject, { lifetimeSeconds: 600 });
      // A native action after ours proves the stream was read past the adapter's own entries.
      await env.probes.nativeReset?.(witness, 'authenticators');
      const { events } = await drainEvents(adapter, start.cursors);
      expect(events.some((e) => e.subject.userId === witness)).toBe(true);
      const ours = events.filter((e) => e.subject.userId === subject && e.kind.startsWith('native_'));
      expect(ours).toEqual([]);
    },
  );
}

function requestCases(ctx: ContractContext): void {
  const request = ctx.requires(['nativeRequest']);
  it.skipIf(request.skip)(
    `a native request is read as recovery_requested for mfa_reset${request.note}`,
    async () => {
      const env = await ctx.start();
      await prepareTenant(ctx, env);
      const id = await userIdOf(env.adapter, env.fixtures.standardUser);
      const start = await drainEvents(env.adapter, {});
      await env.probes.nativeRequest?.(id);
      const { events } = await drainEvents(env.adapter, start.cursors);
      const seen = events.find((e) => e.kind === 'recovery_requested' && e.subject.userId === id);
      expect(seen, 'recovery_requested for the standard user').toBeDefined();
      expectNormalised(seen as NormalizedEvent, env.adapter.idp);
      expect(seen?.action).toBe('mfa_reset');
      await expectAgentActor(env, seen as NormalizedEvent);
    },
  );
  laggingRequesterCase(ctx);
}

/** An IdP whose audit record lags the request: the requester is null (never a placeholder) until it is read. */
function laggingRequesterCase(ctx: ContractContext): void {
  const lag = ctx.requires(['nativeRequest', 'auditLatency', 'advanceClock'], { emulatorOnly: true });
  it.skipIf(lag.skip)(
    `a request read before its audit record names no requester until it lands${lag.note}`,
    async () => {
      const env = await ctx.start();
      await prepareTenant(ctx, env);
      const find = env.adapter.findRequester;
      expect(find, 'an adapter whose audit lags re-reads the requester').toBeDefined();
      const id = await userIdOf(env.adapter, env.fixtures.standardUser);
      const start = await drainEvents(env.adapter, {});
      env.probes.auditLatency?.(120_000);
      const before = new Date(Date.now() - 60_000).toISOString();
      await env.probes.nativeRequest?.(id);
      const { events } = await drainEvents(env.adapter, start.cursors);
      const seen = events.find((e) => e.kind === 'recovery_requested' && e.subject.userId === id);
      expect(seen?.actor.id, 'no placeholder requester').toBeNull();
      const query = {
        subjectId: id,
        action: 'mfa_reset' as const,
        from: before,
        to: new Date(Date.now() + 300_000).toISOString(),
      };
      expect(await find?.(query)).toBeNull();
      env.probes.advanceClock?.(121_000);
      const found = await find?.(query);
      expect(found?.id ?? null, 'the requester once the audit record landed').not.toBeNull();
      if (env.fixtures.agent) expect(found?.id).toBe(await userIdOf(env.adapter, env.fixtures.agent));
    },
  );
}
