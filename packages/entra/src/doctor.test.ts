import type { DoctorReport } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, GATE_APP } from '../emulator/index.js';
import { startTestEnvironment } from '../testing/harness.js';
import { loopbackHttpClient } from './client/transport.js';
import { configSchema } from './config.js';
import { createProvider } from './index.js';

type Env = Awaited<ReturnType<typeof startTestEnvironment>>;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function start(): Promise<Env> {
  const env = await startTestEnvironment();
  closers.push(() => env.close());
  return env;
}

/** A provider on the emulator with the gate app's id and `secret`, and the clock `now`. */
function provider(env: Env, secret: string = GATE_APP.clientSecret, now?: () => Date) {
  const e: Emulator = env.emulator;
  const config = configSchema.parse({
    ...env.config,
    auth: { clientId: GATE_APP.clientId, clientSecret: secret },
  });
  return createProvider(config, {
    graphOrigin: e.url,
    httpClient: loopbackHttpClient(e.url),
    maxRetries: 0,
    ...(now ? { now } : {}),
  });
}

const byId = (report: DoctorReport) => new Map(report.checks.map((c) => [c.id, c]));
const failures = (report: DoctorReport) => report.checks.filter((c) => c.status === 'fail').map((c) => c.id);

describe('Entra doctor', () => {
  it('passes with the seeded app, reading only, and names the notification URL', async () => {
    const env = await start();
    const from = env.emulator.control.requests.length;
    const report = await env.adapter.doctor();
    expect(failures(report)).toEqual([]);
    expect(byId(report).get('permission:AuditLog.Read.All')?.status).toBe('ok');
    expect(byId(report).get('directory-roles')?.status).toBe('ok');
    expect(byId(report).get('clock')?.status).toBe('ok');
    expect(report.callbackUrl).toBe(env.config.notification?.url);
    const methods = new Set(env.emulator.control.requests.slice(from).map((r) => r.method));
    expect([...methods]).toEqual(['GET']);
  });

  it('names a permission the app lacks, and Graph refuses the read that needs it', async () => {
    const env = await start();
    const app = env.emulator.control.tenant.apps.get(GATE_APP.clientId);
    if (!app) throw new Error('no gate app');
    app.permissions = app.permissions.filter((p) => p !== 'AuditLog.Read.All');
    const report = await provider(env).doctor();
    expect(failures(report)).toEqual(['permission:AuditLog.Read.All', 'events']);
    expect(byId(report).get('events')).toMatchObject({
      summary: expect.stringMatching(
        /^refused \(403, needs AuditLog\.Read\.All\): the gate cannot poll directoryAudits/,
      ),
      fix: expect.stringMatching(/grant the application permission AuditLog\.Read\.All .* admin consent/),
    });
  });

  it('says when the service principal lacks User Administrator', async () => {
    const env = await start();
    const { tenant } = env.emulator.control;
    const sp = tenant.apps.get(GATE_APP.clientId)?.servicePrincipalId;
    for (const [id, a] of tenant.roleAssignments)
      if (a.principalId === sp && a.directoryScopeId === '/') tenant.roleAssignments.delete(id);
    const report = await provider(env).doctor();
    expect(byId(report).get('directory-roles')).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/User Administrator/),
    });
  });

  it('reports a revoked client secret on one line, with the fix, and runs nothing else', async () => {
    const env = await start();
    const report = await provider(env, 'a-secret-that-was-deleted').doctor();
    expect(report.checks).toEqual([
      expect.objectContaining({
        id: 'credential',
        status: 'fail',
        summary: expect.stringMatching(
          /Entra refuses the credential of app .*: AADSTS7000215: Invalid client secret provided/,
        ),
        fix: expect.stringMatching(/create a new client secret/),
      }),
    ]);
    expect(JSON.stringify(report)).not.toContain('a-secret-that-was-deleted');
  });

  it('fails the clock check when the gate is minutes off', async () => {
    const env = await start();
    const report = await provider(
      env,
      GATE_APP.clientSecret,
      () => new Date(Date.now() + 3 * 60_000),
    ).doctor();
    expect(byId(report).get('clock')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/(179|180) s ahead/),
    });
  });
});
