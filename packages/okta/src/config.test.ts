import { isGateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/index.js';
import { createProvider } from './adapter.js';
import { bypassesProxy } from './client.js';
import { configSchema, DEFAULT_SCOPES } from './config.js';

const open: Emulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

describe('Okta provider configuration', () => {
  it('applies defaults and strips a trailing slash from orgUrl', () => {
    const config = configSchema.parse({ orgUrl: 'https://acme.okta.com/', auth: { token: 't' } });
    expect(config.orgUrl).toBe('https://acme.okta.com');
    expect(config.requestGroups.prefix).toBe('recovery-request-');
    expect(config.statusAttribute).toBe('recoveryCaseStatus');
    expect(config.eligibleGroup).toBe('recovery-eligible');
    expect(config.gatePrincipal.ids).toEqual([]);
  });

  it('accepts an OAuth service app with default scopes and refuses typos (strict objects)', () => {
    const oauth = configSchema.parse({
      orgUrl: 'https://acme.okta.com',
      auth: { clientId: '0oa1', privateKey: '{}' },
    });
    expect('scopes' in oauth.auth && oauth.auth.scopes).toEqual(DEFAULT_SCOPES);
    expect(
      configSchema.safeParse({ orgUrl: 'https://acme.okta.com', auth: { token: 't' }, eligibleGrup: 'x' })
        .success,
    ).toBe(false);
    expect(configSchema.safeParse({ orgUrl: 'ftp://acme.okta.com', auth: { token: 't' } }).success).toBe(
      false,
    );
    expect(
      configSchema.safeParse({
        orgUrl: 'https://acme.okta.com',
        auth: { token: 't' },
        hook: { url: 'https://g.example.com/h', secret: 'short' },
      }).success,
    ).toBe(false);
  });

  it('createProvider refuses an invalid config with ERR_CONFIG_INVALID naming the path, not the secret', () => {
    const error = (() => {
      try {
        createProvider({ orgUrl: 'not a url', auth: { token: 'super-secret-token-value' } });
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(isGateError(error, 'ERR_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain('orgUrl');
    expect((error as Error).message).not.toContain('super-secret-token-value');
  });

  it('bypasses the proxy for loopback and NO_PROXY hosts only', () => {
    expect(bypassesProxy('http://127.0.0.1:8080', {})).toBe(true);
    expect(bypassesProxy('https://acme.okta.com', { NO_PROXY: '.okta.com' })).toBe(true);
    expect(bypassesProxy('https://acme.okta.com', { no_proxy: 'example.com' })).toBe(false);
  });

  it('reaches a loopback org even when HTTPS_PROXY points nowhere (the SDK would route through it)', async () => {
    const emulator = await startEmulator();
    open.push(emulator);
    const saved = process.env.HTTPS_PROXY;
    process.env.HTTPS_PROXY = 'http://127.0.0.1:9';
    try {
      const adapter = createProvider({ orgUrl: `${emulator.url}/`, auth: { token: emulator.apiToken } });
      expect((await adapter.findUser('alice@example.com'))?.login).toBe('alice@example.com');
      const paths = emulator.control.faults.requestLog().map((r) => r.path);
      expect(paths.some((p) => p.startsWith('//'))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved;
    }
  });
});
