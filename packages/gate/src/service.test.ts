import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselinePolicyInput, type IdpKind, type RecoveryProvider } from '@recovery-gate/core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import * as z from 'zod';
import { verifyAudit } from './audit/index.js';
import { loadConfig } from './config/index.js';
import { createLogger } from './log.js';
import { createGate, type Gate } from './service.js';
import { dropSchema } from './store/index.js';
import { createRecordingOrchestrator, type RecordingOrchestrator } from './testing/doubles.js';
import { createTestProvider, testEvent } from './testing/provider.js';
import { type HttpSink, startHttpSink } from './testing/sinks.js';
import { prepareEmbeddedTemplate, seedEmbeddedDir, TEST_DATABASE_URL } from './testing/stores.js';

const SECRET = 'service-hook-secret';
beforeAll(() => prepareEmbeddedTemplate(), 180_000);

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function startGate(options: { sink?: HttpSink } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'gate-service-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  await seedEmbeddedDir(join(dir, 'data'));
  const notifications =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
    options.sink === undefined ? '' : 'notifications:\n  security: { webhook: ${SEC_HOOK} }\n';
  const text = `${stringify(baselinePolicyInput)}\nproviders:\n  okta: { orgUrl: https://acme.okta.example }\n${notifications}storage: { dataDir: data }\npollers: { interval: 1h, tick: 1h }\n`;
  const config = await loadConfig(
    text,
    { SEC_HOOK: `${options.sink?.url ?? ''}/security` },
    {
      adapters: {
        okta: {
          configSchema: z.strictObject({ orgUrl: z.url() }),
          createProvider: () => createTestProvider('okta', SECRET),
        },
      },
    },
  );
  const provider = createTestProvider('okta', SECRET);
  let orchestrator: RecordingOrchestrator | undefined;
  const logs: string[] = [];
  const gate: Gate<RecordingOrchestrator> = createGate({
    config,
    env: {},
    baseDir: dir,
    port: 0,
    providers: new Map<IdpKind, RecoveryProvider>([['okta', provider]]),
    logger: createLogger({ write: (l) => logs.push(l) }),
    createOrchestrator: () => {
      orchestrator = createRecordingOrchestrator();
      return orchestrator;
    },
  });
  await gate.start();
  cleanup.push(() => gate.stop());
  return { gate, provider, orchestrator: orchestrator as RecordingOrchestrator, logs };
}

describe('createGate', () => {
  it('takes a hook over HTTP, acknowledges after storing, and processes it in the background', async () => {
    const { gate, orchestrator } = await startGate();
    const event = testEvent('svc-1');
    const response = await fetch(`${gate.url}/hooks/okta`, {
      method: 'POST',
      headers: { authorization: SECRET, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [event] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const [row] = await gate.store.query("SELECT status FROM gate_inbox WHERE event_id = 'svc-1'");
    expect(row).toBeDefined();
    await vi.waitFor(() => expect(orchestrator.events.map((e) => e.id)).toEqual(['svc-1']), {
      timeout: 20_000,
    });
    expect((await fetch(`${gate.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${gate.url}/metrics`)).text()).toContain(
      'recovery_events_total{idp="okta",source="hook"} 1',
    );
  });

  it('audits a forged hook into the persisted chain and alerts the security webhook', async () => {
    const sink = await startHttpSink();
    cleanup.push(() => sink.close());
    const { gate } = await startGate({ sink });
    const response = await fetch(`${gate.url}/hooks/okta`, {
      method: 'POST',
      headers: { authorization: 'guess' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect(await verifyAudit(gate.store)).toMatchObject({ ok: true, count: 1 });
    await vi.waitFor(() => expect(sink.received.map((r) => r.path)).toEqual(['/security']), {
      timeout: 20_000,
    });
    expect(sink.received[0]?.body).toContain('hook.forged');
    expect(sink.received[0]?.body).not.toContain('guess');
  });

  it('polls the provider streams in the background and ticks the orchestrator', async () => {
    const { gate, provider, orchestrator } = await startGate();
    await vi.waitFor(
      () => expect(provider.reads.map((r) => r.stream).sort()).toEqual(['admin_events', 'system_log']),
      { timeout: 20_000 },
    );
    await vi.waitFor(() => expect(orchestrator.ticks).toBeGreaterThan(0), { timeout: 20_000 });
    const rows = await gate.store.query('SELECT idp, stream, cursor FROM gate_cursors ORDER BY stream');
    expect(rows).toEqual([
      { idp: 'okta', stream: 'admin_events', cursor: '0' },
      { idp: 'okta', stream: 'system_log', cursor: '0' },
    ]);
  });

  it('uses PostgreSQL when DATABASE_URL is set, in the configured schema', async () => {
    const schema = `svc_${Date.now().toString(36)}`;
    cleanup.push(() => dropSchema(TEST_DATABASE_URL, schema));
    const text = `${stringify(baselinePolicyInput)}\nproviders:\n  okta: { orgUrl: https://acme.okta.example }\nstorage: { schema: ${schema} }\npollers: { interval: 1h, tick: 1h }\n`;
    const adapters = {
      okta: {
        configSchema: z.strictObject({ orgUrl: z.url() }),
        createProvider: () => createTestProvider('okta', SECRET),
      },
    };
    const config = await loadConfig(text, {}, { adapters });
    const gate = createGate({
      config,
      adapters,
      env: { DATABASE_URL: TEST_DATABASE_URL },
      port: 0,
      logger: createLogger({ write: () => {} }),
      createOrchestrator: () => createRecordingOrchestrator(),
    });
    await gate.start();
    cleanup.push(() => gate.stop());
    expect(gate.store.kind).toBe('postgres');
    const tables = await gate.store.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'gate_inbox'",
      [schema],
    );
    expect(tables).toEqual([{ n: 1 }]);
  });

  it('stops cleanly and releases the data directory for a restart', async () => {
    const { gate } = await startGate();
    const url = gate.url;
    await gate.stop();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(() => gate.store).toThrow(/not started/);
  });
});
