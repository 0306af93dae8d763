import { baselinePolicy, type NormalizedEvent, type Policy } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeIdp, type FakeIdp } from './fake-idp.test-helper.js';
import { type Env, event, startEnv } from './setup.test-helper.js';

describe('bypass handling (entra double)', { timeout: 120_000 }, () => {
  let env: Env | undefined;
  const clock = { now: new Date('2026-11-22T10:00:00.000Z') };

  afterEach(async () => {
    await env?.close();
  }, 120_000);

  async function start(mode: 'detect' | 'enforce'): Promise<{ env: Env; idp: FakeIdp }> {
    clock.now = new Date('2026-11-22T10:00:00.000Z');
    const idp = createFakeIdp('entra', () => clock.now);
    const policy: Policy = { ...baselinePolicy, bypass: { mode, suspend: false, watch: '72h' } };
    env = await startEnv(new Map([['entra', idp.provider]]), clock, policy);
    return { env, idp };
  }

  const reset = (over: Partial<NormalizedEvent> = {}) =>
    event('entra', {
      kind: 'native_authenticator_reset',
      sourceType: 'Admin deleted security info',
      subject: { userId: 'u-alice', login: 'alice@example.com' },
      actor: { id: 'u-frank', type: 'user', displayName: 'Frank' },
      action: null,
      occurredAt: clock.now.toISOString(),
      ...over,
    });

  it('enforce: revokes sessions, removes authenticators bound since, alerts, records an incident', async () => {
    const { env, idp } = await start('enforce');
    const token = idp.mintSession('u-alice');
    const bypass = reset();
    clock.now = new Date(clock.now.getTime() + 60_000);
    const planted = idp.enrol('u-alice', 'totp');
    await env.engine.handleEvent(bypass);
    await env.engine.handleEvent(bypass);
    const incidents = await env.engine.listCases({ kind: 'incident' });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.state).toBe('completed');
    expect(idp.refreshTokenWorks(token)).toBe(false);
    expect(idp.authenticators('u-alice').map((a) => a.id)).not.toContain(planted);
    expect(idp.authenticators('u-alice').map((a) => a.id)).toContain('push-alice');
    expect(
      env.sent.filter((n) => n.to.kind === 'security' && n.subject.includes('bypass detected')),
    ).toHaveLength(1);
    expect(env.audit.entries.some((e) => e.type === 'bypass.detected')).toBe(true);
    expect(env.metrics.render()).toMatch(/recovery_bypass_detections_total\{[^}]*mode="enforce"[^}]*\} 1/);
  });

  it('detect: alerts and records only; the IdP is left alone', async () => {
    const { env, idp } = await start('detect');
    const token = idp.mintSession('u-alice');
    await env.engine.handleEvent(reset());
    expect(idp.refreshTokenWorks(token)).toBe(true);
    expect(idp.calls.some((c) => c.method === 'revokeSessions' || c.method === 'resetAuthenticators')).toBe(
      false,
    );
    expect(await env.engine.listCases({ kind: 'incident' })).toHaveLength(1);
    expect(env.sent.some((n) => n.to.kind === 'security' && n.subject.includes('bypass detected'))).toBe(
      true,
    );
    expect(env.metrics.render()).toMatch(/recovery_bypass_detections_total\{[^}]*mode="detect"[^}]*\} 1/);
  });

  it('after a bypass the account is watched: its own re-enrolment suspends it and alerts; after the window it is benign', async () => {
    const { env, idp } = await start('enforce');
    await env.engine.handleEvent(reset());
    clock.now = new Date(clock.now.getTime() + 10 * 60_000);
    const planted = idp.enrol('u-alice', 'totp');
    const again = reset({
      kind: 'native_authenticator_enrolled',
      sourceType: 'User registered security info',
      actor: { id: 'u-alice', type: 'user', displayName: null },
      occurredAt: clock.now.toISOString(),
    });
    await env.engine.handleEvent(again);
    const incidents = await env.engine.listCases({ kind: 'incident' });
    expect(incidents).toHaveLength(2);
    const watched = incidents.find((c) => c.reason?.endsWith(':watched'));
    expect(watched?.state).toBe('completed');
    expect(idp.calls.filter((c) => c.method === 'suspend')).toHaveLength(1);
    expect(idp.authenticators('u-alice').map((a) => a.id)).not.toContain(planted);
    expect(env.sent.some((n) => n.to.kind === 'security' && n.subject.includes('under watch'))).toBe(true);
    expect(env.audit.entries.some((e) => e.type === 'bypass.detected' && e.data.watched === true)).toBe(true);

    clock.now = new Date(clock.now.getTime() + 73 * 3_600_000);
    await env.engine.handleEvent(reset({ ...again, id: 'later', occurredAt: clock.now.toISOString() }));
    expect(await env.engine.listCases({ kind: 'incident' })).toHaveLength(2);
  });

  it("the gate's own app actions and the subject enrolling their own factor are not bypasses", async () => {
    const { env, idp } = await start('enforce');
    await env.engine.handleEvent(
      reset({
        kind: 'native_authenticator_enrolled',
        actor: { id: 'u-alice', type: 'user', displayName: null },
      }),
    );
    expect(await env.engine.listCases({ kind: 'incident' })).toHaveLength(0);
    expect(idp.calls.some((c) => c.method === 'revokeSessions')).toBe(false);
  });

  it('groups the events of one native action into one incident; another actor, kind or moment is its own', async () => {
    const { env } = await start('enforce');
    // One console reset logs one deletion per method, seconds apart.
    for (let i = 0; i < 3; i += 1) {
      await env.engine.handleEvent(
        reset({ occurredAt: new Date(clock.now.getTime() + i * 2000).toISOString() }),
      );
    }
    expect(await env.engine.listCases({ kind: 'incident' })).toHaveLength(1);
    const alerts = () =>
      env.sent.filter((n) => n.to.kind === 'security' && n.subject.includes('bypass detected'));
    expect(alerts()).toHaveLength(1);
    expect(env.sent.filter((n) => n.subject.includes('remediated'))).toHaveLength(1);
    expect(env.audit.entries.filter((e) => e.type === 'bypass.grouped')).toHaveLength(2);
    await env.engine.handleEvent(reset({ actor: { id: 'u-gina', type: 'user', displayName: 'Gina' } }));
    await env.engine.handleEvent(
      reset({ kind: 'native_password_reset', sourceType: 'Reset password (by admin)' }),
    );
    await env.engine.handleEvent(
      reset({ occurredAt: new Date(clock.now.getTime() + 600_000).toISOString() }),
    );
    expect(await env.engine.listCases({ kind: 'incident' })).toHaveLength(4);
    expect(alerts()).toHaveLength(4);
  });

  it('a batch of events opens, groups and deduplicates like one at a time, and leaves recovery requests', async () => {
    const { env } = await start('detect');
    const at = (ms: number) => new Date(clock.now.getTime() + ms).toISOString();
    const bob = { subject: { userId: 'u-bob', login: 'bob@example.com' } };
    const request = event('entra', {
      kind: 'recovery_requested',
      subject: { userId: 'u-carol', login: 'carol@example.com' },
      action: 'mfa_reset',
    });
    const batch = [
      reset({ occurredAt: at(0) }),
      reset({ occurredAt: at(2000) }),
      reset({ ...bob }),
      request,
      reset({ occurredAt: at(4000) }),
      reset({ kind: 'native_sessions_revoked', sourceType: 'Revoke sessions', ...bob }),
    ];
    const left = await env.engine.handleEventBatch(batch);
    expect(left).toEqual([request]);
    const incidents = await env.engine.listCases({ kind: 'incident' });
    expect(incidents.map((c) => c.subjectId).sort()).toEqual(['u-alice', 'u-bob']);
    expect(incidents.every((c) => c.state === 'completed')).toBe(true);
    const alerts = () =>
      env.sent.filter((n) => n.to.kind === 'security' && n.subject.includes('bypass detected'));
    expect(alerts()).toHaveLength(2);
    const types = env.audit.entries.map((e) => e.type);
    expect(types.filter((t) => t === 'bypass.detected')).toHaveLength(2);
    expect(types.filter((t) => t === 'bypass.grouped')).toHaveLength(2);
    expect(types.filter((t) => t === 'event.native_own')).toHaveLength(1);
    // The same batch again (a retry after a crash): nothing new, and one more event joins alice's incident.
    await env.engine.handleEventBatch([...batch, reset({ occurredAt: at(6000) })]);
    expect(await env.engine.listCases({ kind: 'incident' })).toHaveLength(2);
    expect(alerts()).toHaveLength(2);
    expect(env.audit.entries.filter((e) => e.type === 'bypass.grouped')).toHaveLength(3);
    const [grouped] = await env.store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM case_events WHERE subject_id = 'u-alice'`,
    );
    expect(grouped?.n).toBe(4);
  });
});
