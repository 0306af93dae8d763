import type { Channel } from '@recovery-gate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog, verifyAudit } from '../audit/index.js';
import { silentLogger } from '../log.js';
import { GATE_MIGRATIONS } from '../store/migrations.js';
import { BACKENDS, type TestLocation, testLocation } from '../testing/stores.js';
import type { Notification, Store } from '../types.js';
import { DEFAULT_HASH_COST, formatCode, hashCode, matchesHash, normalizeCode } from './hash.js';
import { createRecoveryCodes, type RecoveryCodes, type RecoveryCodesOptions } from './service.js';

const CHANNELS: Channel[] = [
  {
    id: 'phone:mobile',
    kind: 'phone',
    value: '+15550101',
    lastChangedAt: null,
    verified: true,
    isAccountMailbox: false,
  },
  {
    id: 'email:primary',
    kind: 'email',
    value: 'alice@example.com',
    lastChangedAt: null,
    verified: true,
    isAccountMailbox: true,
  },
];
const ALICE = { idp: 'okta' as const, subjectId: 'u-alice', channels: CHANNELS };
// A low scrypt cost keeps the tests fast; the stored parameters say which cost each hash used.
const FAST = { log2N: 10, r: 8, p: 1 };
const OPTIONS: RecoveryCodesOptions = {
  count: 6,
  length: 16,
  attemptsPerCase: 4,
  attemptsPerSubject: 7,
  subjectWindowMs: 24 * 3_600_000,
  hashCost: FAST,
};

describe('recovery code hashing', () => {
  it('reads what people type: case, spaces, dashes and Crockford look-alikes; refuses other lengths and letters', () => {
    expect(normalizeCode('abcd-efgh-jkmn-pqrs', 16)).toBe('ABCDEFGHJKMNPQRS');
    expect(normalizeCode(' 0o1i l000 0000 0000 ', 16)).toBe('0011100000000000');
    expect(normalizeCode('ABCD-EFGH-JKMN-PQR', 16)).toBeNull();
    expect(normalizeCode('ABCD-EFGH-JKMN-PQRU', 16)).toBeNull();
    expect(normalizeCode('<script>alert(1)</script>', 16)).toBeNull();
  });

  it('stores a salted scrypt hash with its parameters, at the default cost, and matches only the code', async () => {
    const code = { reveal: () => 'ABCDEFGHJKMNPQRS' } as Parameters<typeof hashCode>[0];
    const one = await hashCode(code);
    const two = await hashCode(code);
    expect(one.startsWith(`scrypt$${DEFAULT_HASH_COST.log2N}$8$1$`)).toBe(true);
    expect(one).not.toBe(two);
    expect(one).not.toContain('ABCDEFGHJKMNPQRS');
    expect(await matchesHash('ABCDEFGHJKMNPQRS', one)).toBe(true);
    expect(await matchesHash('ABCDEFGHJKMNPQRT', one)).toBe(false);
    expect(await matchesHash('ABCDEFGHJKMNPQRS', 'scrypt$99$8$1$AA$AA')).toBe(false);
  });
});

