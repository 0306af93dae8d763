import { appendRecord, createSecret, isGateError } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { resolveSecrets } from './config/secrets.js';
import { createLogger } from './log.js';

/** One table of keys, run through the audit chain, the logger and the configuration: one rule, one answer. */
const KEYS: readonly (readonly [key: string, secret: boolean])[] = [
  ['password', true],
  ['passwd', true],
  ['apiToken', true],
  ['clientSecret', true],
  ['hookSecret', true],
  ['privateKey', true],
  ['gatePrivateKey', true],
  ['x-api-key', true],
  ['temporaryAccessPass', true],
  ['oneTimeCode', true],
  ['recoveryCodes', true],
  ['tac', true],
  ['otp', true],
  ['pin', true],
  ['certificate', true],
  ['clientState', true],
  ['clientAssertion', true],
  ['authorization', true],
  ['cookie', true],
  ['signature', true],
  ['credential', true],
  ['token', true],
  ['tokenId', false],
  ['credentialId', false],
  ['credentialKind', false],
  ['codeSentAt', false],
  ['tokenCount', false],
  ['keyId', false],
  ['secretName', false],
  ['reset', false],
  ['step', false],
  ['outcome', false],
  ['bypassed', false],
  ['passed', false],
  ['userId', false],
];

const VALUE = 'hunter2-value';

function auditRefuses(data: Record<string, unknown>): boolean {
  try {
    appendRecord(null, { type: 't', caseId: null, actor: null, data: data as never }, '2026-12-01T00:00:00Z');
    return false;
  } catch (error) {
    if (isGateError(error, 'ERR_AUDIT_SECRET')) return true;
    throw error;
  }
}

function logRedacts(fields: Record<string, unknown>): boolean {
  const lines: string[] = [];
  createLogger({ write: (line) => lines.push(line) }).info('m', fields);
  return !(lines[0] ?? '').includes(VALUE) && (lines[0] ?? '').includes('[redacted]');
}

function configRefuses(key: string, value: unknown): boolean {
  const { issues } = resolveSecrets({ providers: { okta: { [key]: value } } }, {});
  return issues.some((issue) => issue.code === 'ERR_CONFIG_INLINE_SECRET');
}

describe('the one secret rule', () => {
  it.each(KEYS)('%s: audit, logger and config agree (secret: %s)', (key, secret) => {
    expect(auditRefuses({ [key]: VALUE })).toBe(secret);
    expect(auditRefuses({ nested: [{ [key]: VALUE }] })).toBe(secret);
    expect(logRedacts({ [key]: VALUE })).toBe(secret);
    expect(configRefuses(key, VALUE)).toBe(secret);
  });

  it.each([
    ['a string', VALUE, true],
    ['a number (a PIN)', 123456, true],
    ['a list holding a string', [VALUE], true],
    ['a boolean', true, false],
    ['null', null, false],
    ['a stable code', 'EVIDENCE_MISSING', false],
    ['an empty string', '', false],
  ])('under a secret key, %s is a secret value: %s', (_, value, secret) => {
    expect(auditRefuses({ password: value })).toBe(secret);
    expect(configRefuses('password', value)).toBe(secret);
    const lines: string[] = [];
    createLogger({ write: (line) => lines.push(line) }).info('m', { password: value });
    expect(JSON.parse(lines[0] ?? '{}').password).toEqual(secret ? '[redacted]' : value);
  });

  it('a Secret is refused and redacted under any key', () => {
    expect(auditRefuses({ anything: createSecret(VALUE) })).toBe(true);
    expect(logRedacts({ anything: createSecret(VALUE) })).toBe(true);
  });

  it('a step result that names what was reset is not a secret', () => {
    expect(auditRefuses({ step: 'reset', result: { reset: 'password' } })).toBe(false);
    // The shape every password reset used to write, refused (ERR_AUDIT_SECRET) after the IdP had reset it.
    expect(auditRefuses({ result: { password: 'reset' } })).toBe(true);
  });
});
