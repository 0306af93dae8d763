import { describe, expect, it } from 'vitest';
import { decide } from './decide.js';
import { loadPolicyYaml } from './load.js';
import type { Authenticator, Capabilities } from './port.js';
import { CAPABILITIES } from './port.js';
import { unsupportedEvidenceIssues } from './schema/capability-checks.js';
import { daysAgo, ev, facts, NOW, PUSH, request } from './test-support.js';

// The IdP's own recovery codes next to the gate's: either kind may be named, each counted by its own rules.
const policy = loadPolicyYaml(`
version: 1
subjects:
  admins: { risk: 50, match: { adminRole: "*" } }
  staff: { risk: 0, match: always }
tiers:
  EITHER:
    evidence: { anyOf: [idp_recovery_code, oidc_step_up, { allOf: [idp_recovery_code, phone_otp] }] }
    freshness: { channelMinAge: 7d }
  TWO_INDEPENDENT:
    evidence: { atLeast: 2, of: [recovery_code, idp_recovery_code, phone_otp], independentChannels: true }
matrix:
  mfa_reset: { staff: EITHER, admins: EITHER }
  password_reset: { staff: TWO_INDEPENDENT, admins: TWO_INDEPENDENT }
`);

const codesMadeAt = (enrolledAt: string | null): Authenticator => ({
  id: 'kc-codes',
  kind: 'recovery_codes',
  label: null,
  enrolledAt,
  status: 'active',
  supportsDeviceChallenge: false,
});
const withCodes = (enrolledAt: string | null, more: Parameters<typeof facts>[0] = {}) =>
  facts({ authenticators: [PUSH, codesMadeAt(enrolledAt)], ...more });
const signedInWithCode = () => ev('idp_recovery_code', 1, { authenticatorId: 'kc-codes' });
const codes = (list: readonly { code: string }[]): string[] => list.map((item) => item.code);

describe('decide: the IdP-native recovery code (idp_recovery_code)', () => {
  it('counts for a standard subject when the set on file is older than the channel age', () => {
    const result = decide(
      policy,
      request('mfa_reset'),
      withCodes(daysAgo(30)),
      [signedInWithCode()],
      [],
      NOW,
    );
    expect(result.outcome).toBe('satisfied');
    expect(result.ignored).toEqual([]);
  });

  it('does not count when the set was created within the channel age, or when is unknown', () => {
    for (const made of [daysAgo(2), null]) {
      const result = decide(policy, request('mfa_reset'), withCodes(made), [signedInWithCode()], [], NOW);
      expect(result.outcome).toBe('pending');
      expect(codes(result.ignored)).toEqual(['RECOVERY_CODES_TOO_NEW']);
    }
  });

  it('does not count without the recovery-codes credential on file (gone, replaced, or not named)', () => {
    const cases = [
      { subject: facts(), evidence: signedInWithCode() },
      { subject: withCodes(daysAgo(30)), evidence: ev('idp_recovery_code') },
      { subject: withCodes(daysAgo(30)), evidence: ev('idp_recovery_code', 1, { authenticatorId: PUSH.id }) },
    ];
    for (const { subject, evidence } of cases) {
      const result = decide(policy, request('mfa_reset'), subject, [evidence], [], NOW);
      expect(result.outcome).toBe('pending');
      expect(codes(result.ignored)).toEqual(['AUTHENTICATOR_UNKNOWN']);
    }
  });

  it('never counts alone for a privileged subject, nor together with a gate code', () => {
    const admin = withCodes(daysAgo(30), { adminRoles: ['realm-admin'] });
    const alone = decide(policy, request('mfa_reset'), admin, [signedInWithCode()], [], NOW);
    expect(alone.outcome).toBe('pending');
    expect(codes(alone.ignored)).toContain('RECOVERY_CODE_ALONE');
    const withPhone = decide(
      policy,
      request('mfa_reset'),
      admin,
      [signedInWithCode(), ev('phone_otp')],
      [],
      NOW,
    );
    expect(withPhone.outcome).toBe('satisfied');
  });

  it("the gate's code and the IdP's code are one independent source, not two", () => {
    const subject = withCodes(daysAgo(30));
    const both = decide(
      policy,
      request('password_reset'),
      subject,
      [ev('recovery_code'), signedInWithCode()],
      [],
      NOW,
    );
    expect(both.outcome).toBe('pending');
    const withPhone = decide(
      policy,
      request('password_reset'),
      subject,
      [signedInWithCode(), ev('phone_otp')],
      [],
      NOW,
    );
    expect(withPhone.outcome).toBe('satisfied');
  });
});

describe('unsupportedEvidenceIssues: a tier naming idp_recovery_code needs every configured IdP to declare it', () => {
  const declaring = (supported: boolean): Capabilities =>
    Object.fromEntries(CAPABILITIES.map((c) => [c, { supported, note: `${c} note` }])) as Capabilities;

  it('refuses it for an IdP that does not declare idp_recovery_codes, naming the tier, the IdP and why', () => {
    const issues = unsupportedEvidenceIssues(
      policy.tiers,
      new Map([
        ['keycloak', declaring(true)],
        ['okta', declaring(false)],
      ]),
    );
    expect(issues.map((i) => i.path.join('.'))).toEqual([
      'tiers.EITHER.evidence',
      'tiers.TWO_INDEPENDENT.evidence',
    ]);
    expect(issues[0]?.message).toMatch(
      /^ERR_POLICY_UNSUPPORTED_EVIDENCE: tier "EITHER" names idp_recovery_code, which okta cannot/,
    );
    expect(issues[0]?.message).toContain('idp_recovery_codes note');
  });

  it('accepts it where every IdP declares it; unknown capabilities fail closed', () => {
    expect(unsupportedEvidenceIssues(policy.tiers, new Map([['keycloak', declaring(true)]]))).toEqual([]);
    expect(unsupportedEvidenceIssues(policy.tiers, new Map([['keycloak', undefined]]))).toHaveLength(2);
  });
});
