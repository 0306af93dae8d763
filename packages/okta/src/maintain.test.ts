/**
 * The upkeep keeps the gate's event hook ACTIVE and VERIFIED: an admin (or attacker) deactivating it or
 * pointing it elsewhere is undone by the next `maintain()` and reported; a deleted one is an error.
 * The emulator's state is the oracle; a native request after the upkeep must reach the gate again.
 */
import { isGateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaTestEnvironment, startTestEnvironment } from '../testing/index.js';

const envs: OktaTestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

async function start(options: Parameters<typeof startTestEnvironment>[0] = {}) {
  const env = await startTestEnvironment({ emulator: { guardrailsApplied: true }, ...options });
  envs.push(env);
  return env;
}

/** Starts an environment whose guardrails (and so the hook) are applied. */
async function applied() {
  const env = await start();
  await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
  return env;
}

function theHook(env: OktaTestEnvironment) {
  const hooks = [...env.emulator.control.state.hooks.values()];
  expect(hooks).toHaveLength(1);
  return hooks[0] as NonNullable<(typeof hooks)[0]>;
}

/** An admin's call on the management API (what someone in the console or a script does). */
async function admin(env: OktaTestEnvironment, method: string, path: string, body?: unknown) {
  const response = await fetch(`${env.emulator.url}${path}`, {
    method,
    headers: {
      authorization: `SSWS ${env.emulator.apiToken}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  expect(response.status, text).toBeLessThan(300);
}

function redefine(env: OktaTestEnvironment, change: { uri?: string; secret?: string }) {
  const hook = theHook(env);
  return admin(env, 'PUT', `/api/v1/eventHooks/${hook.id}`, {
    name: hook.name,
    events: { type: 'EVENT_TYPE', items: hook.events.items },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: {
        uri: change.uri ?? hook.uri,
        headers: [],
        authScheme: { type: 'HEADER', key: 'Authorization', value: change.secret ?? 'unchanged' },
      },
    },
  });
}

/** A native request by an agent for `user` (once per user: a second add is no change); did it reach the gate? */
async function nativeRequestArrives(env: OktaTestEnvironment, user = 'alice@example.com'): Promise<boolean> {
  const before = env.hookEvents.length;
  await env.emulator.control.nativeAction('frank@example.com', user, {
    kind: 'add_to_group',
    group: 'recovery-request-account_unlock',
  });
  await env.emulator.control.hooks.idle();
  return env.hookEvents.slice(before).some((e) => e.kind === 'recovery_requested');
}

describe('maintain(): the event hook stays active and verified', () => {
  it('does nothing to a healthy hook', async () => {
    const env = await applied();
    const before = { ...theHook(env) };
    expect(await env.adapter.maintain?.()).toEqual({ done: [], nextExpiry: null });
    expect(theHook(env)).toEqual(before);
    expect(await nativeRequestArrives(env)).toBe(true);
  });

  it('reactivates a deactivated hook, verifies it and reports it restored', async () => {
    const env = await applied();
    await admin(env, 'POST', `/api/v1/eventHooks/${theHook(env).id}/lifecycle/deactivate`);
    expect(theHook(env).status).toBe('INACTIVE');
    expect(await nativeRequestArrives(env)).toBe(false);
    const result = await env.adapter.maintain?.();
    expect(result?.done).toEqual([{ kind: 'event_hook', name: 'recovery-gate', op: 'restored' }]);
    expect(theHook(env)).toMatchObject({ status: 'ACTIVE', verificationStatus: 'VERIFIED' });
    expect(await nativeRequestArrives(env, 'bob@example.com')).toBe(true);
    expect(await env.adapter.maintain?.()).toEqual({ done: [], nextExpiry: null });
  });

  it('points a redirected hook back at the gate (verified again) and reports it', async () => {
    const env = await applied();
    const gateUri = theHook(env).uri;
    await redefine(env, { uri: 'https://elsewhere.example.com/hook', secret: 'attacker-secret-value' });
    expect(theHook(env).verificationStatus).toBe('UNVERIFIED');
    const result = await env.adapter.maintain?.();
    expect(result?.done.map((d) => d.op)).toEqual(['restored']);
    expect(theHook(env)).toMatchObject({ uri: gateUri, status: 'ACTIVE', verificationStatus: 'VERIFIED' });
    expect(await nativeRequestArrives(env)).toBe(true);
  });

  it('fails on a deleted hook, saying to run apply, and creates nothing', async () => {
    const env = await applied();
    const id = theHook(env).id;
    await admin(env, 'POST', `/api/v1/eventHooks/${id}/lifecycle/deactivate`);
    await admin(env, 'DELETE', `/api/v1/eventHooks/${id}`);
    const error = await env.adapter.maintain?.().catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_IDP_CONFLICT')).toBe(true);
    expect((error as Error).message).toContain('run apply');
    expect(env.emulator.control.state.hooks.size).toBe(0);
  });

  it('fails with an error, never a false report, when the gate cannot answer the verification', async () => {
    // The configured endpoint answers nothing (port 9, discard): apply creates the hook but cannot verify it.
    const env = await start({ hookUrl: 'http://127.0.0.1:9/okta/events' });
    const applied = await env.adapter
      .applyGuardrails(await env.adapter.planGuardrails())
      .catch((e: unknown) => e);
    expect(isGateError(applied)).toBe(true);
    expect(theHook(env).verificationStatus).toBe('UNVERIFIED');
    const error = await env.adapter.maintain?.().catch((e: unknown) => e);
    expect(isGateError(error)).toBe(true);
    expect(theHook(env).verificationStatus).toBe('UNVERIFIED');
  });

  it('keeps nothing when no hook is configured', async () => {
    const env = await start({ hook: false });
    expect(await env.adapter.maintain?.()).toEqual({ done: [], nextExpiry: null });
    expect(env.emulator.control.state.hooks.size).toBe(0);
  });
});
