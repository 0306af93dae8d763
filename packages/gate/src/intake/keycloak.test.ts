/**
 * Intake against the real Keycloak adapter and its emulator: no hooks, so admin events are polled from a
 * persisted cursor; a native request-group membership reaches the orchestrator once.
 */
import { GATE_CLIENT_ID, GATE_CLIENT_SECRET } from '@recovery-gate/keycloak/emulator';
import { type EmulatorPair, startTestEnvironment } from '@recovery-gate/keycloak/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EmbeddedGate, startEmbeddedGate } from '../embedded-gate.test-helper.js';
import type { Gate } from '../service.js';
import { createRecordingOrchestrator, type RecordingOrchestrator } from '../testing/doubles.js';
import { readCursor } from './index.js';

describe('intake with the Keycloak adapter and emulator', () => {
  let pair: EmulatorPair;
  let gate: Gate<RecordingOrchestrator>;
  let orchestrator: RecordingOrchestrator;
  let running: EmbeddedGate<RecordingOrchestrator>;

  beforeAll(async () => {
    pair = await startTestEnvironment({ guardrailsApplied: true });
    running = await startEmbeddedGate({
      yaml: `providers:
  keycloak:
    baseUrl: ${pair.emu.url}
    realm: ${pair.emu.realmName}
    auth: { clientId: ${GATE_CLIENT_ID}, clientSecret: \${KEYCLOAK_CLIENT_SECRET} }`,
      env: { KEYCLOAK_CLIENT_SECRET: GATE_CLIENT_SECRET },
      createOrchestrator: () => {
        orchestrator = createRecordingOrchestrator();
        return orchestrator;
      },
    });
    gate = running.gate;
  }, 180_000);

  afterAll(async () => {
    await running?.close();
    await pair?.close();
  });

  it('polls a native request from admin events once, with the cursor saved', async () => {
    const kc = gate.providers.get('keycloak');
    expect(kc?.streams.length).toBeGreaterThan(0);
    const alice = (await kc?.findUser('alice'))?.id ?? '';
    await pair.probes.nativeRequest?.(alice);
    for (const poller of gate.intake.pollers) await poller.pollOnce();
    await vi.waitFor(
      () =>
        expect(
          orchestrator.events.filter((e) => e.kind === 'recovery_requested' && e.subject.userId === alice),
        ).toHaveLength(1),
      { timeout: 20_000 },
    );
    expect(orchestrator.events.find((e) => e.kind === 'recovery_requested')?.action).toBe('mfa_reset');
    for (const stream of kc?.streams ?? [])
      expect(await readCursor(gate.store, 'keycloak', stream)).not.toBeNull();
    // Polling again reads nothing new and processes nothing twice.
    for (const poller of gate.intake.pollers) await poller.pollOnce();
    await gate.intake.worker.runOnce();
    expect(orchestrator.events.filter((e) => e.kind === 'recovery_requested')).toHaveLength(1);
  });

  it('answers 404 to a hook for Keycloak, which is polled, without an alert', async () => {
    const response = await fetch(`${gate.url}/hooks/keycloak`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(await gate.store.query("SELECT kind FROM security_alerts WHERE idp = 'keycloak'")).toEqual([]);
  });
});
