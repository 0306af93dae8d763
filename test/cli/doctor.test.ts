/**
 * `recovery-gate doctor` as a user runs it (the built binary) against the three emulated tenants: all
 * good, then each kind of bad input a first day in a real tenant brings (a revoked credential, a wrong URL,
 * a missing permission, a hook URL the IdP cannot call), each one line with the fix, exit 1, no stack trace.
 */

import { readFile } from 'node:fs/promises';
import { GATE_CLIENT_ID } from '@recovery-gate/keycloak/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startTenants, type Tenants, tempDir, withProviders } from './support.js';

let tenants: Tenants;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let starter: string;

beforeAll(async () => {
  tenants = await startTenants();
  tmp = await tempDir();
  expect((await runCli(['init'], tmp.dir)).code).toBe(0);
  starter = await readFile(`${tmp.dir}/recovery-gate.yaml`, 'utf8');
  await tmp.write('all.yaml', withProviders(starter, tenants.providersYaml));
}, 120_000);
afterAll(async () => {
  await tenants?.close();
  await tmp?.remove();
});

/** Runs `doctor` with the tenants' environment, `env` on top. */
const doctor = (args: string[], env: Record<string, string> = {}) =>
  runCli(['doctor', ...args], tmp.dir, { ...tenants.env, ...env });

/** Asserts a failed run: exit 1, the failing check on one line naming the fix, nothing on stderr. */
function expectFailure(run: Awaited<ReturnType<typeof doctor>>, line: RegExp): void {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(line);
  expect(run.stdout).not.toMatch(/^\s+at /m);
  expect(run.stdout).toMatch(/^doctor: \d+ of \d+ checks failed/m);
}

describe('recovery-gate doctor', () => {
  it('passes on the three emulated tenants, one line per check, and reads only', async () => {
    const before = tenants.emulators.keycloak.control.exchanges().length;
    const run = await doctor(['-c', 'all.yaml']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const idp of ['okta', 'entra', 'keycloak']) {
      expect(run.stdout).toMatch(new RegExp(`^${idp} +ok {4}credential: `, 'm'));
      expect(run.stdout).toMatch(new RegExp(`^${idp} +ok {4}events: `, 'm'));
      expect(run.stdout).toMatch(new RegExp(`^${idp} +ok {4}clock: in sync`, 'm'));
    }
    expect(run.stdout).toMatch(/^entra +ok {4}permission:AuditLog\.Read\.All: AuditLog\.Read\.All granted$/m);
    expect(run.stdout).toMatch(/^keycloak +ok {4}role:view-events: view-events held$/m);
    expect(run.stdout).toMatch(/^doctor: \d+ checks, none failed/m);
    const writes = tenants.emulators.keycloak.control
      .exchanges()
      .slice(before)
      .filter((x) => x.method !== 'GET');
    expect(writes).toEqual([]);
  });

  it('--json gives every check with its status and fix', async () => {
    const run = await doctor(['--json', '-c', 'all.yaml']);
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout) as { ok: boolean; providers: { idp: string; checks: unknown[] }[] };
    expect(output.ok).toBe(true);
    expect(output.providers.map((p) => p.idp)).toEqual(['okta', 'entra', 'keycloak']);
    expect(output.providers[0]?.checks).toContainEqual({
      id: 'events',
      status: 'ok',
      summary: expect.stringContaining('okta.logs.read'),
      fix: null,
    });
  });

  it('a revoked API token: one line with the fix, exit 1, the token never printed', async () => {
    const revoked = `00${'x'.repeat(40)}`;
    const run = await doctor(['-c', 'all.yaml'], { OKTA_API_TOKEN: revoked });
    expectFailure(
      run,
      /^okta +FAIL {2}credential: Okta refuses the API token: .*; fix: create an API token/m,
    );
    expect(run.stdout).not.toContain(revoked);
    // The other IdPs are still checked.
    expect(run.stdout).toMatch(/^keycloak +ok {4}credential: /m);
  });

  it('a wrong URL: says it cannot reach it and which setting to check', async () => {
    const run = await doctor(['-c', 'all.yaml'], { KEYCLOAK_URL: 'http://127.0.0.1:1' });
    expectFailure(
      run,
      /^keycloak +FAIL {2}credential: cannot reach http:\/\/127\.0\.0\.1:1; fix: check providers\.keycloak\.baseUrl/m,
    );
  });

  it('a missing permission: names it, the read the IdP refused, and how to grant it', async () => {
    const { realm } = tenants.emulators.keycloak.control;
    const rm = [...realm.clients.values()].find((c) => c.clientId === 'realm-management');
    const sa = [...realm.users.values()].find((u) => u.username === `service-account-${GATE_CLIENT_ID}`);
    const roles = rm && sa?.clientRoles.get(rm.id);
    if (!roles) throw new Error('no service account roles');
    roles.delete('view-events');
    try {
      await tmp.write('keycloak.yaml', withProviders(starter, tenants.only('keycloak')));
      const run = await doctor(['-c', 'keycloak.yaml']);
      expectFailure(
        run,
        /^keycloak +FAIL {2}role:view-events: view-events is missing; fix: assign the realm-management role view-events/m,
      );
      expect(run.stdout).toMatch(
        /^keycloak +FAIL {2}events: missing view-events: the gate cannot poll admin events/m,
      );
    } finally {
      roles.add('view-events');
    }
  });

  it('a hook URL the IdP cannot call: plain http, or nothing answering', async () => {
    const auth = 'auth: { token: $' + '{OKTA_API_TOKEN} }';
    const hook = '\n    hook: { url: $' + '{HOOK_URL}, secret: $' + '{OKTA_HOOK_SECRET} }';
    const okta = tenants.only('okta').replace(auth, auth + hook);
    await tmp.write('okta-hook.yaml', withProviders(starter, okta));
    const secret = { OKTA_HOOK_SECRET: 'h'.repeat(32) };
    const http = await doctor(['-c', 'okta-hook.yaml'], {
      ...secret,
      HOOK_URL: 'http://gate.example.com/hooks/okta',
    });
    expectFailure(
      http,
      /^okta +FAIL {2}hook-url: http:\/\/gate\.example\.com\/hooks\/okta is not https: .*; fix: publish the gate over TLS and set providers\.okta\.hook\.url to its https URL/m,
    );
    const down = await doctor(['-c', 'okta-hook.yaml'], {
      ...secret,
      HOOK_URL: 'https://127.0.0.1:1/hooks/okta',
    });
    expectFailure(
      down,
      /^okta +FAIL {2}hook-url: https:\/\/127\.0\.0\.1:1\/hooks\/okta is not reachable \(ECONNREFUSED\)/m,
    );
    expect(down.stdout).not.toContain('h'.repeat(32));
  });
});
