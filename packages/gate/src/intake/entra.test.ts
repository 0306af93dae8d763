/**
 * Intake against the real Entra adapter and its emulator: Graph validates each new subscription by POSTing a
 * validationToken the gate must echo; a notification only hints, so the gate resyncs the group delta stream.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselinePolicyInput } from '@recovery-gate/core';
import { loopbackHttpClient } from '@recovery-gate/entra';
import { startEmulatedEnvironment } from '@recovery-gate/entra/emulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../log.js';
import { createGate, type Gate } from '../service.js';
import { createRecordingOrchestrator, type RecordingOrchestrator } from '../testing/doubles.js';
import { prepareEmbeddedTemplate, seedEmbeddedDir } from '../testing/stores.js';

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
  let env: Awaited<ReturnType<typeof startEmulatedEnvironment>>;
  let gate: Gate<RecordingOrchestrator>;
  let orchestrator: RecordingOrchestrator;
  let dir: string;

  beforeAll(async () => {
    await prepareEmbeddedTemplate();
    const port = await freePort();
    env = await startEmulatedEnvironment({
      hookTargets: { 'https://gate.example.test': `http://127.0.0.1:${port}` },
    });
    const { emulator } = env;
    dir = await mkdtemp(join(tmpdir(), 'gate-entra-'));
    await seedEmbeddedDir(join(dir, 'data'));
    const text = `${stringify(baselinePolicyInput)}
providers:
  entra:
    tenantId: ${emulator.tenantId}
    auth: { clientId: ${emulator.gateApp.clientId}, clientSecret: \${ENTRA_CLIENT_SECRET} }
    authorityHost: ${emulator.oidc.authorityHost}
    notification: { url: https://gate.example.test/hooks/entra, clientState: \${ENTRA_CLIENT_STATE} }
storage: { dataDir: data }
pollers: { interval: 1h, tick: 1h, lookback: 1h }
`;
    const config = await loadConfig(text, {
      ENTRA_CLIENT_SECRET: emulator.gateApp.clientSecret,
      ENTRA_CLIENT_STATE: CLIENT_STATE,
    });
    gate = createGate({
      config,
      env: {},
      baseDir: dir,
      port,
      providerOptions: { graphOrigin: emulator.url, httpClient: loopbackHttpClient(emulator.url) },
      logger: createLogger({ level: 'error', write: () => {} }),
      createOrchestrator: () => {
        orchestrator = createRecordingOrchestrator();
        return orchestrator;
      },
    });
    await gate.start();
  }, 180_000);

  afterAll(async () => {
    await gate?.stop();
    await env?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
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
