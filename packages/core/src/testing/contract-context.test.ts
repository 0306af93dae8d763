import { describe, expect, it } from 'vitest';
import { GateError } from '../errors.js';
import type { Channel, SubjectFacts } from '../port.js';
import { deliveryChannel, expectGateError, skipNote, stableFacts, timeOf } from './contract-context.js';

const channel = (over: Partial<Channel>): Channel => ({
  id: 'email:primary',
  kind: 'email',
  value: 'alice@example.com',
  lastChangedAt: null,
  verified: true,
  isAccountMailbox: true,
  ...over,
});

const facts = (channels: Channel[] | null): SubjectFacts => ({
  idp: 'okta',
  userId: 'u1',
  login: 'alice@example.com',
  displayName: null,
  status: 'active',
  groups: [],
  adminRoles: [],
  attributes: {},
  manager: null,
  sponsor: null,
  authenticators: [],
  channels,
  protectedUnit: null,
  readAt: '2026-01-01T00:00:00.000Z',
});

describe('contract helpers', () => {
  it('skipNote names the reason only when the test is skipped', () => {
    expect(skipNote(true, 'no clock')).toBe(' (skipped: no clock)');
    expect(skipNote(false, 'no clock')).toBe('');
  });

  it('timeOf parses ISO timestamps and fails the test on anything else', () => {
    expect(timeOf('2026-01-31T00:00:00Z', 'contractEnd')).toBe(Date.UTC(2026, 0, 31));
    expect(() => timeOf('soon', 'contractEnd')).toThrow(/contractEnd must be an ISO timestamp/);
    expect(() => timeOf(null, 'contractEnd')).toThrow(/contractEnd must be set/);
  });

  it('deliveryChannel prefers a verified email that is not the account mailbox', () => {
    const own = channel({});
    const personal = channel({ id: 'email:personal', value: 'alice@example.net', isAccountMailbox: false });
    const unverified = channel({ id: 'email:other', isAccountMailbox: false, verified: false });
    expect(deliveryChannel(facts([own, unverified, personal]))?.id).toBe('email:personal');
    expect(deliveryChannel(facts([own, unverified]))?.id).toBe('email:other');
    expect(deliveryChannel(facts([own]))?.id).toBe('email:primary');
    expect(deliveryChannel(facts(null))).toBeUndefined();
  });

  it('stableFacts drops only the read time', () => {
    const a = facts([]);
    const b = { ...a, readAt: '2027-01-01T00:00:00.000Z' };
    expect(stableFacts(a)).toEqual(stableFacts(b));
    expect(stableFacts({ ...b, status: 'locked' })).not.toEqual(stableFacts(a));
  });

  it('expectGateError passes on the right code and fails on a wrong code or a success', async () => {
    const refused = Promise.reject(new GateError('ERR_UNSUPPORTED'));
    expect((await expectGateError(refused, 'ERR_UNSUPPORTED')).message).toBe(
      'The IdP adapter does not support this capability.',
    );
    await expect(
      expectGateError(Promise.reject(new GateError('ERR_IDP_FORBIDDEN')), 'ERR_UNSUPPORTED'),
    ).rejects.toThrow();
    await expect(expectGateError(Promise.resolve('done'), 'ERR_UNSUPPORTED')).rejects.toThrow(
      /call succeeded/,
    );
    await expect(expectGateError(Promise.reject(new Error('plain')), 'ERR_UNSUPPORTED')).rejects.toThrow();
  });
});
