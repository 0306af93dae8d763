/**
 * Intake against the real Entra adapter and its emulator: Graph validates each new subscription by POSTing a
 * validationToken the gate must echo; a notification only hints, so the gate resyncs the group delta stream.
 */
import { createServer } from 'node:net';
import { loopbackOptions, startTestEnvironment } from '@recovery-gate/entra/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EmbeddedGate, startEmbeddedGate } from '../embedded-gate.test-helper.js';
import type { Gate } from '../service.js';
import { createRecordingOrchestrator, type RecordingOrchestrator } from '../testing/doubles.js';

const CLIENT_STATE = 'entra-client-state-0123456789abcdef';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('intake with the Entra adapter and emulator', () => {
  let env: Awaited<ReturnType<typeof startTestEnvironment>>;
  let gate: Gate<RecordingOrchestrator>;
  let orchestrator: RecordingOrchestrator;
  let running: EmbeddedGate<RecordingOrchestrator>;

  beforeAll(async () => {
    const port = await freePort();
    env = await startTestEnvironment({
      hookTargets: { 'https://gate.example.test': `http://127.0.0.1:${port}` },
    });
    const { emulator } = env;
    running = await startEmbeddedGate({
      yaml: `providers:
  entra:
    tenantId: ${emulator.tenantId}
    auth: { clientId: ${emulator.gateApp.clientId}, clientSecret: \${ENTRA_CLIENT_SECRET} }
    authorityHost: ${emulator.oidc.authorityHost}
    notification: { url: https://gate.example.test/hooks/entra, clientState: \${ENTRA_CLIENT_STATE} }`,
      env: { ENTRA_CLIENT_SECRET: emulator.gateApp.clientSecret, ENTRA_CLIENT_STATE: CLIENT_STATE },
      port,
      providerOptions: loopbackOptions(emulator.url),
      createOrchestrator: () => {
        orchestrator = createRecordingOrchestrator();
        return orchestrator;
      },
    });
    gate = running.gate;
  }, 180_000);

  afterAll(async () => {
    await running?.close();
    await env?.close();
  });

  it('echoes validation tokens so guardrails can subscribe, then turns a notification into a resync', async () => {
    const entra = gate.providers.get('entra');
    if (entra === undefined) throw new Error('entra provider missing');
    await entra.applyGuardrails(await entra.planGuardrails());
    const validations = env.emulator.control.deliveries.filter((d) => d.validation);
    expect(validations.length).toBeGreaterThan(0);
    expect(validations.every((d) => d.status === 200)).toBe(true);

    const alice = env.emulator.control.user('alice').id;
    await env.probes.nativeRequest?.(alice);
    await env.emulator.control.flush();
    const notes = env.emulator.control.deliveries.filter((d) => !d.validation);
    expect(notes.map((n) => n.status)).toEqual([202]);
    await vi.waitFor(
      () =>
        expect(
          orchestrator.events.filter((e) => e.kind === 'recovery_requested' && e.subject.userId === alice),
        ).toHaveLength(1),
      { timeout: 15_000 },
    );
  });

  it('refuses a notification with the wrong clientState and stores nothing', async () => {
    const before = await gate.store.query('SELECT count(*)::int AS n FROM gate_inbox');
    const response = await fetch(`${gate.url}/hooks/entra`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        value: [
          {
            id: 'n',
            subscriptionId: 's',
            clientState: 'forged-state-000000',
            changeType: 'updated',
            resource: 'Groups/g',
          },
        ],
      }),
    });
    expect(response.status).toBe(401);
    expect(await gate.store.query('SELECT count(*)::int AS n FROM gate_inbox')).toEqual(before);
  });
});
