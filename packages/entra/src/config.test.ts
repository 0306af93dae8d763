import { describe, expect, it } from 'vitest';
import { createProvider } from './adapter.js';
import { configSchema } from './config.js';

const base = {
  tenantId: 'contoso.onmicrosoft.com',
  auth: { clientId: '11111111-1111-4111-8111-111111111111', clientSecret: 's3cret' },
};

describe('configSchema', () => {
  it('fills the documented defaults', () => {
    const config = configSchema.parse(base);
    expect(config.authorityHost).toBe('https://login.microsoftonline.com');
    expect(config.graphBaseUrl).toBe('https://graph.microsoft.com');
    expect(config.requestGroups.prefix).toBe('recovery-request-');
    expect(config.statusExtension).toBe('recoveryGateStatus');
    expect(config.tapPolicy).toEqual({
      minimumLifetimeInMinutes: 10,
      maximumLifetimeInMinutes: 480,
      defaultLifetimeInMinutes: 60,
      isUsableOnce: true,
      includeGroup: 'all_users',
    });
    expect(config.auditRetentionDays).toBe(30);
  });

  it('accepts a certificate instead of a secret', () => {
    const pem =
      '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----';
    const config = configSchema.parse({ ...base, auth: { clientId: base.auth.clientId, certificate: pem } });
    expect('certificate' in config.auth).toBe(true);
  });

  it.each([
    ['a typo', { ...base, tenantID: 'x' }],
    ['an http authority', { ...base, authorityHost: 'http://127.0.0.1:8080' }],
    ['a client id that is not a GUID', { ...base, auth: { clientId: 'gate', clientSecret: 'x' } }],
    ['both secret and certificate', { ...base, auth: { ...base.auth, certificate: 'PRIVATE KEY' } }],
    [
      'a short clientState',
      { ...base, notification: { url: 'https://gate.example.com/hooks/entra', clientState: 'short' } },
    ],
    [
      'an http notification URL',
      { ...base, notification: { url: 'http://gate.example.com/hooks', clientState: 'x'.repeat(32) } },
    ],
    ['a TAP lifetime below Graph minimum', { ...base, tapPolicy: { minimumLifetimeInMinutes: 5 } }],
  ])('refuses %s', (_label, input) => {
    expect(configSchema.safeParse(input).success).toBe(false);
  });
});

describe('createProvider', () => {
  it('parses its configuration and refuses an invalid one with ERR_CONFIG_INVALID, like the other adapters', () => {
    expect(() => createProvider({ tenantId: 'contoso.onmicrosoft.com' } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringMatching(/Entra provider/),
      }),
    );
    expect(createProvider(base).idp).toBe('entra');
  });
});
