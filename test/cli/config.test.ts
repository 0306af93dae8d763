import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './support.js';

/** A literal `${ENV}` reference, as written in a config. */
const ref = (name: string): string => `\${${name}}`;

const ENV = { OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: 'token-from-the-environment' };

/** One line `error [CODE]: path: message`, nothing else: no stack, no second line. */
function expectOneLine(stderr: string, code: string, path: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^error \\[${code}\\]: ${path.replace(/[.[\]]/g, '\\$&')}: \\S`));
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('recovery-gate init and validate (built binary)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let starter: string;
  beforeEach(async () => {
    tmp = await tempDir();
    const init = await runCli(['init'], tmp.dir);
    expect(init.code).toBe(0);
    starter = await readFile(join(tmp.dir, 'recovery-gate.yaml'), 'utf8');
  });
  afterEach(() => tmp.remove());

  it('init writes a commented starter that validates once its environment variables are set', async () => {
    expect(starter).toMatch(/^# /m);
    expect(starter).toContain(ref('OKTA_API_TOKEN'));
    const result = await runCli(['validate'], tmp.dir, ENV);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/is valid: 6 tiers, providers: okta/);
  });

  it('init refuses to overwrite without --force, and overwrites with it', async () => {
    await tmp.write('recovery-gate.yaml', 'edited: true\n');
    const refused = await runCli(['init'], tmp.dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already exists; pass --force/);
    expect(await readFile(join(tmp.dir, 'recovery-gate.yaml'), 'utf8')).toBe('edited: true\n');
    expect((await runCli(['init', '--force'], tmp.dir)).code).toBe(0);
    expect(await readFile(join(tmp.dir, 'recovery-gate.yaml'), 'utf8')).toBe(starter);
  });

  it('a typo is refused with one line naming the path', async () => {
    await tmp.write(
      'typo.yaml',
      starter.replace(
        'bypass: { mode: enforce, suspend: false }',
        'bypass: { mode: enforce, suspnd: false }',
      ),
    );
    const result = await runCli(['validate', '--config', 'typo.yaml'], tmp.dir, ENV);
    expect(result.code).toBe(3);
    expectOneLine(result.stderr, 'ERR_CONFIG_INVALID', 'bypass');
    expect(result.stderr).toContain('suspnd');
  });

  it('a banned evidence kind is refused with one line naming the path', async () => {
    await tmp.write(
      'banned.yaml',
      starter.replace('anyOf: [device_challenge, oidc_step_up]', 'anyOf: [device_challenge, kba]'),
    );
    const result = await runCli(['validate', '-c', 'banned.yaml'], tmp.dir, ENV);
    expect(result.code).toBe(3);
    expectOneLine(result.stderr, 'ERR_POLICY_BANNED_EVIDENCE', 'tiers.T1.evidence.anyOf[1]');
  });

  const TENANTS: Readonly<Record<string, { readonly yaml: string; readonly env: Record<string, string> }>> = {
    okta: { yaml: '', env: ENV },
    entra: {
      yaml: `providers:
  entra:
    tenantId: 0f8a9b1c-2d3e-4f50-8a6b-7c8d9e0f1a2b
    auth: { clientId: 8f1f6a2e-3c4b-4d5e-9f60-718293a4b5c6, clientSecret: ${ref('ENTRA_CLIENT_SECRET')} }
`,
      env: { ENTRA_CLIENT_SECRET: 'secret-from-the-environment' },
    },
    keycloak: {
      yaml: `providers:
  keycloak:
    baseUrl: https://sso.acme.example
    realm: workforce
    auth: { clientId: recovery-gate, clientSecret: ${ref('KEYCLOAK_CLIENT_SECRET')} }
`,
      env: { KEYCLOAK_CLIENT_SECRET: 'secret-from-the-environment' },
    },
  };

  it.each(['okta', 'entra', 'keycloak'])(
    'on %s, knowledge_based, kba and security_questions are refused as banned evidence, not as unknown kinds',
    async (idp) => {
      const tenant = TENANTS[idp];
      if (!tenant) throw new Error(idp);
      const start = starter.indexOf('\nproviders:');
      const end = starter.indexOf('\n# notifications:');
      const own =
        tenant.yaml === '' ? starter : `${starter.slice(0, start + 1)}${tenant.yaml}${starter.slice(end)}`;
      await tmp.write('own.yaml', own);
      const valid = await runCli(['validate', '-c', 'own.yaml'], tmp.dir, tenant.env);
      expect(valid.stdout).toContain(`providers: ${idp}`);
      for (const kind of ['knowledge_based', 'kba', 'security_questions']) {
        const banned = own.replace(
          'anyOf: [device_challenge, oidc_step_up]',
          `anyOf: [device_challenge, ${kind}]`,
        );
        await tmp.write('banned.yaml', banned);
        const result = await runCli(['validate', '-c', 'banned.yaml'], tmp.dir, tenant.env);
        expect(result.code).toBe(3);
        expectOneLine(result.stderr, 'ERR_POLICY_BANNED_EVIDENCE', 'tiers.T1.evidence.anyOf[1]');
        expect(result.stderr).toContain(`"${kind}" never counts as evidence`);
      }
    },
  );

  it('an inline secret is refused with one line naming the path and the fix, never echoing the value', async () => {
    const secret = '00aVeryRealLookingOktaToken';
    await tmp.write('inline.yaml', starter.replace(`token: ${ref('OKTA_API_TOKEN')}`, `token: ${secret}`));
    const result = await runCli(['validate', '-c', 'inline.yaml'], tmp.dir, ENV);
    expect(result.code).toBe(3);
    expectOneLine(result.stderr, 'ERR_CONFIG_INLINE_SECRET', 'providers.okta.auth.token');
    expect(result.stderr).toContain(ref('ENV_NAME'));
    expect(result.stderr + result.stdout).not.toContain(secret);
  });

  it('a missing environment variable names the variable; --debug adds the stack', async () => {
    const plain = await runCli(['validate'], tmp.dir, { OKTA_ORG_URL: ENV.OKTA_ORG_URL });
    expect(plain.code).toBe(3);
    expectOneLine(plain.stderr, 'ERR_CONFIG_ENV_MISSING', 'providers.okta.auth.token');
    const debug = await runCli(['validate', '--debug'], tmp.dir, { OKTA_ORG_URL: ENV.OKTA_ORG_URL });
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('a missing file and an unknown command say what to do', async () => {
    const missing = await runCli(['validate', '-c', 'nope.yaml'], tmp.dir, ENV);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/cannot read .*nope\.yaml .*recovery-gate init/);
    const unknown = await runCli(['frobnicate'], tmp.dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const help = await runCli(['--help'], tmp.dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:/);
  });
});
