import { describe, expect, it } from 'vitest';
import type { ReqNode } from './compile.js';
import type { Piece } from './pieces.js';
import { SEARCH_BUDGET, satisfiedAt, satisfies } from './satisfy.js';
import { describeRequirement } from './unmet.js';

const leaf = (kind: Piece['kind']): ReqNode => ({ t: 'leaf', kind });
const piece = (kind: Piece['kind'], at: number, channel: string, person: string | null = null): Piece => ({
  kind,
  at,
  channel,
  person,
});

describe('satisfies', () => {
  const twoIndependent: ReqNode = {
    t: 'least',
    n: 2,
    children: [leaf('phone_otp'), leaf('device_challenge'), leaf('recovery_code')],
    indep: true,
  };

  it('needs distinct channels inside an independent clause only', () => {
    const sameDevice = [piece('phone_otp', 1, 'device:1'), piece('device_challenge', 2, 'device:1')];
    expect(satisfies(twoIndependent, sameDevice)).toBe(false);
    expect(satisfies({ ...twoIndependent, indep: false }, sameDevice)).toBe(true);
    expect(satisfies(twoIndependent, [...sameDevice, piece('recovery_code', 3, 'recovery_code')])).toBe(true);
  });

  it('uses each person once across the whole requirement', () => {
    const node: ReqNode = {
      t: 'all',
      children: [leaf('security_team_approval'), leaf('security_team_approval')],
      indep: false,
    };
    expect(
      satisfies(node, [
        piece('security_team_approval', 1, 'person:a', 'a'),
        piece('security_team_approval', 2, 'person:a', 'a'),
      ]),
    ).toBe(false);
    expect(
      satisfies(node, [
        piece('security_team_approval', 1, 'person:a', 'a'),
        piece('security_team_approval', 2, 'person:b', 'b'),
      ]),
    ).toBe(true);
  });

  it('backtracks: a person needed elsewhere is not used up by a greedy choice', () => {
    const node: ReqNode = {
      t: 'all',
      children: [
        { t: 'any', children: [leaf('manager_approval'), leaf('second_agent_approval')], indep: false },
        leaf('security_team_approval'),
      ],
      indep: false,
    };
    const pieces = [
      piece('manager_approval', 1, 'person:x', 'x'),
      piece('security_team_approval', 1, 'person:x', 'x'),
      piece('second_agent_approval', 1, 'person:y', 'y'),
    ];
    expect(satisfies(node, pieces)).toBe(true);
  });

  it('finds the earliest completion time', () => {
    const pieces = [
      piece('phone_otp', 50, 'phone'),
      piece('device_challenge', 10, 'push'),
      piece('recovery_code', 20, 'rc'),
    ];
    expect(satisfiedAt(twoIndependent, pieces)).toBe(20);
    expect(satisfiedAt(twoIndependent, pieces.slice(0, 1))).toBeNull();
    expect(satisfiedAt({ t: 'all', children: [], indep: false }, [])).toBe(Number.NEGATIVE_INFINITY);
  });

  it('stays bounded (and fails closed) on an adversarial input', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      piece('security_team_approval', i, `person:${i}`, `p${i}`),
    );
    const node: ReqNode = {
      t: 'all',
      children: [...Array.from({ length: 6 }, () => leaf('security_team_approval')), leaf('idv_ial2')],
      indep: false,
    };
    const started = performance.now();
    // Without the budget this explores 40*39*...*35 combinations before failing.
    expect(satisfies(node, many)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(SEARCH_BUDGET).toBe(50_000);
  });

  it('describes requirements for humans', () => {
    expect(describeRequirement(twoIndependent)).toBe(
      'at least 2 of (phone_otp, device_challenge, recovery_code) over independent channels',
    );
  });
});
