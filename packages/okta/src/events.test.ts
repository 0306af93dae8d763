import { isGateError, type NormalizedEvent } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaTestEnvironment, startTestEnvironment } from '../testing/index.js';

const envs: OktaTestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

async function start(options: Parameters<typeof startTestEnvironment>[0] = {}): Promise<OktaTestEnvironment> {
  const env = await startTestEnvironment(options);
  envs.push(env);
  return env;
}

describe('System Log polling', () => {
  it('catches up across many pages with a persisted cursor, then reports nothing more', async () => {
    const env = await start({ emulator: { seed: 'empty', synthetic: { users: 50, logEvents: 4200 } } });
    const since = new Date(env.emulator.control.now() - 2 * 24 * 3600_000).toISOString();
    let cursor: string | null = null;
    const events: NormalizedEvent[] = [];
    let calls = 0;
    for (let more = true; more && calls < 20; calls++) {
      const page = await env.adapter.readEvents('system_log', cursor, { since });
      events.push(...page.events);
      expect(page.cursor).not.toBe('');
      cursor = page.cursor;
      more = page.more;
    }
    // 4200 synthetic events, a quarter each of session starts, factor resets, password resets and group
    // additions. The server-side filter drops the sign-ins: 3150 events, three full pages and a last one.
    expect(calls).toBe(4);
    expect(events.filter((e) => e.kind === 'native_authenticator_reset')).toHaveLength(1050);
    expect(events.filter((e) => e.kind === 'native_password_reset')).toHaveLength(1050);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const before = env.emulator.control.faults.requestCount();
    const again = await env.adapter.readEvents('system_log', cursor);
    expect(again).toMatchObject({ events: [], more: false, cursor });
    // The SDK yields null for the empty page and would do so forever: one request, then a clean stop.
    expect(env.emulator.control.faults.requestCount() - before).toBe(1);
    const log = env.emulator.control.faults.requestLog().filter((r) => r.path === '/api/v1/logs');
    expect(
      log.every(
        (r) => r.query.limit === '1000' && r.query.sortOrder === 'ASCENDING' && r.query.until === undefined,
      ),
    ).toBe(true);
  });

  it("reads an agent's native actions, and never the gate's own", async () => {
    const env = await start({ emulator: { guardrailsApplied: true } });
    const { adapter, emulator } = env;
    const first = await adapter.readEvents('system_log', null);
    const alice = emulator.control.userId('alice@example.com');
    await adapter.revokeSessions(alice, { sessions: true, refreshTokens: true, grants: true });
    await adapter.writeCaseStatus(alice, {
      caseId: 'c1',
      status: 'held',
      updatedAt: new Date().toISOString(),
    });
    await adapter.resetAuthenticators(alice, { all: true });
    await emulator.control.nativeAction('frank@example.com', 'bob@example.com', { kind: 'clear_sessions' });
    await emulator.control.nativeAction('frank@example.com', 'erin@example.com', {
      kind: 'add_to_group',
      group: 'recovery-request-password_reset',
    });
    await emulator.control.nativeAction('frank@example.com', 'erin@example.com', {
      kind: 'remove_from_group',
      group: 'recovery-request-password_reset',
    });
    emulator.control.lockOut('dave@example.com');
    await emulator.control.nativeAction('frank@example.com', 'dave@example.com', { kind: 'unlock' });
    await emulator.control.nativeAction('carol@example.com', 'alice@example.com', {
      kind: 'update_profile',
      profile: { mobilePhone: '+1-555-0199' },
    });
    const page = await adapter.readEvents('system_log', first.cursor);
    expect(page.events.map((e) => [e.kind, e.subject.login, e.actor.type])).toEqual([
      ['native_sessions_revoked', 'bob@example.com', 'user'],
      ['recovery_requested', 'erin@example.com', 'user'],
      ['recovery_request_withdrawn', 'erin@example.com', 'user'],
      ['native_unlock', 'dave@example.com', 'user'],
      ['native_contact_changed', 'alice@example.com', 'user'],
    ]);
    expect(page.events[1]?.action).toBe('password_reset');
  });

  it('reads user.account.expire_password, which hooks never deliver', async () => {
    const env = await start();
    const first = await env.adapter.readEvents('system_log', null);
    await env.emulator.control.nativeAction('frank@example.com', 'alice@example.com', {
      kind: 'expire_password',
    });
    const page = await env.adapter.readEvents('system_log', first.cursor);
    expect(page.events.map((e) => [e.kind, e.sourceType])).toEqual([
      ['native_password_reset', 'user.account.expire_password'],
    ]);
  });

  it('refuses an unknown stream and a malformed since with ERR_INPUT_INVALID', async () => {
    const env = await start();
    expect(
      isGateError(await env.adapter.readEvents('audit', null).catch((e: unknown) => e), 'ERR_INPUT_INVALID'),
    ).toBe(true);
    const bad = await env.adapter
      .readEvents('system_log', null, { since: 'yesterday' })
      .catch((e: unknown) => e);
    expect(isGateError(bad, 'ERR_INPUT_INVALID')).toBe(true);
  });
});
