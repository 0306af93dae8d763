import { describe, expect, it } from 'vitest';
import { decide } from './decide.js';
import { loadPolicyYaml } from './load.js';
import { approval, ev, facts, NOW, request } from './test-support.js';

// One tier for everyone that a saved recovery code alone would satisfy: only the subject's privilege differs.
const policy = loadPolicyYaml(`
version: 1
subjects:
  admins: { risk: 50, match: { adminRole: "*" } }
  staff: { risk: 0, match: always }
tiers:
  CODE_OR_MORE:
    evidence: { anyOf: [recovery_code, device_challenge, { allOf: [phone_otp, manager_approval] }] }
  CODE_ONLY:
    evidence: recovery_code
matrix:
  mfa_reset: { staff: CODE_OR_MORE, admins: CODE_OR_MORE }
  password_reset: { staff: CODE_ONLY, admins: CODE_ONLY }
`);

const codes = (list: readonly { code: string }[]): string[] => list.map((item) => item.code);

describe('decide: a saved recovery code for a privileged subject', () => {
  it('counts alone where the tier says so for a standard subject', () => {
    const result = decide(policy, request('mfa_reset'), facts(), [ev('recovery_code')], [], NOW);
    expect(result.outcome).toBe('satisfied');
    expect(result.ignored).toEqual([]);
  });

  it('never counts alone for an admin, whatever the tier says', () => {
    const admin = facts({ adminRoles: ['SUPER_ADMIN'] });
    for (const action of ['mfa_reset', 'password_reset'] as const) {
      const result = decide(
        policy,
        request(action),
        admin,
        [ev('recovery_code'), ev('recovery_code', 2)],
        [],
        NOW,
      );
      expect(result.outcome).toBe('pending');
      expect(codes(result.ignored)).toEqual(['RECOVERY_CODE_ALONE', 'RECOVERY_CODE_ALONE']);
    }
  });

  it('treats unreadable admin roles, an eligible role or a protected unit as privileged (fail closed)', () => {
    const subjects = [
      facts({ adminRoles: null }),
      facts({
        adminRoleGrants: [{ role: 'Global Administrator', state: 'eligible', via: null, scope: 'tenant' }],
      }),
      facts({ protectedUnit: true }),
    ];
    for (const subject of subjects) {
      const result = decide(policy, request('mfa_reset'), subject, [ev('recovery_code')], [], NOW);
      expect(result.outcome).not.toBe('satisfied');
      expect(codes(result.ignored)).toContain('RECOVERY_CODE_ALONE');
    }
  });

  it('counts for an admin only when the way the tier is met uses more than the code', () => {
    const admin = facts({ adminRoles: ['SUPER_ADMIN'] });
    // A phone code beside it does not help: the tier would still rest on the code alone.
    const withOtp = decide(
      policy,
      request('mfa_reset'),
      admin,
      [ev('recovery_code'), ev('phone_otp')],
      [],
      NOW,
    );
    expect(withOtp.outcome).toBe('pending');
    expect(codes(withOtp.ignored)).toEqual(['RECOVERY_CODE_ALONE']);
    const full = decide(
      policy,
      request('mfa_reset'),
      admin,
      [ev('recovery_code'), ev('phone_otp')],
      [approval('mgr', 'manager')],
      NOW,
    );
    expect(full.outcome).toBe('satisfied');
    expect(full.ignored).toEqual([]);
  });

  it('does not let evidence of a kind the tier never names keep a lone code counting', () => {
    const admin = facts({ adminRoles: ['SUPER_ADMIN'] });
    const result = decide(
      policy,
      request('password_reset'),
      admin,
      [ev('recovery_code'), ev('idv_ial2')],
      [],
      NOW,
    );
    expect(result.outcome).toBe('pending');
    expect(codes(result.ignored)).toEqual(['RECOVERY_CODE_ALONE']);
  });
});

describe('decide: a code beside other evidence for a privileged subject', () => {
  const both = loadPolicyYaml(`
version: 1
subjects:
  admins: { risk: 50, match: { adminRole: "*" } }
  staff: { risk: 0, match: always }
tiers:
  TWO: { evidence: { atLeast: 2, of: [recovery_code, device_challenge, phone_otp], independentChannels: true } }
matrix:
  mfa_reset: { staff: TWO, admins: TWO }
`);
  it('counts a code with a device proof where the tier asks for two', () => {
    const admin = facts({ adminRoles: ['SUPER_ADMIN'] });
    const result = decide(
      both,
      request('mfa_reset'),
      admin,
      [ev('recovery_code'), ev('device_challenge')],
      [],
      NOW,
    );
    expect(result.outcome).toBe('satisfied');
  });
});
