import { describe, expect, it } from 'vitest';
import { baselinePolicy } from './baseline.js';
import { decide } from './decide.js';
import { loadPolicyYaml } from './load.js';
import { ago, approval, daysAgo, ev, facts, NOW, PUSH, request } from './test-support.js';

const codes = (list: readonly { code: string }[]): string[] => list.map((item) => item.code);

const policy = loadPolicyYaml(`
version: 1
subjects:
  staff: { match: { group: Staff }, require: [manager] }
tiers:
  STRICT:
    evidence: { anyOf: [device_challenge, supervised_proofing] }
    approvals: [{ role: second_agent }]
    freshness: { authenticatorMinAge: 7d, approvalMaxAge: 1h }
matrix:
  password_reset: { staff: STRICT }
`);

describe('decide: edge rules', () => {
  it('ignores an authenticator bound more recently than authenticatorMinAge, or at an unknown time', () => {
    for (const enrolledAt of [daysAgo(2), null]) {
      const subject = facts({ groups: ['Staff'], authenticators: [{ ...PUSH, enrolledAt }] });
      const result = decide(policy, request('password_reset'), subject, [ev('device_challenge')], [], NOW);
      expect(codes(result.ignored)).toEqual(['AUTHENTICATOR_TOO_NEW']);
    }
  });

  it('ignores attested evidence that names nobody, approvals past approvalMaxAge, and unreadable times', () => {
    const subject = facts({ groups: ['Staff'] });
    const result = decide(
      policy,
      request('password_reset'),
      subject,
      [ev('supervised_proofing', 1, { by: null }), ev('device_challenge', 1, { at: 'yesterday' })],
      [approval('helper', 'second_agent', 61)],
      NOW,
    );
    expect(codes(result.ignored)).toEqual([
      'EVIDENCE_PERSON_MISSING',
      'EVIDENCE_TIME_INVALID',
      'APPROVAL_STALE',
    ]);
    expect(result.outcome).toBe('pending');
    const ok = decide(
      policy,
      request('password_reset'),
      subject,
      [ev('device_challenge')],
      [approval('helper', 'second_agent', 59)],
      NOW,
    );
    expect(ok.outcome).toBe('satisfied');
  });

  it('denies a class that requires a manager when none is on file', () => {
    const result = decide(
      policy,
      request('password_reset'),
      facts({ groups: ['Staff'], manager: null }),
      [],
      [],
      NOW,
    );
    expect(codes(result.denyReasons)).toEqual(['MANAGER_MISSING']);
  });

  it('denies a subject no class matches', () => {
    const result = decide(policy, request('password_reset'), facts({ groups: ['Other'] }), [], [], NOW);
    expect(result).toMatchObject({ outcome: 'denied', subjectClass: null, tier: null });
    expect(codes(result.denyReasons)).toEqual(['NO_SUBJECT_CLASS']);
  });

  it('denies a self-service request that names another requester', () => {
    const req = request('password_reset', { origin: 'self_service', requesterId: 'agent' });
    expect(codes(decide(baselinePolicy, req, facts(), [], [], NOW).denyReasons)).toEqual(['REQUEST_INVALID']);
  });

  it('starts the hold no earlier than the request', () => {
    const finance = facts({ groups: ['Finance'] });
    const req = request('mfa_reset', { requestedAt: ago(2) });
    const result = decide(
      baselinePolicy,
      req,
      finance,
      [ev('phone_otp', 9), ev('recovery_code', 8)],
      [approval('sec1', 'security_team', 7)],
      NOW,
    );
    expect(result.notBefore).toBe(new Date(Date.parse(ago(2)) + 3_600_000).toISOString());
  });
});
