import { generateKeyPairSync } from 'node:crypto';
import type { DoctorReport } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/index.js';
import { createProvider } from './adapter.js';
import { DEFAULT_SCOPES } from './config.js';

const open: Emulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function emulator(): Promise<Emulator> {
  const e = await startEmulator({ guardrailsApplied: true });
  open.push(e);
  return e;
}

const status = (report: DoctorReport) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
const failures = (report: DoctorReport) => report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
const fast = { sleep: async () => {}, maxRetries: 0 };

describe('Okta doctor', () => {
  it('passes every check with the seeded Super Administrator token, reading only', async () => {
    const e = await emulator();
    const adapter = createProvider({ orgUrl: e.url, auth: { token: e.apiToken } }, fast);
    e.control.faults.resetLog();
    const report = await adapter.doctor();
    expect(report.idp).toBe('okta');
    expect(failures(report)).toEqual([]);
    expect(status(report)).toMatchObject({
      credential: 'ok',
      'owner-roles': 'ok',
      users: 'ok',
      events: 'ok',
      'event-hooks': 'ok',
      hook: 'ok',
      clock: 'ok',
    });
    expect(report.callbackUrl).toBeNull();
    const methods = new Set(e.control.faults.requestLog().map((r) => r.method));
    expect([...methods]).toEqual(['GET']);
  });

  it('names the missing permissions of a help-desk agent token and how to grant them', async () => {
    const e = await emulator();
    const adapter = createProvider(
      { orgUrl: e.url, auth: { token: e.control.createApiToken('frank@example.com') } },
      fast,
    );
    const report = await adapter.doctor();
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    expect(byId.get('credential')?.status).toBe('ok');
    expect(byId.get('owner-roles')?.status).toBe('fail');
    expect(byId.get('owner-roles')?.summary).toMatch(/not Super Administrator/);
    // The emulator refuses the System Log as Okta does for a role without okta.logs.read.
    expect(byId.get('events')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/^missing okta\.logs\.read/),
    });
    expect(byId.get('events')?.fix).toMatch(/admin role holding okta\.logs\.read/);
  });

  it('reports a revoked token on one line, with the fix, and runs nothing else', async () => {
    const e = await emulator();
    const token = e.control.createApiToken('sam@example.com');
    e.control.state.tokens.delete(token);
    const report = await createProvider({ orgUrl: e.url, auth: { token } }, fast).doctor();
    expect(report.checks).toEqual([
      {
        id: 'credential',
        status: 'fail',
        summary: expect.stringMatching(/refuses the API token: invalid, revoked or expired \(HTTP 401\)/),
        fix: expect.stringMatching(/create an API token/),
      },
    ]);
    expect(JSON.stringify(report)).not.toContain(token);
  });

  it('reports an org URL where nothing answers', async () => {
    const report = await createProvider(
      { orgUrl: 'http://127.0.0.1:1', auth: { token: 'x'.repeat(20) } },
      fast,
    ).doctor();
    expect(report.checks).toEqual([
      expect.objectContaining({
        id: 'credential',
        status: 'fail',
        summary: expect.stringMatching(/^cannot reach http:\/\/127\.0\.0\.1:1/),
      }),
    ]);
    expect(report.checks[0]?.fix).toMatch(/providers\.okta\.orgUrl/);
  });

  it('names the scopes a service app is not granted (the token endpoint refuses them)', async () => {
    const e = await emulator();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const granted = DEFAULT_SCOPES.filter((s) => s !== 'okta.logs.read' && s !== 'okta.roles.manage');
    e.control.registerServiceApp(
      '0oaDoctorApp',
      { ...publicKey.export({ format: 'jwk' }), kid: 'k1' },
      { scopes: granted },
    );
    const jwk = JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'k1' });
    const adapter = createProvider(
      { orgUrl: e.url, auth: { clientId: '0oaDoctorApp', privateKey: jwk } },
      fast,
    );
    const report = await adapter.doctor();
    expect(failures(report)).toEqual(['scope:okta.logs.read', 'scope:okta.roles.manage']);
    expect(report.checks[0]?.fix).toMatch(/grant okta\.logs\.read to the service app/);

    // Asking only for what is granted: the token works, the missing scopes are listed, the log read is refused.
    const partial = createProvider(
      { orgUrl: e.url, auth: { clientId: '0oaDoctorApp', privateKey: jwk, scopes: granted } },
      fast,
    );
    const second = await partial.doctor();
    expect(status(second)).toMatchObject({
      credential: 'ok',
      'scope:okta.users.manage': 'ok',
      'scope:okta.logs.read': 'fail',
      'scope:okta.roles.manage': 'fail',
      events: 'fail',
      users: 'ok',
      // Fact reads: without the log scope channel dates are unknown; without a roles scope, admin roles.
      'fact:listLogEvents': 'warn',
      'fact:listAssignedRolesForUser': 'warn',
      'fact:listUserGroups': 'ok',
    });
    expect(second.checks.find((c) => c.id === 'fact:listAssignedRolesForUser')?.summary).toMatch(
      /okta\.roles\.read is not requested: admin roles .* unknown: the riskiest class/,
    );
  });

  it('fails the clock check when the gate is minutes off the IdP', async () => {
    const e = await emulator();
    const now = () => new Date(Date.now() + 10 * 60_000);
    const report = await createProvider(
      { orgUrl: e.url, auth: { token: e.apiToken } },
      { ...fast, now },
    ).doctor();
    const clock = report.checks.find((c) => c.id === 'clock');
    expect(clock).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/clock is (599|600) s ahead of the IdP's/),
    });
  });

  it('points at the configured hook URL and says the hook is not created yet', async () => {
    const e = await emulator();
    const hook = { url: 'https://gate.example.com/hooks/okta', secret: 's'.repeat(32) };
    const report = await createProvider({ orgUrl: e.url, auth: { token: e.apiToken }, hook }, fast).doctor();
    expect(report.callbackUrl).toBe(hook.url);
    expect(report.checks.find((c) => c.id === 'hook')).toMatchObject({
      status: 'warn',
      fix: expect.stringMatching(/recovery-gate apply/),
    });
  });

  it("reports the TAC authenticator's settings (lifetime bounds, multi-use)", async () => {
    const e = await emulator();
    const adapter = createProvider({ orgUrl: e.url, auth: { token: e.apiToken } }, fast);
    e.control.state.tacAuthenticator.maxTtl = 720;
    e.control.state.tacAuthenticator.multiUseAllowed = false;
    expect((await adapter.doctor()).checks.find((c) => c.id === 'tac')).toMatchObject({
      status: 'ok',
      summary: expect.stringMatching(/: 10-720 minutes, multi-use not allowed \(tier lifetimes above 720/),
    });
  });
});
