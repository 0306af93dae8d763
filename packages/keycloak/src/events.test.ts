import type { NormalizedEvent } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmuAdminEvent } from '../emulator/index.js';
import { asFrank, type EmulatorPair, startTestEnvironment } from '../testing/index.js';
import { PAGE_SIZE } from './events.js';
import { createProvider } from './index.js';

let pair: EmulatorPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

/** Appends `n` console-style reset-password events by frank, several sharing a millisecond. */
function appendResets(p: EmulatorPair, n: number, start: number, prefix = 'evt'): string[] {
  const realm = p.emu.control.realm;
  const frank = p.emu.control.userId('frank');
  const alice = p.emu.control.userId('alice');
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const event: EmuAdminEvent = {
      id: `${prefix}-${String(i).padStart(4, '0')}`,
      time: start + Math.floor(i / 3), // three events per millisecond, straddling page edges
      realmId: realm.settings.id,
      authDetails: { realmId: realm.settings.id, clientId: 'console', userId: frank, ipAddress: '10.0.0.9' },
      operationType: 'ACTION',
      resourceType: 'USER',
      resourcePath: `users/${alice}/reset-password`,
    };
    realm.adminEvents.push(event);
    ids.push(event.id);
  }
  return ids;
}

async function drain(
  p: EmulatorPair,
  cursor: string | null,
): Promise<{ events: NormalizedEvent[]; cursor: string; pages: number }> {
  const events: NormalizedEvent[] = [];
  let current = cursor;
  let pages = 0;
  for (;;) {
    const page = await p.adapter.readEvents('admin_events', current);
    pages += 1;
    events.push(...page.events);
    current = page.cursor;
    if (!page.more) return { events, cursor: current, pages };
  }
}

