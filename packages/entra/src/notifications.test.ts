import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type GateError, isGateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { HOOK_URL, startTestEnvironment } from '../testing/harness.js';
import { configSchema, createProvider } from './index.js';

type Env = Awaited<ReturnType<typeof startTestEnvironment>>;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function start(options: Parameters<typeof startTestEnvironment>[0] = {}): Promise<Env> {
  const env = await startTestEnvironment(options);
  open.push(env);
  return env;
}

function notification(clientState: string): string {
  return JSON.stringify({
    value: [{ id: 'n-1', subscriptionId: 's-1', clientState, changeType: 'updated', resource: 'Groups/g-1' }],
  });
}

async function rejection(work: Promise<unknown>): Promise<GateError> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!isGateError(error)) throw new Error(`expected a GateError, got ${String(error)}`);
  return error;
}

describe('change notifications', () => {
  it('guardrails apply creates one subscription per request group after a real validation handshake', async () => {
    const env = await start();
    await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    const subs = [...env.emulator.control.tenant.subscriptions.values()];
    expect(subs).toHaveLength(6);
    for (const sub of subs) {
      expect(sub.notificationUrl).toBe(HOOK_URL);
      expect(sub.resource).toMatch(/^\/groups\/[^/]+\/members$/);
      expect(sub.clientState).toBe(env.config.notification?.clientState);
    }
    const validations = env.emulator.control.deliveries.filter((d) => d.validation);
    expect(validations).toHaveLength(6);
    expect(validations.every((d) => d.status === 200)).toBe(true);
  });

  it('an agent adding a member makes Graph notify the gate, which acknowledges with 202', async () => {
    const env = await start();
    await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    const alice = env.emulator.control.user('alice').id;
    await env.probes.nativeRequest?.(alice);
    await env.emulator.control.flush();
    const notes = env.emulator.control.deliveries.filter((d) => !d.validation);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.status).toBe(202);
  });

  it('a notification endpoint that does not echo the token makes subscription creation fail, creating nothing', async () => {
    const liar = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('not the token');
    });
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    open.push({ close: () => new Promise<void>((resolve) => liar.close(() => resolve())) });
    const env = await start({
      hookTargets: {
        'https://gate.example.test': `http://127.0.0.1:${(liar.address() as AddressInfo).port}`,
      },
    });
    const error = await rejection(env.adapter.applyGuardrails(await env.adapter.planGuardrails()));
    expect(error.code).toBe('ERR_IDP_BAD_REQUEST');
    expect(error.details.graphCode).toBe('ValidationError');
    expect(env.emulator.control.tenant.subscriptions.size).toBe(0);
  });

  it('echoes the validation token as text/plain', async () => {
    const env = await start();
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 1';
    const result = await env.adapter.verifyHook({
      method: 'POST',
      headers: {},
      query: { validationToken: token },
      body: '',
    });
    expect(result.handshake).toBe(true);
    expect(result.response).toEqual({
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: token,
    });
  });

  it('acknowledges a genuine notification and asks for a group delta resync', async () => {
    const env = await start();
    const clientState = env.config.notification?.clientState ?? '';
    const result = await env.adapter.verifyHook({
      method: 'POST',
      headers: {},
      query: {},
      body: notification(clientState),
    });
    expect(result.response.status).toBe(202);
    expect(result.resync).toEqual(['group_delta']);
    expect(result.events).toEqual([]);
  });

  it('refuses forged notifications without echoing the clientState', async () => {
    const env = await start();
    const forged = 'forged-client-state-0123456789';
    const error = await rejection(
      env.adapter.verifyHook({ method: 'POST', headers: {}, query: {}, body: notification(forged) }),
    );
    expect(error.code).toBe('ERR_HOOK_UNAUTHENTICATED');
    const printed = `${error.message} ${JSON.stringify(error.details)}`;
    expect(printed).not.toContain(forged);
    expect(printed).not.toContain(env.config.notification?.clientState);
    const missing = await rejection(
      env.adapter.verifyHook({
        method: 'POST',
        headers: {},
        query: {},
        body: JSON.stringify({ value: [{ id: 'x' }] }),
      }),
    );
    expect(missing.code).toBe('ERR_HOOK_UNAUTHENTICATED');
  });

  it('refuses bodies that are not a notification collection', async () => {
    const env = await start();
    for (const body of ['', '{', '{"value": []}', '{"value": "x"}', '[]']) {
      const error = await rejection(env.adapter.verifyHook({ method: 'POST', headers: {}, query: {}, body }));
      expect(error.code, body).toBe('ERR_HOOK_MALFORMED');
    }
  });

  it('declares hooks unsupported and fails closed when no notification is configured', async () => {
    const config = configSchema.parse({
      tenantId: 'contoso.example',
      auth: { clientId: '11111111-1111-4111-8111-111111111111', clientSecret: 'unused' },
    });
    const adapter = createProvider(config);
    expect(adapter.capabilities.hooks.supported).toBe(false);
    const error = await rejection(
      adapter.verifyHook({ method: 'POST', headers: {}, query: { validationToken: 't' }, body: '' }),
    );
    expect(error.code).toBe('ERR_UNSUPPORTED');
  });
});
