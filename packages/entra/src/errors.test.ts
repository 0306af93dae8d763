import { GraphError } from '@microsoft/microsoft-graph-client';
import { GateError } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { toGateError } from './errors.js';

function graphError(status: number, code: string): GraphError {
  const error = new GraphError(status, `Graph said ${code}`);
  error.code = code;
  error.requestId = 'req-1';
  return error;
}

describe('toGateError(error, context)', () => {
  it('maps a 404 by what it means for the call (notFound), and nothing special without it', () => {
    expect(
      toGateError(graphError(404, 'Request_ResourceNotFound'), { operation: 'read user', notFound: 'user' })
        .code,
    ).toBe('ERR_USER_NOT_FOUND');
    expect(toGateError(graphError(404, 'x'), { operation: 'read group', notFound: 'group' }).code).toBe(
      'ERR_GROUP_NOT_FOUND',
    );
    expect(toGateError(graphError(404, 'x'), { operation: 'add member', notFound: 'conflict' }).code).toBe(
      'ERR_IDP_CONFLICT',
    );
    expect(toGateError(graphError(404, 'x'), { operation: 'read' }).code).toBe('ERR_IDP_RESPONSE_INVALID');
    expect(toGateError(graphError(429, 'TooManyRequests'), { operation: 'read' }).code).toBe(
      'ERR_IDP_RATE_LIMITED',
    );
    expect(toGateError(graphError(403, 'Authorization_RequestDenied'), { operation: 'read' }).code).toBe(
      'ERR_IDP_FORBIDDEN',
    );
  });

  it('keeps the secrets of the context out of the message and details; the raw error stays the cause', () => {
    const secret = 'tap-Secret-123';
    const raw = graphError(400, `InvalidPass_${secret}`);
    const mapped = toGateError(raw, { operation: `issue ${secret}`, secrets: [secret] });
    expect(mapped.code).toBe('ERR_IDP_BAD_REQUEST');
    expect(mapped.message).not.toContain(secret);
    expect(JSON.stringify(mapped.details)).not.toContain(secret);
    expect(mapped.details).toMatchObject({ status: 400, requestId: 'req-1' });
    expect(mapped.cause).toBe(raw);
  });

  it('passes a GateError through unchanged', () => {
    const error = new GateError('ERR_UNSUPPORTED', 'no');
    expect(toGateError(error, { operation: 'x' })).toBe(error);
  });
});