describe.each(BACKENDS)('recovery codes on %s', { timeout: 120_000 }, (backend) => {
  let location: TestLocation;
  let store: Store;
  let sent: Notification[];
  let types: string[];
  let codes: RecoveryCodes;
  const clock = { now: new Date('2026-06-01T10:00:00Z') };

  beforeEach(async () => {
    clock.now = new Date('2026-06-01T10:00:00Z');
    location = await testLocation(backend);
    store = await location.open();
    await store.migrate(GATE_MIGRATIONS);
    sent = [];
    types = [];
    const chain = createAuditLog(store, () => clock.now);
    const audit = {
      async append(entry: Parameters<typeof chain.append>[0], tx?: Parameters<typeof chain.append>[1]) {
        await chain.append(entry, tx);
        types.push(entry.type);
      },
    };
    codes = createRecoveryCodes(
      {
        store,
        audit,
        logger: silentLogger,
        now: () => clock.now,
        notifier: { send: async (n) => void sent.push(n) },
      },
      OPTIONS,
    );
  });
  afterEach(async () => {
    await store.close();
    await location.cleanup();
  });

  const told = (subject: string) => sent.filter((n) => n.subject === subject).map((n) => n.to);
  const everyChannel = CHANNELS.map((ch) => ({ kind: ch.kind, address: ch.value }));

  it('issues the configured number of codes of the configured length, stores none of them, and tells every channel', async () => {
    const issued = await codes.issue(ALICE, { actor: 'u-alice', reason: 'request', caseId: null });
    const plain = issued.codes.map((c) => c.reveal());
    expect(plain).toHaveLength(6);
    expect(new Set(plain).size).toBe(6);
    for (const code of plain) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(formatCode(issued.codes[0] as (typeof issued.codes)[0])).toMatch(/^(\w{4}-){3}\w{4}$/);
    // Nothing the store holds, the audit chain included, nor any notice, contains a code.
    const everything = JSON.stringify([
      await store.query('SELECT * FROM recovery_codes'),
      await store.query('SELECT * FROM recovery_code_sets'),
      await store.query('SELECT * FROM audit_records'),
      sent,
    ]);
    for (const code of plain) {
      expect(everything).not.toContain(code);
      expect(everything).not.toContain(
        formatCode(issued.codes[plain.indexOf(code)] as (typeof issued.codes)[0]),
      );
    }
    expect(told('New recovery codes for your account')).toEqual(everyChannel);
    expect(types).toEqual(['recovery_codes.issued']);
    expect(await codes.status('okta', 'u-alice')).toMatchObject({ total: 6, remaining: 6 });
  });

  it('a code works once: the reuse, a wrong code and a malformed one are refused', async () => {
    const { codes: list } = await codes.issue(ALICE, { actor: 'u-alice', reason: 'request', caseId: null });
    const first = (list[0] as (typeof list)[0]).reveal();
    expect(await codes.attempt(ALICE, 'case-1', first.toLowerCase().replace(/(.{4})/g, '$1 '))).toBe(
      'accepted',
    );
    expect(told('A recovery code was used')).toEqual(everyChannel);
    expect(await codes.attempt(ALICE, 'case-1', first)).toBe('rejected');
    expect(await codes.attempt(ALICE, 'case-1', 'ZZZZZZZZZZZZZZZZ')).toBe('rejected');
    expect(await codes.attempt(ALICE, 'case-2', "'; DROP TABLE recovery_codes; --")).toBe('rejected');
    expect(await codes.status('okta', 'u-alice')).toMatchObject({ total: 6, remaining: 5 });
    expect(types).toEqual([
      'recovery_codes.issued',
      'recovery_codes.used',
      'recovery_codes.refused',
      'recovery_codes.refused',
      'recovery_codes.refused',
    ]);
    // The records went into the real hash chain, which still verifies.
    expect((await verifyAudit(store)).ok).toBe(true);
    // Another subject's live set does not answer for alice's codes.
    const bob = { ...ALICE, subjectId: 'u-bob' };
    const second = (list[1] as (typeof list)[0]).reveal();
    expect(await codes.attempt(bob, 'case-3', second)).toBe('rejected');
  });

  it('a new set voids the old one, and voiding leaves none; the subject is told each time', async () => {
    const old = await codes.issue(ALICE, { actor: 'u-alice', reason: 'recovery', caseId: 'case-0' });
    const fresh = await codes.issue(ALICE, { actor: 'u-alice', reason: 'request', caseId: null });
    const oldCode = (old.codes[0] as (typeof old.codes)[0]).reveal();
    expect(await codes.attempt(ALICE, 'case-1', oldCode)).toBe('rejected');
    expect(
      sent.find(
        (n) => n.subject === 'New recovery codes for your account' && n.text.includes('no longer work'),
      ),
    ).toBeDefined();
    expect(await codes.void(ALICE, 'u-alice')).toBe(true);
    expect(told('Your recovery codes were voided')).toEqual(everyChannel);
    expect(await codes.attempt(ALICE, 'case-1', (fresh.codes[0] as (typeof fresh.codes)[0]).reveal())).toBe(
      'rejected',
    );
    expect(await codes.void(ALICE, 'u-alice')).toBe(false);
    expect(await codes.status('okta', 'u-alice')).toBeNull();
    expect(types.filter((t) => t === 'recovery_codes.voided')).toHaveLength(2);
  });

  it('brute force: the per-case limit holds even for the right code, and the subject is told once', async () => {
    const { codes: list } = await codes.issue(ALICE, { actor: 'u-alice', reason: 'request', caseId: null });
    for (let i = 0; i < 4; i += 1)
      expect(await codes.attempt(ALICE, 'case-1', `WRONG${i}WRONGWRONGW`)).toBe('rejected');
    const right = (list[0] as (typeof list)[0]).reveal();
    expect(await codes.attempt(ALICE, 'case-1', right)).toBe('limited');
    expect(await codes.attempt(ALICE, 'case-1', right)).toBe('limited');
    // Each refused try asks again; the outbox sends one idempotency key once, so each channel hears it once.
    const limited = sent.filter((n) => n.subject === 'Too many recovery codes tried');
    expect(new Set(limited.map((n) => n.idempotencyKey)).size).toBe(2);
    expect(new Set(limited.map((n) => JSON.stringify(n.to)))).toEqual(
      new Set(everyChannel.map((to) => JSON.stringify(to))),
    );
    expect(types.filter((t) => t === 'recovery_codes.limited')).toHaveLength(2);
    // The code was never compared, so it still works for another case.
    expect(await codes.attempt(ALICE, 'case-2', right)).toBe('accepted');
  });

  it('brute force across cases: the per-subject limit holds until its window ends', async () => {
    const { codes: list } = await codes.issue(ALICE, { actor: 'u-alice', reason: 'request', caseId: null });
    for (let i = 0; i < 7; i += 1) await codes.attempt(ALICE, `case-${i}`, 'ZZZZZZZZZZZZZZZZ');
    const right = (list[0] as (typeof list)[0]).reveal();
    expect(await codes.attempt(ALICE, 'case-new', right)).toBe('limited');
    const notice = sent.find((n) => n.subject === 'Too many recovery codes tried');
    expect(notice?.text).toContain('until 2026-06-02T10:00:00.000Z');
    // A refused try took nothing from the new case: after the window it has all its tries.
    clock.now = new Date(clock.now.getTime() + 24 * 3_600_000 + 1);
    expect(await codes.attempt(ALICE, 'case-new', right)).toBe('accepted');
  });

  it('parallel tries: 30 at once take no more than the limit, and the right code sent 5 times is spent once', async () => {
    const { codes: list } = await codes.issue(ALICE, { actor: 'u-alice', reason: 'request', caseId: null });
    const wrong = await Promise.all(
      Array.from({ length: 30 }, () => codes.attempt(ALICE, 'case-x', 'ZZZZZZZZZZZZZZZZ')),
    );
    expect(wrong.filter((o) => o === 'rejected')).toHaveLength(4);
    expect(wrong.filter((o) => o === 'limited')).toHaveLength(26);
    const right = (list[0] as (typeof list)[0]).reveal();
    const same = await Promise.all(
      Array.from({ length: 3 }, (_, i) => codes.attempt(ALICE, `case-p${i}`, right)),
    );
    expect(same.filter((o) => o === 'accepted')).toHaveLength(1);
  });
});
