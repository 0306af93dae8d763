import { readFileSync } from 'node:fs';
import { NetworkError } from '@keycloak/keycloak-admin-client';
import { describe, expect, it } from 'vitest';
import { toGateError } from './errors.js';
import { configSchema, createProvider } from './index.js';

const base = {
  baseUrl: 'https://sso.acme.example',
  realm: 'workforce',
  auth: { clientId: 'recovery-gate', clientSecret: 's3cr3t-value-from-env' },
};

describe('configSchema', () => {
  it('accepts the example section and fills the defaults', () => {
    const config = configSchema.parse({ ...base, requestGroups: { parent: '/recovery-requests' } });
    expect(config).toMatchObject({
      helpDeskGroup: 'HelpDesk',
      statusAttribute: 'recoveryCaseStatus',
      phoneAttribute: 'phoneNumber',
      requestGroups: { parent: '/recovery-requests' },
    });
    expect(config.privilegedRoles).toContain('realm-admin');
  });

  it('rejects typos, nested parents and a redirect URI without its client', () => {
    expect(configSchema.safeParse({ ...base, realmName: 'x' }).success).toBe(false);
    expect(configSchema.safeParse({ ...base, requestGroups: { parent: '/a/b' } }).success).toBe(false);
    const redirect = configSchema.safeParse({ ...base, redirectUri: 'https://gate.acme.example/done' });
    expect(redirect.success).toBe(false);
    expect(redirect.error?.issues[0]?.path).toEqual(['redirectUri']);
  });

  it('the README documents every configuration field', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const key of Object.keys(configSchema.shape)) expect(readme, key).toContain(`\`${key}`);
  });

  it('createProvider refuses a bad config with ERR_CONFIG_INVALID that names the path and never the secret', () => {
    let error: unknown;
    try {
      createProvider({ ...base, baseUrl: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_CONFIG_INVALID' });
    expect(String((error as Error).message)).toContain('baseUrl');
    expect(String((error as Error).message)).not.toContain(base.auth.clientSecret);
  });
});

describe('toGateError', () => {
  const failure = (
    status: number,
    data: unknown,
    url = 'https://sso/admin/realms/w/users/1',
    headers: Record<string, string> = {},
  ) =>
    new NetworkError('x', {
      response: Object.defineProperty(new Response(null, { status, headers }), 'url', { value: url }),
      responseData: data,
    });

  it.each([
    [400, 'ERR_IDP_BAD_REQUEST'],
    [401, 'ERR_IDP_UNAUTHORIZED'],
    [403, 'ERR_IDP_FORBIDDEN'],
    [404, 'ERR_USER_NOT_FOUND'],
    [409, 'ERR_IDP_CONFLICT'],
    [429, 'ERR_IDP_RATE_LIMITED'],
    [503, 'ERR_IDP_UNAVAILABLE'],
  ] as const)('maps %i to %s, keeping the IdP text in details and the raw error as cause', (status, code) => {
    const raw = failure(status, { errorMessage: 'something happened' });
    const error = toGateError(raw, { operation: 'getUser', notFound: 'user' });
    expect(error.code).toBe(code);
    expect(error.details).toMatchObject({ op: 'getUser', status, idpError: 'something happened' });
    expect(error.message).toContain('Keycloak getUser failed');
    expect(error.cause).toBe(raw);
  });

  it('maps a 400 from the token endpoint (bad client) to ERR_IDP_UNAUTHORIZED and a 404 group to ERR_GROUP_NOT_FOUND', () => {
    expect(
      toGateError(
        failure(400, { error: 'unauthorized_client' }, 'https://sso/realms/w/protocol/openid-connect/token'),
        { operation: 'token' },
      ).code,
    ).toBe('ERR_IDP_UNAUTHORIZED');
    const group = toGateError(failure(404, { error: 'Could not find group by id' }), {
      operation: 'delFromGroup',
      notFound: 'group',
    });
    expect(group.code).toBe('ERR_GROUP_NOT_FOUND');
    const gone = toGateError(failure(404, {}), { operation: 'deleteCredential', notFound: 'conflict' });
    expect(gone.code).toBe('ERR_IDP_CONFLICT');
    expect(toGateError(failure(404, {}), { operation: 'x' }).code).toBe('ERR_IDP_BAD_REQUEST');
  });

  it("maps the SDK's cannot-refresh error to ERR_IDP_UNAUTHORIZED and network failures to ERR_IDP_UNAVAILABLE", () => {
    const op = { operation: 'findUsers' };
    expect(
      toGateError(new Error('Cannot refresh token: missing refresh token or credentials'), op).code,
    ).toBe('ERR_IDP_UNAUTHORIZED');
    expect(toGateError(new TypeError('fetch failed'), op).code).toBe('ERR_IDP_UNAVAILABLE');
  });

  it('keeps the context secrets out of the message and details', () => {
    const secret = 'Temp-Passw0rd-Value';
    const raw = failure(400, { errorMessage: `password ${secret} is too weak` });
    const error = toGateError(raw, { operation: 'resetPassword', notFound: 'user', secrets: [secret] });
    expect(error.code).toBe('ERR_IDP_BAD_REQUEST');
    expect(JSON.stringify(error.details)).not.toContain(secret);
    expect(error.message).not.toContain(secret);
    const thrown = toGateError(new TypeError(`fetch failed for ${secret}`), {
      operation: 'x',
      secrets: [secret],
    });
    expect(`${thrown.message}${JSON.stringify(thrown.details)}`).not.toContain(secret);
  });
});
