import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGateError } from '../errors.js';
import { parsePolicy, readConfigIssues } from '../load.js';

const base = {
  version: 1,
  subjects: { admins: { match: { group: 'Admins' } }, everyone: { match: 'always' } },
  tiers: { LIGHT: { evidence: 'device_challenge' }, HEAVY: { evidence: 'supervised_proofing' } },
  matrix: { password_reset: { admins: 'HEAVY', everyone: 'LIGHT' } },
};

function issuesOf(value: unknown): { path: string; message: string }[] {
  try {
    parsePolicy(value);
  } catch (error) {
    if (isGateError(error, 'ERR_CONFIG_INVALID'))
      return readConfigIssues(error).map(({ path, message }) => ({ path, message }));
    throw error;
  }
  return [];
}

describe('policySchema cross-field checks', () => {
  it('accepts a monotone matrix', () => {
    expect(issuesOf(base)).toEqual([]);
  });

  it('refuses giving a riskier class a less strict tier, by declaration order or explicit risk and rank', () => {
    const swapped = { ...base, matrix: { password_reset: { admins: 'LIGHT', everyone: 'HEAVY' } } };
    expect(issuesOf(swapped)[0]?.path).toBe('matrix.password_reset.admins');
    const ranked = {
      ...swapped,
      tiers: {
        LIGHT: { evidence: 'device_challenge', rank: 9 },
        HEAVY: { evidence: 'supervised_proofing', rank: 1 },
      },
    };
    expect(issuesOf(ranked)).toEqual([]);
    const risked = {
      ...swapped,
      subjects: { admins: { risk: 1, match: { group: 'Admins' } }, everyone: { risk: 2, match: 'always' } },
    };
    expect(issuesOf(risked)).toEqual([]);
  });

  it('refuses risk on some classes only', () => {
    const mixed = {
      ...base,
      subjects: { admins: { risk: 5, match: { group: 'Admins' } }, everyone: { match: 'always' } },
    };
    expect(issuesOf(mixed)).toEqual([
      { path: 'subjects', message: 'give risk on every subject class or on none' },
    ]);
  });

  it('refuses break-glass pieces outside a break-glass tier, and half a break-glass tier', () => {
    const tiers = {
      ...base.tiers,
      BG: { authorizers: [{ person: 'ic1' }] },
      ODD: { evidence: 'device_challenge', approvals: [{ role: 'break_glass_authorizer' }] },
    };
    const paths = issuesOf({ ...base, tiers }).map((issue) => issue.path);
    expect(paths).toEqual(['tiers.BG.window', 'tiers.ODD.approvals[0].role']);
  });

  it('refuses a role listed twice, and caps on freshness, hold and window', () => {
    const tiers = {
      ...base.tiers,
      X: {
        evidence: 'device_challenge',
        approvals: [{ role: 'manager' }, { role: 'manager' }],
        freshness: { evidenceMaxAge: '2d', approvalMaxAge: '8d' },
        hold: { duration: '8d' },
      },
      BG: { authorizers: [{ group: 'IC' }], window: '2d' },
    };
    expect(issuesOf({ ...base, tiers }).map((issue) => issue.path)).toEqual([
      'tiers.X.freshness.evidenceMaxAge',
      'tiers.X.freshness.approvalMaxAge',
      'tiers.X.hold.duration',
      'tiers.X.approvals[1].role',
      'tiers.BG.window',
    ]);
  });

  it('refuses unknown keys at every level', () => {
    expect(issuesOf({ ...base, extra: 1 })).toEqual([
      { path: '(root)', message: 'Unrecognized key: "extra"' },
    ]);
    const tiers = {
      ...base.tiers,
      LIGHT: { evidence: 'device_challenge', hold: { duration: '1h', cancel: true } },
    };
    expect(issuesOf({ ...base, tiers })).toEqual([
      { path: 'tiers.LIGHT.hold', message: 'Unrecognized key: "cancel"' },
    ]);
    expect(issuesOf({ ...base, matrix: { password_rest: {} } })[0]?.path).toBe('matrix');
  });
});

describe('policySchema: monotone matrix (property)', () => {
  it('accepts a row exactly when no riskier class gets a less strict tier', () => {
    const tiers = {
      A: { evidence: 'device_challenge' },
      B: { evidence: 'phone_otp' },
      C: { evidence: 'idv_ial2' },
    };
    const subjects = {
      high: { match: { group: 'H' } },
      mid: { match: { group: 'M' } },
      low: { match: 'always' },
    };
    const strictness = { A: 0, B: 1, C: 2 } as const;
    const tier = fc.constantFrom('A', 'B', 'C') as fc.Arbitrary<keyof typeof strictness>;
    fc.assert(
      fc.property(tier, tier, tier, (high, mid, low) => {
        const policy = { version: 1, subjects, tiers, matrix: { mfa_reset: { high, mid, low } } };
        const monotone = strictness[high] >= strictness[mid] && strictness[mid] >= strictness[low];
        expect(issuesOf(policy).length === 0).toBe(monotone);
      }),
    );
  });
});
