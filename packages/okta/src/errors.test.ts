import { GateError } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { toGateError } from './index.js';

function oktaError(status: number, errorCode: string, errorSummary: string) {
  return Object.assign(new Error(`Okta HTTP ${status}`), {
    name: 'OktaApiError',
    status,
    errorCode,
    errorSummary,
    errorId: 'oae123',
  });
}

describe('toGateError', () => {
  it.each([
    [404, 'E0000007', 'user', 'ERR_USER_NOT_FOUND'],
    [404, 'E0000007', 'group', 'ERR_GROUP_NOT_FOUND'],
    [404, 'E0000007', 'conflict', 'ERR_IDP_CONFLICT'],
    [404, 'E0000007', 'other', 'ERR_IDP_BAD_REQUEST'],
    [401, 'E0000011', 'other', 'ERR_IDP_UNAUTHORIZED'],
    [403, 'E0000006', 'other', 'ERR_IDP_FORBIDDEN'],
    [403, 'E0000032', 'user', 'ERR_IDP_CONFLICT'],
    [409, 'E0000090', 'other', 'ERR_IDP_CONFLICT'],
    [429, 'E0000047', 'other', 'ERR_IDP_RATE_LIMITED'],
    [500, 'E0000009', 'other', 'ERR_IDP_UNAVAILABLE'],
    [400, 'E0000001', 'other', 'ERR_IDP_BAD_REQUEST'],
  ] as const)(
    "maps HTTP %i %s (%s) to %s, keeping Okta's codes in details and the raw error as cause",
    (status, code, subject, expected) => {
      const raw = oktaError(status, code, 'Some summary');
      const error = toGateError(raw, { operation: 'op', notFound: subject });
      expect(error).toBeInstanceOf(GateError);
      expect(error.code).toBe(expected);
      expect(error.details).toMatchObject({
        status,
        errorCode: code,
        errorId: 'oae123',
        errorSummary: 'Some summary',
        op: 'op',
      });
      expect(error.cause).toBe(raw);
    },
  );

  it('drops an errorSummary that contains a secret', () => {
    const error = toGateError(oktaError(400, 'E0000001', 'Api validation failed: value abc-SECRET-xyz'), {
      operation: 'op',
      secrets: ['abc-SECRET-xyz'],
    });
    expect(error.details.errorSummary).toBeNull();
    expect(JSON.stringify(error.details) + error.message).not.toContain('abc-SECRET-xyz');
  });

  it('maps transport failures to ERR_IDP_UNAVAILABLE and passes GateErrors through', () => {
    const timeout = Object.assign(new Error('network timeout'), {
      name: 'FetchError',
      type: 'request-timeout',
    });
    expect(toGateError(timeout, { operation: 'op' }).code).toBe('ERR_IDP_UNAVAILABLE');
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toGateError(refused, { operation: 'op' }).details).toMatchObject({ transport: 'ECONNREFUSED' });
    const original = new GateError('ERR_INPUT_INVALID');
    expect(toGateError(original, { operation: 'op' })).toBe(original);
    expect(toGateError('weird', { operation: 'op' }).code).toBe('ERR_IDP_RESPONSE_INVALID');
  });
});
