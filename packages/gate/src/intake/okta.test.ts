/**
 * Intake against the real Okta adapter and its emulator: the emulator verifies and delivers event hooks to
 * the gate over HTTP, and the gate polls the emulated System Log; the same event arriving both ways is
 * processed once.
 */
import { type Emulator, startEmulator } from '@recovery-gate/okta/emulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EmbeddedGate, startEmbeddedGate } from '../embedded-gate.test-helper.js';
import type { Gate } from '../service.js';
import { createRecordingOrchestrator, type RecordingOrchestrator } from '../testing/doubles.js';

const HOOK_SECRET = 'okta-hook-secret-0123456789';

describe('intake with the Okta adapter and emulator', () => {
  let emulator: Emulator;
  let gate: Gate<RecordingOrchestrator>;
  let orchestrator: RecordingOrchestrator;
  let running: EmbeddedGate<RecordingOrchestrator>;

  beforeAll(async () => {
    emulator = await startEmulator({ guardrailsApplied: true });
    running = await startEmbeddedGate({
      yaml: `providers:
  okta:
    orgUrl: ${emulator.url}
    auth: { token: \${OKTA_API_TOKEN} }
    hook: { url: http://127.0.0.1/hooks/okta, secret: \${OKTA_HOOK_SECRET} }`,
      env: { OKTA_API_TOKEN: emulator.apiToken, OKTA_HOOK_SECRET: HOOK_SECRET },
      createOrchestrator: () => {
        orchestrator = createRecordingOrchestrator();
        return orchestrator;
      },
    });
    gate = running.gate;
  }, 180_000);

  afterAll(async () => {
    await running?.close();
    await emulator?.close();
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${emulator.url}${path}`, {
      ...init,
      headers: {
        authorization: `SSWS ${emulator.apiToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
    });

  it('passes Okta one-time verification, then stores and processes a delivered event once', async () => {
    const created = await api('/api/v1/eventHooks', {
      method: 'POST',
      body: JSON.stringify({
        name: 'recovery-gate-test',
        events: { type: 'EVENT_TYPE', items: ['group.user_membership.add'] },
        channel: {
          type: 'HTTP',
          version: '1.0.0',
          config: {
            uri: `${gate.url}/hooks/okta`,
            authScheme: { type: 'HEADER', key: 'Authorization', value: HOOK_SECRET },
          },
        },
      }),
    });
    expect(created.status).toBe(200);
    const hook = (await created.json()) as { id: string };
    const verified = await api(`/api/v1/eventHooks/${hook.id}/lifecycle/verify`, { method: 'POST' });
    expect(((await verified.json()) as { verificationStatus: string }).verificationStatus).toBe('VERIFIED');

    const status = await emulator.control.nativeAction('frank@example.com', 'alice@example.com', {
      kind: 'add_to_group',
      group: 'recovery-request-password_reset',
    });
    expect(status).toBeLessThan(300);
    await emulator.control.hooks.idle();
    const aliceId = emulator.control.userId('alice@example.com');
    await vi.waitFor(
      () =>
        expect(
          orchestrator.events.filter((e) => e.kind === 'recovery_requested' && e.subject.userId === aliceId),
        ).toHaveLength(1),
      { timeout: 20_000 },
    );
    const requested = orchestrator.events.find((e) => e.kind === 'recovery_requested');
    expect(requested?.action).toBe('password_reset');

    // The System Log carries the same event: polling stores nothing new and nothing is processed twice.
    const okta = gate.providers.get('okta');
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const seenByPolling = await Promise.all(
      (okta?.streams ?? []).map(
        async (stream) => (await okta?.readEvents(stream, null, { since }))?.events ?? [],
      ),
    );
    expect(seenByPolling.flat().map((e) => e.id)).toContain(requested?.id);
    for (const p of gate.intake.pollers) await p.pollOnce();
    await gate.intake.worker.runOnce();
    const key = `okta:${requested?.id}`;
    const rows = await gate.store.query('SELECT source, status FROM gate_inbox WHERE idempotency_key = $1', [
      key,
    ]);
    expect(rows).toEqual([{ source: 'hook', status: 'done' }]);
    expect(orchestrator.events.filter((e) => e.id === requested?.id)).toHaveLength(1);
  });

  it('refuses a delivery with the wrong secret and records the forgery', async () => {
    const response = await fetch(`${gate.url}/hooks/okta`, {
      method: 'POST',
      headers: { authorization: 'not-the-secret', 'content-type': 'application/json' },
      body: JSON.stringify({ data: { events: [] } }),
    });
    expect(response.status).toBe(401);
    const alerts = await gate.store.query<{ kind: string }>(
      "SELECT kind FROM security_alerts WHERE idp = 'okta'",
    );
    expect(alerts.map((a) => a.kind)).toContain('hook.forged');
  });
});
