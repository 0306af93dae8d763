import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startTenants, type Tenants, tempDir, withProviders } from './support.js';

const IDPS = ['okta', 'entra', 'keycloak'] as const;

describe('recovery-gate plan and apply against the emulated tenants (built binary)', () => {
  let tenants: Tenants;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let starter: string;
  beforeAll(async () => {
    tenants = await startTenants();
    tmp = await tempDir();
    expect((await runCli(['init'], tmp.dir)).code).toBe(0);
    const { readFile } = await import('node:fs/promises');
    starter = await readFile(`${tmp.dir}/recovery-gate.yaml`, 'utf8');
  });
  afterAll(async () => {
    await tenants?.close();
    await tmp?.remove();
  });

  it.each(IDPS)(
    '%s: plan shows drift (exit 2), apply --auto-approve fixes it, then plan is empty (exit 0)',
    { timeout: 400_000 },
    async (idp) => {
      // Not `okta.yaml`: the Okta SDK reads a file of that name from the working directory.
      const config = `gate-${idp}.yaml`;
      await tmp.write(config, withProviders(starter, tenants.only(idp)));
      const drift = await runCli(['plan', '--detailed-exitcode', '-c', config], tmp.dir, tenants.env);
      expect(drift.stderr).toBe('');
      expect(drift.code).toBe(2);
      expect(drift.stdout).toMatch(new RegExp(`^${idp}:`, 'm'));
      expect(drift.stdout).toMatch(/^ {2}\+ \S+ "/m);
      expect(drift.stdout).toMatch(/^Plan: [1-9]\d* to create/m);

      const refused = await runCli(['apply', '-c', config], tmp.dir, tenants.env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/stdin is not a terminal.*--auto-approve/);
      expect((await runCli(['plan', '--detailed-exitcode', '-c', config], tmp.dir, tenants.env)).code).toBe(
        2,
      );

      const applied = await runCli(['apply', '--auto-approve', '-c', config], tmp.dir, tenants.env);
      expect(applied.code).toBe(0);
      expect(applied.stdout).toMatch(/Apply complete: [1-9]\d* change/);
      expect(applied.stderr).toMatch(new RegExp(`^\\[${idp}\\] \\d+/\\d+ `, 'm'));

      if (idp !== 'keycloak') {
        // The help desk's built-in reset role stays without the flag: a warning, and still drift (exit 2).
        expect(applied.stderr).toMatch(/warning: .*built-in role\(s\) that can reset stay in place/);
        const left = await runCli(['plan', '--detailed-exitcode', '-c', config], tmp.dir, tenants.env);
        expect(left.code).toBe(2);
        expect(left.stdout).toMatch(/^ {2}- builtin_role_assignment "/m);
        const removed = await runCli(
          ['apply', '--auto-approve', '--remove-reset-roles', '-c', config],
          tmp.dir,
          tenants.env,
        );
        expect(removed.code).toBe(0);
        expect(removed.stderr).toMatch(
          /warning: .*removing \d+ built-in role assignment\(s\).*lose every right/,
        );
      }

      const clean = await runCli(['plan', '--detailed-exitcode', '-c', config], tmp.dir, tenants.env);
      expect(clean.code).toBe(0);
      expect(clean.stdout).toContain('No changes.');
      const json = await runCli(['plan', '--json', '-c', config], tmp.dir, tenants.env);
      expect(JSON.parse(json.stdout)).toMatchObject({ changed: false, plans: [{ idp }] });
      const again = await runCli(['apply', '--auto-approve', '-c', config], tmp.dir, tenants.env);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('No changes.');

      if (idp === 'okta') {
        // The tiers' TACs checked against the org's TAC authenticator (the emulator's allows multi-use).
        expect(clean.stdout).toMatch(/^ {2}! warning OKTA_TAC_MULTI_USE_ALLOWED: .*require single use/m);
        // A legacy custom role with reset rights on the help desk: nothing to apply, still drift.
        const state = tenants.emulators.okta.control.state;
        const group = [...state.groups.values()].find((g) => g.name === 'HelpDesk');
        const set = [...state.resourceSets.values()][0];
        const perms = ['okta.users.read', 'okta.users.credentials.resetPassword'];
        state.roles.set('legacy', {
          id: 'legacy',
          label: 'legacy',
          description: '',
          permissions: perms,
          created: 0,
          lastUpdated: 0,
        });
        state.roleAssignments.set('raLegacy', {
          id: 'raLegacy',
          principalType: 'GROUP',
          principalId: group?.id ?? '',
          type: 'CUSTOM',
          roleId: 'legacy',
          resourceSetId: set?.id ?? null,
          created: 0,
          lastUpdated: 0,
        });
        const drift = await runCli(['plan', '--detailed-exitcode', '-c', config], tmp.dir, tenants.env);
        expect(drift.stdout).toMatch(/! critical OKTA_HELPDESK_RESET_PERMISSION/);
        expect(drift.stdout).toContain('1 critical finding(s)');
        expect(drift.code).toBe(2);
      }
    },
  );

  it('with --detailed-exitcode every error is 1, never 2 (which means changes)', async () => {
    await tmp.write('bad.yaml', starter.replace('version: 1', 'version: 1\nunknownKey: true'));
    const invalid = await runCli(['plan', '--detailed-exitcode', '-c', 'bad.yaml'], tmp.dir, tenants.env);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^error \[ERR_CONFIG_INVALID\]: \(root\): Unrecognized key: "unknownKey"/);
    const usage = await runCli(['plan', '--detailed-exitcode', '--bogus'], tmp.dir, tenants.env);
    expect(usage.code).toBe(1);
    await tmp.write('down.yaml', withProviders(starter, tenants.only('keycloak')));
    const down = await runCli(['plan', '--detailed-exitcode', '-c', 'down.yaml'], tmp.dir, {
      ...tenants.env,
      KEYCLOAK_URL: 'http://127.0.0.1:9',
    });
    expect(down.code).toBe(1);
    expect(down.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/^error \[ERR_IDP_/);
  });

  it('never prints a tenant credential', async () => {
    await tmp.write('all.yaml', withProviders(starter, tenants.providersYaml));
    const result = await runCli(['plan', '--json', '-c', 'all.yaml'], tmp.dir, tenants.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const key of ['OKTA_API_TOKEN', 'ENTRA_CLIENT_SECRET', 'KEYCLOAK_CLIENT_SECRET'] as const) {
      expect(result.stdout + result.stderr).not.toContain(tenants.env[key]);
    }
  });
});
