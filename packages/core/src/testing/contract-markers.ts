/**
 * Contract cases for what the gate writes back for agents: the case status on the user and the request
 * marker (request-group membership).
 * @module
 */

import { describe, expect, it } from 'vitest';
import type { CaseStatusMarker } from '../port.js';
import {
  type ContractContext,
  drainEvents,
  expectGateError,
  prepareTenant,
  snapshot,
  userIdOf,
} from './contract-context.js';
import type { ContractEnvironment } from './harness.js';

const MARKER: CaseStatusMarker = {
  caseId: 'case-contract-0001',
  status: 'verifying',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

/**
 * What an agent sees: the `caseStatus` probe when the harness has one, else the facts' attributes that
 * mention the case id (adapters may expose the status attribute there).
 */
async function shownStatus(env: ContractEnvironment, userId: string): Promise<string> {
  if (env.probes.caseStatus !== undefined) return (await env.probes.caseStatus(userId)) ?? '';
  const facts = await env.adapter.readSubjectFacts(userId);
  return Object.values(facts.attributes)
    .filter((value): value is string => typeof value === 'string')
    .join('\n');
}

/** Case status is written where agents see it and cleared with null; undeclared fails closed. */
export function caseStatusCases(ctx: ContractContext): void {
  describe('case status', () => {
    if (!ctx.supports('case_status')) {
      it('refuses writeCaseStatus (undeclared) with ERR_UNSUPPORTED and writes nothing', async () => {
        const env = await ctx.start();
        const id = await userIdOf(env.adapter, env.fixtures.standardUser);
        const before = await snapshot(env, id);
        await expectGateError(env.adapter.writeCaseStatus(id, MARKER), 'ERR_UNSUPPORTED');
        expect(await snapshot(env, id)).toEqual(before);
      });
      return;
    }
    it('writes the case id and status where agents see them', async () => {
      const env = await ctx.start();
      await prepareTenant(ctx, env);
      const id = await userIdOf(env.adapter, env.fixtures.standardUser);
      await env.adapter.writeCaseStatus(id, MARKER);
      const shown = await shownStatus(env, id);
      expect(shown, 'case status shown on the user').toContain(MARKER.caseId);
      expect(shown).toContain(MARKER.status);
    });

    it('clears the case status with null', async () => {
      const env = await ctx.start();
      await prepareTenant(ctx, env);
      const id = await userIdOf(env.adapter, env.fixtures.standardUser);
      await env.adapter.writeCaseStatus(id, MARKER);
      await env.adapter.writeCaseStatus(id, null);
      expect(await shownStatus(env, id)).not.toContain(MARKER.caseId);
    });

    it('refuses to write a case status on an unknown user with ERR_USER_NOT_FOUND', async () => {
      const env = await ctx.start();
      await prepareTenant(ctx, env);
      await expectGateError(
        env.adapter.writeCaseStatus(env.fixtures.unknownUser, MARKER),
        'ERR_USER_NOT_FOUND',
      );
    });
  });
}

/** Clearing a request marker removes the request group membership, idempotently; undeclared fails closed. */
export function requestMarkerCases(ctx: ContractContext): void {
  describe('request marker', () => {
    if (!ctx.supports('request_groups')) {
      it('refuses clearRequestMarker (undeclared) with ERR_UNSUPPORTED', async () => {
        const env = await ctx.start();
        const id = await userIdOf(env.adapter, env.fixtures.standardUser);
        await expectGateError(env.adapter.clearRequestMarker(id, 'mfa_reset'), 'ERR_UNSUPPORTED');
      });
      return;
    }
    const request = ctx.requires(['nativeRequest']);
    it.skipIf(request.skip)(
      `clearRequestMarker removes the request group membership${request.note}`,
      async () => {
        const env = await ctx.start();
        await prepareTenant(ctx, env);
        const id = await userIdOf(env.adapter, env.fixtures.standardUser);
        const before = (await env.adapter.readSubjectFacts(id)).groups ?? [];
        await env.probes.nativeRequest?.(id);
        const requested = (await env.adapter.readSubjectFacts(id)).groups ?? [];
        const added = requested.filter((g) => !before.includes(g));
        expect(added.length, 'nativeRequest adds a request group').toBeGreaterThan(0);
        await env.adapter.clearRequestMarker(id, 'mfa_reset');
        const after = (await env.adapter.readSubjectFacts(id)).groups ?? [];
        expect(after.filter((g) => added.includes(g))).toEqual([]);
        await expect(env.adapter.clearRequestMarker(id, 'mfa_reset')).resolves.toBeUndefined();
      },
    );

    const withEvents = ctx.supports('audit_events')
      ? request
      : { skip: true, note: ' (skipped: audit_events undeclared)' };
    it.skipIf(withEvents.skip)(
      `the gate clearing a request marker is not read as a withdrawn request${withEvents.note}`,
      async () => {
        const env = await ctx.start();
        await prepareTenant(ctx, env);
        const id = await userIdOf(env.adapter, env.fixtures.standardUser);
        await env.probes.nativeRequest?.(id);
        const requested = await drainEvents(env.adapter, {});
        await env.adapter.clearRequestMarker(id, 'mfa_reset');
        const { events } = await drainEvents(env.adapter, requested.cursors);
        expect(
          events.filter((e) => e.kind === 'recovery_request_withdrawn' && e.subject.userId === id),
        ).toEqual([]);
      },
    );
  });
}
