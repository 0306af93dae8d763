import type { NormalizedEvent } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { checkEvents } from './inbox.js';

const good: NormalizedEvent = {
  id: 'e1',
  idp: 'okta',
  kind: 'recovery_requested',
  sourceType: 'group.user_membership.add',
  occurredAt: '2026-12-04T10:00:00.000Z',
  actor: { id: 'u-frank', type: 'user', displayName: null },
  subject: { userId: 'u-alice', login: 'alice@example.com' },
  action: 'mfa_reset',
  authenticatorKind: null,
};

/** `good` with `path` (dotted) set to `value`, or removed when `value` is undefined. */
function withField(path: string, value: unknown): NormalizedEvent {
  const copy = structuredClone(good) as unknown as Record<string, Record<string, unknown>>;
  const [head, tail] = path.split('.') as [string, string | undefined];
  const target =
    tail === undefined ? (copy as Record<string, unknown>) : (copy[head] as Record<string, unknown>);
  const key = tail ?? head;
  if (value === undefined) delete target[key];
  else target[key] = value;
  return copy as unknown as NormalizedEvent;
}

describe('checkEvents: nothing unreadable enters the inbox', () => {
  it('passes well-formed events of the IdP, and names the one of another IdP', () => {
    expect(
      checkEvents('okta', [good, { ...good, id: 'e2', action: null, authenticatorKind: 'push' }]),
    ).toEqual([]);
    expect(checkEvents('entra', [good])).toEqual(['event 0: idp okta is not entra']);
  });

  it.each([
    ['id', ''],
    ['id', 'x'.repeat(513)],
    ['id', undefined],
    ['idp', 'okta2'],
    ['kind', ''],
    ['sourceType', 7],
    ['occurredAt', 'yesterday'],
    ['occurredAt', undefined],
    ['actor', null],
    ['actor', []],
    ['actor.id', null],
    ['actor.type', 'robot'],
    ['actor.displayName', undefined],
    ['subject', undefined],
    ['subject.userId', ''],
    ['subject.login', 3],
    ['action', undefined],
    ['authenticatorKind', 1],
  ])('refuses an event whose %s is %j, and says which event', (path, value) => {
    const problems = checkEvents('okta', [good, withField(path, value)]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^event 1: /);
  });

  it('refuses what is not an event object', () => {
    for (const bad of [null, [], 'event'])
      expect(checkEvents('okta', [bad as unknown as NormalizedEvent])).toHaveLength(1);
  });
});
