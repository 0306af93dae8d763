import { baselinePolicyInput, isGateError, isSecret } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import * as z from 'zod';
import { createTestProvider } from '../testing/provider.js';
import { type Adapters, gateConfigJsonSchema, loadConfig, quoteBareReferences } from './index.js';

const adapters: Adapters = {
  okta: {
    configSchema: z.strictObject({
      orgUrl: z.url(),
      apiToken: z.string().min(1),
      hook: z.strictObject({ secret: z.string().min(8) }).optional(),
    }),
    createProvider: () => createTestProvider('okta', 'unused-secret'),
  },
};

const policyYaml = stringify(baselinePolicyInput);

function config(extra: string): string {
  return `${policyYaml}\n${extra}`;
}

const providers = `providers:
  okta:
    orgUrl: https://acme.okta.com
    apiToken: \${OKTA_API_TOKEN}
    hook: { secret: \${OKTA_HOOK_SECRET} }
`;

const env = { OKTA_API_TOKEN: 'ssws-token-value', OKTA_HOOK_SECRET: 'hook-secret-value' };

async function failure(text: string, e: Record<string, string> = env) {
  const error = await loadConfig(text, e, { adapters }).catch((err: unknown) => err);
  if (!isGateError(error)) throw new Error(`expected a GateError, got ${String(error)}`);
  return error;
}

describe('loadConfig', () => {
  it('resolves env references (bare or quoted) and applies defaults', async () => {
    const cfg = await loadConfig(
      config(`${providers}notifications:\n  security: { webhook: "\${HOOK_URL}" }\nserver: { port: 9000 }\n`),
      { ...env, HOOK_URL: 'https://hooks.slack.example/T/B/x' },
      { adapters },
    );
    expect(cfg.providers.okta).toEqual({
      orgUrl: 'https://acme.okta.com',
      apiToken: 'ssws-token-value',
      hook: { secret: 'hook-secret-value' },
    });
    expect(cfg.server).toEqual({ port: 9000, host: '127.0.0.1' });
    expect(cfg.storage).toEqual({ dataDir: '.recovery-gate/data' });
    expect(cfg.pollers).toEqual({ interval: '1m', lookback: '1h', tick: '5s' });
    const webhook = cfg.notifications.security?.webhook;
    expect(isSecret(webhook)).toBe(true);
    expect(webhook?.reveal()).toBe('https://hooks.slack.example/T/B/x');
    expect(JSON.stringify(cfg)).not.toContain('hooks.slack.example');
    expect(cfg.version).toBe(1);
  });

  it('refuses an inline secret, naming the path and never the value', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
    const error = await failure(config(providers.replace('${OKTA_API_TOKEN}', 'ssws-inline-123')));
    expect(error.code).toBe('ERR_CONFIG_INLINE_SECRET');
    expect(error.message).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
      'providers.okta.apiToken: a secret is written inline; write ${ENV_NAME} here and set that environment variable',
    );
    expect(error.message).not.toContain('ssws-inline-123');
  });

  it('refuses URLs with embedded credentials and inline notification webhooks', async () => {
    const error = await failure(
      config(
        `${providers}notifications:\n  email: { smtp: "smtp://u:pw@mail.example:587", from: a@b.example }\n  security: { webhook: https://hooks.example/T/x }\n`,
      ),
    );
    expect(error.code).toBe('ERR_CONFIG_INLINE_SECRET');
    expect(error.message.split('\n')).toEqual([
      expect.stringMatching(/^notifications\.email\.smtp: a secret is written inline/),
      expect.stringMatching(/^notifications\.security\.webhook: a secret is written inline/),
    ]);
    expect(error.message).not.toContain('pw@');
  });

  it('names a missing environment variable, not its value', async () => {
    const error = await failure(config(providers), { OKTA_API_TOKEN: 'x' });
    expect(error.code).toBe('ERR_CONFIG_ENV_MISSING');
    expect(error.message).toBe(
      'providers.okta.hook.secret: environment variable OKTA_HOOK_SECRET is not set; set it before starting the gate',
    );
  });

  it('gives one line per schema problem naming the path', async () => {
    const error = await failure(
      config(`${providers}server: { port: 99999, hots: x }\npollers: { interval: soon }\n`),
    );
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines).toContain('server: Unrecognized key: "hots"; remove it or correct its spelling');
    expect(lines.some((l) => l.startsWith('server.port: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('pollers.interval: expected a duration'))).toBe(true);
  });

  it('validates provider sections with the adapter schema, and refuses an IdP without an adapter', async () => {
    const typo = await failure(config(`${providers}    orgURL: https://x.example\n`));
    expect(typo.message).toMatch(/^providers\.okta: .*orgURL/);
    const missing = await failure(config(`providers:\n  entra: { tenantId: t }\n`));
    expect(missing.message).toBe('providers.entra: the entra adapter is not available in this build');
    const none = await failure(config('providers: {}\n'));
    expect(none.message).toBe('providers: expected at least one provider');
  });

  it('keeps the policy checks of core (banned evidence kinds)', async () => {
    const text = config(providers).replace(/device_challenge/, 'kba');
    const error = await failure(text);
    expect(error.code).toBe('ERR_POLICY_BANNED_EVIDENCE');
    expect(error.message).toMatch(/^tiers\.[A-Za-z0-9_-]+\.evidence/);
  });

  it('maps pooled approver roles to IdP groups, with defaults, and refuses an unknown role', async () => {
    const defaults = await loadConfig(config(providers), env, { adapters });
    expect(defaults.approverGroups).toEqual({
      second_agent: ['HelpDesk'],
      security_team: ['SecurityTeam'],
      break_glass_authorizer: ['Incident-Commanders'],
    });
    const custom = await loadConfig(
      config(`${providers}approverGroups: { security_team: [SecOps, IR-Team] }\n`),
      env,
      { adapters },
    );
    expect(custom.approverGroups.security_team).toEqual(['SecOps', 'IR-Team']);
    expect(custom.approverGroups.second_agent).toEqual(['HelpDesk']);
    const typo = await failure(config(`${providers}approverGroups: { securty_team: [SecOps] }\n`));
    expect(typo.message).toContain('approverGroups');
  });

  it('reports YAML syntax errors by line only', async () => {
    const error = await failure('version: 1\nsubjects: [\n');
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toMatch(/^\(yaml line \d+, column \d+\): not valid YAML/);
  });
});

describe('gateConfigJsonSchema', () => {
  it('describes the file as users write it, including the gate sections and the adapter sections', () => {
    const schema = gateConfigJsonSchema(adapters) as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'version',
        'subjects',
        'tiers',
        'matrix',
        'providers',
        'notifications',
        'storage',
        'server',
        'pollers',
      ]),
    );
    expect(Object.keys(schema.properties.providers?.properties ?? {})).toEqual(['okta', 'entra', 'keycloak']);
    expect(JSON.stringify(schema.properties.storage)).toContain('.recovery-gate/data');
  });
});

describe('quoteBareReferences', () => {
  it('quotes bare references only', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
    expect(quoteBareReferences('a: ${X}\nb: { c: ${Y}, d: "${Z}" }\ne: https://${H}/p\n- ${L}')).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
      'a: "${X}"\nb: { c: "${Y}", d: "${Z}" }\ne: https://${H}/p\n- "${L}"',
    );
  });
});
