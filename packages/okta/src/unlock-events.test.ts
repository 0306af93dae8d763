/**
 * `user.account.unlock` is Okta's automatic unlock ("Auto-unlock user account for Okta"); an agent's unlock is
 * `user.account.unlock_by_admin`. Okta does not document the automatic unlock's actor, so the emulator runs
 * both plausible ones: neither may be read as a native bypass, and the admin unlock always is.
 */
import type { NormalizedEvent } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaTestEnvironment, startTestEnvironment } from '../testing/index.js';

const envs: OktaTestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

async function drain(env: OktaTestEnvironment, cursor: string | null) {
  const events: NormalizedEvent[] = [];
  let next = cursor;
  for (let i = 0; i < 10; i++) {
    const page = await env.adapter.readEvents('system_log', next);
    events.push(...page.events);
    next = page.cursor;
    if (!page.more) break;
  }
  return { events, cursor: next };
}

describe.each(['user', 'system'] as const)('okta automatic unlock (actor: %s)', (actor) => {
  it('is not a bypass; an agent unlocking is', async () => {
    const env = await startTestEnvironment();
    envs.push(env);
    const { control } = env.emulator;
    control.state.lockout = { autoUnlockMinutes: 30, autoUnlockActor: actor };
    const { cursor } = await drain(env, null);
    const alice = control.userId('alice@example.com');
    const bob = control.userId('bob@example.com');
    control.lockOut('alice@example.com');
    control.lockOut('bob@example.com');
    control.advanceClock(31 * 60_000);
    const auto = await drain(env, cursor);
    // The emulator unlocked alice and bob on its own and logged it as Okta does.
    expect(control.state.users.get(alice)?.status).toBe('ACTIVE');
    const logged = control.state.log
      .map((e) => e.event as { eventType: string; target: { id: string }[]; actor: { type: string } })
      .filter((e) => e.eventType === 'user.account.unlock');
    expect(logged.map((e) => e.target[0]?.id).sort()).toEqual([alice, bob].sort());
    expect(logged.every((e) => e.actor.type === (actor === 'user' ? 'User' : 'SystemPrincipal'))).toBe(true);
    expect(auto.events.filter((e) => e.kind === 'native_unlock')).toEqual([]);

    control.lockOut('alice@example.com');
    expect(await control.nativeAction('frank@example.com', 'alice@example.com', { kind: 'unlock' })).toBe(
      200,
    );
    const admin = await drain(env, auto.cursor);
    const unlocks = admin.events.filter((e) => e.kind === 'native_unlock');
    expect(unlocks.map((e) => [e.subject.userId, e.sourceType])).toEqual([
      [alice, 'user.account.unlock_by_admin'],
    ]);
  });
});
