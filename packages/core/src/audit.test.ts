import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditEntry, type AuditRecord, appendRecord, GENESIS_HASH, verifyChain } from './audit.js';
import { canonicalJson } from './canonical-json.js';
import { isGateError } from './errors.js';
import { createSecret } from './secret.js';
import { isSecretKey } from './secret-rule.js';

const T0 = Date.parse('2026-03-10T12:00:00.000Z');
const at = (i: number): string => new Date(T0 + i * 1000).toISOString();

function chain(length: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let i = 0; i < length; i += 1) {
    const entry: AuditEntry = {
      type: 'case.transition',
      caseId: 'c1',
      actor: 'gate',
      data: { step: i, to: 'held' },
    };
    records.push(appendRecord(records[i - 1] ?? null, entry, at(i)));
  }
  return records;
}

function codeOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    return isGateError(error) ? error.code : 'not a GateError';
  }
}

describe('canonicalJson', () => {
  it('sorts keys and drops whitespace and undefined members', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: { z: 1, y: 2 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"d":{"y":2,"z":1}}',
    );
  });

  it('is the same for any key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('refuses values JSON cannot carry', () => {
    expect(codeOf(() => canonicalJson({ n: Number.NaN }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => canonicalJson({ d: new Date(0) }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => canonicalJson({ f: () => 1 }))).toBe('ERR_INPUT_INVALID');
  });
});

describe('audit chain', () => {
  it('links records by hash from the genesis hash', () => {
    const records = chain(3);
    expect(records.map((record) => record.seq)).toEqual([1, 2, 3]);
    expect(records[0]?.prevHash).toBe(GENESIS_HASH);
    expect(records[1]?.prevHash).toBe(records[0]?.hash);
    expect(records[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyChain(records)).toEqual({ ok: true });
    expect(verifyChain([])).toEqual({ ok: true });
  });

  it('names the first tampered record', () => {
    const records = chain(5);
    const tampered = records.map((record) =>
      record.seq === 3 ? { ...record, data: { ...record.data, to: 'completed' } } : record,
    );
    expect(verifyChain(tampered)).toEqual({ ok: false, firstBadSeq: 3, reason: 'tampered' });
  });

  it('detects a record rewritten with a fresh hash by the broken link after it', () => {
    const records = chain(4);
    const forged = { ...(records[1] as AuditRecord), actor: 'mallory' };
    const { hash: _old, ...body } = forged;
    const rehashed = appendRecord(records[0] ?? null, { ...body }, body.at);
    const result = verifyChain([
      records[0] as AuditRecord,
      rehashed,
      records[2] as AuditRecord,
      records[3] as AuditRecord,
    ]);
    expect(result).toEqual({ ok: false, firstBadSeq: 3, reason: 'tampered' });
  });

  it('names the first missing record', () => {
    const records = chain(5);
    expect(verifyChain(records.filter((record) => record.seq !== 2))).toEqual({
      ok: false,
      firstBadSeq: 2,
      reason: 'missing',
    });
    expect(verifyChain(records.slice(1))).toEqual({ ok: false, firstBadSeq: 1, reason: 'missing' });
  });

  it('catches truncation at the end against a known head', () => {
    const records = chain(5);
    const head = { seq: 5, hash: (records[4] as AuditRecord).hash };
    expect(verifyChain(records, { head })).toEqual({ ok: true });
    expect(verifyChain(records.slice(0, 3), { head })).toEqual({
      ok: false,
      firstBadSeq: 4,
      reason: 'missing',
    });
  });

  it('names reordered records', () => {
    const records = chain(4);
    const swapped = [records[0], records[2], records[1], records[3]] as AuditRecord[];
    expect(verifyChain(swapped)).toEqual({ ok: false, firstBadSeq: 2, reason: 'reordered' });
  });

  it('finds any single-field change anywhere in a chain', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.nat(),
        fc.string({ minLength: 1 }),
        (length, pick, text) => {
          const records = chain(length);
          const index = pick % length;
          const target = records[index] as AuditRecord;
          const changed = { ...target, type: `${target.type}${text}` };
          const copy = records.map((record, i) => (i === index ? changed : record));
          expect(verifyChain(copy)).toEqual({ ok: false, firstBadSeq: index + 1, reason: 'tampered' });
        },
      ),
    );
  });

  it('refuses a Secret anywhere in the data with ERR_AUDIT_SECRET, without the value in the message', () => {
    const entry = {
      type: 'credential.issued',
      caseId: 'c1',
      actor: 'gate',
      data: { nested: [{ value: createSecret('hunter2') }] },
    };
    try {
      appendRecord(null, entry as unknown as AuditEntry, at(0));
      expect.unreachable();
    } catch (error) {
      expect(isGateError(error, 'ERR_AUDIT_SECRET')).toBe(true);
      expect(String(error)).not.toContain('hunter2');
      expect((error as Error).message).toContain('data.nested[0].value');
    }
  });

  it.each([
    { password: 'hunter2' },
    { tap: 'Xy7!abcd' },
    { temporaryAccessPass: 'Xy7!abcd' },
    { oneTimeCode: '123456' },
    { apiKey: 'k' },
    { hookSecret: 's' },
    { credential: { token: 'abc' } },
    { codes: ['123456'] },
  ])('refuses secret-like keys with string values: %j', (data) => {
    expect(codeOf(() => appendRecord(null, { type: 't', caseId: null, actor: null, data }, at(0)))).toBe(
      'ERR_AUDIT_SECRET',
    );
  });

  it('accepts metadata about secrets and stable codes', () => {
    const data = {
      credentialKind: 'entra_tap',
      tokenCount: 2,
      credentialId: 'tap-1',
      code: 'EVIDENCE_MISSING',
      denyReasons: [{ code: 'APPROVAL_DENIED', message: 'mgr denied it' }],
      singleUse: true,
    };
    const record = appendRecord(null, { type: 'case.decided', caseId: 'c1', actor: 'gate', data }, at(0));
    expect(record.data).toEqual(data);
    expect(isSecretKey('password')).toBe(true);
    expect(isSecretKey('tokenId')).toBe(false);
  });

  it('refuses an invalid time', () => {
    expect(
      codeOf(() => appendRecord(null, { type: 't', caseId: null, actor: null, data: {} }, 'yesterday')),
    ).toBe('ERR_INPUT_INVALID');
  });
});