describe('admin_events stream', () => {
  it('catches up across pages without loss or duplicates, even when events share a millisecond', async () => {
    pair = await startTestEnvironment({ createProvider });
    const start = pair.emu.control.now() - 10_000;
    const ids = appendResets(pair, 2 * PAGE_SIZE + 50, start);
    const first = await drain(pair, null);
    expect(first.pages).toBeGreaterThanOrEqual(3);
    expect(first.events.map((e) => e.id)).toEqual(ids);
    expect(first.events.every((e) => e.kind === 'native_password_reset')).toBe(true);
    const again = await drain(pair, first.cursor);
    expect(again.events).toEqual([]);
    expect(again.cursor).toBe(first.cursor);
    const more = appendResets(pair, 1, pair.emu.control.now(), 'later');
    expect((await drain(pair, first.cursor)).events.map((e) => e.id)).toEqual(more);
  });

  it('picks up an event committed late with an earlier time (overlap window), once', async () => {
    pair = await startTestEnvironment({ createProvider });
    const now = pair.emu.control.now();
    appendResets(pair, 3, now - 1_000, 'early');
    const first = await drain(pair, null);
    expect(first.events).toHaveLength(3);
    const late = appendResets(pair, 1, now - 3_000, 'late'); // stamped before the newest one read
    const second = await drain(pair, first.cursor);
    expect(second.events.map((e) => e.id)).toEqual(late);
    expect((await drain(pair, second.cursor)).events).toEqual([]);
  });

  it('sends dateFrom as epoch milliseconds with direction=asc and first/max paging', async () => {
    pair = await startTestEnvironment({ createProvider });
    await pair.adapter.readEvents('admin_events', null, { since: '2026-01-01T00:00:00.000Z' });
    const query = pair.emu.control.exchanges().find((x) => x.path.endsWith('/admin-events'))?.query ?? '';
    const params = new URLSearchParams(query);
    expect(params.get('dateFrom')).toBe(String(Date.parse('2026-01-01T00:00:00.000Z')));
    expect(params.get('direction')).toBe('asc');
    expect(params.get('first')).toBe('0');
    expect(params.get('max')).toBe(String(PAGE_SIZE));
  });

  it("reads an agent's native actions with the agent as actor and skips the gate's own", async () => {
    pair = await startTestEnvironment({ createProvider });
    const alice = pair.emu.control.userId('alice');
    const erin = pair.emu.control.userId('erin');
    const { cursor } = await drain(pair, null);
    await pair.adapter.revokeSessions(erin, { sessions: true, refreshTokens: true, grants: true });
    await pair.adapter.resetAuthenticators(erin, { all: true, keepKinds: ['password'] });
    await pair.probes.nativeReset?.(alice, 'password');
    await pair.probes.nativeReset?.(alice, 'authenticators');
    const { events } = await drain(pair, cursor);
    expect(events.map((e) => [e.kind, e.subject.userId, e.actor.id])).toEqual([
      ['native_password_reset', alice, pair.emu.control.userId('frank')],
      ['native_authenticator_reset', alice, pair.emu.control.userId('frank')],
    ]);
    expect(events[0]?.sourceType).toBe('ACTION USER users/{id}/reset-password');
  });

  it('recognises its own writes even when access tokens are lightweight (no sub claim)', async () => {
    pair = await startTestEnvironment({ createProvider });
    pair.emu.control.realm.settings.lightweightAccessTokens = true;
    const erin = pair.emu.control.userId('erin');
    const { cursor } = await drain(pair, null);
    await pair.adapter.resetAuthenticators(erin, { all: true, keepKinds: ['password'] });
    await pair.adapter.revokeSessions(erin, { sessions: true, refreshTokens: true, grants: true });
    expect((await drain(pair, cursor)).events).toEqual([]);
    expect(pair.emu.control.exchanges().some((x) => x.path.endsWith('/service-account-user'))).toBe(true);
  });

  it('reads a request-group membership added in the console as recovery_requested, and a removal as withdrawn', async () => {
    pair = await startTestEnvironment({ createProvider, guardrailsApplied: true });
    const alice = pair.emu.control.userId('alice');
    const { cursor } = await drain(pair, null);
    await pair.probes.nativeRequest?.(alice);
    const added = await drain(pair, cursor);
    expect(added.events.map((e) => [e.kind, e.action, e.subject.login])).toEqual([
      ['recovery_requested', 'mfa_reset', 'alice'],
    ]);
    const group = [...(pair.emu.control.realm.users.get(alice)?.groups ?? [])].find(
      (g) => pair?.emu.control.realm.groups.get(g)?.name === 'mfa_reset',
    ) as string;
    await asFrank(pair, 'DELETE', `users/${alice}/groups/${group}`);
    const removed = await drain(pair, added.cursor);
    expect(removed.events.map((e) => e.kind)).toEqual(['recovery_request_withdrawn']);
  });

  it('sees a request in a request group re-created (new id) after its group cache was filled', async () => {
    pair = await startTestEnvironment({ createProvider });
    await pair.adapter.applyGuardrails(await pair.adapter.planGuardrails());
    const { cursor } = await drain(pair, null);
    const realm = pair.emu.control.realm;
    const old = [...realm.groups.values()].find((g) => g.name === 'mfa_reset');
    if (old === undefined) throw new Error('no request group');
    realm.groups.delete(old.id);
    realm.groups.set('recreated-mfa-reset', { ...old, id: 'recreated-mfa-reset' });
    const alice = pair.emu.control.userId('alice');
    realm.adminEvents.push({
      id: 'console-join',
      time: pair.emu.control.now(),
      realmId: realm.settings.id,
      authDetails: {
        realmId: realm.settings.id,
        clientId: 'console',
        userId: pair.emu.control.userId('frank'),
        ipAddress: '10.0.0.9',
      },
      operationType: 'CREATE',
      resourceType: 'GROUP_MEMBERSHIP',
      resourcePath: `users/${alice}/groups/recreated-mfa-reset`,
    });
    const events = (await drain(pair, cursor)).events;
    expect(events.map((e) => [e.kind, e.action])).toEqual([['recovery_requested', 'mfa_reset']]);
  });

  it('refuses an unknown stream and a forged cursor with ERR_INPUT_INVALID', async () => {
    pair = await startTestEnvironment({ createProvider });
    await expect(pair.adapter.readEvents('system_log', null)).rejects.toMatchObject({
      code: 'ERR_INPUT_INVALID',
    });
    await expect(pair.adapter.readEvents('admin_events', 'not-a-cursor')).rejects.toMatchObject({
      code: 'ERR_INPUT_INVALID',
    });
  });
});

describe('a lockout cleared by re-enabling the user in the console', () => {
  it('is read as native_unlock (Keycloak records it on users/{id}, not on attack-detection)', async () => {
    pair = await startTestEnvironment({ createProvider });
    const alice = pair.emu.control.userId('alice');
    await pair.probes.lockOut?.(alice);
    expect(pair.emu.control.realm.loginFailures.has(alice)).toBe(true);
    const { cursor } = await drain(pair, null);
    expect(await asFrank(pair, 'PUT', `users/${alice}`, { enabled: true })).toBe(204);
    expect(pair.emu.control.realm.loginFailures.has(alice)).toBe(false);
    const { events } = await drain(pair, cursor);
    const unlocks = events.filter((e) => e.kind === 'native_unlock');
    expect(unlocks.map((e) => e.subject.userId)).toEqual([alice]);
    expect(unlocks[0]?.actor.id).toBe(pair.emu.control.userId('frank'));
    // Re-enabling a user with no lockout removes nothing and is no unlock.
    expect(await asFrank(pair, 'PUT', `users/${alice}`, { enabled: true })).toBe(204);
    expect((await drain(pair, cursor)).events.filter((e) => e.kind === 'native_unlock')).toHaveLength(1);
  });
});
