import { describe, expect, it } from 'vitest';
import { baselinePolicy } from './baseline.js';
import { decide, isExecutable } from './decide.js';
import type { RecoveryRequest } from './decision-types.js';
import type { Approval, Evidence } from './evidence.js';
import type { SubjectFacts } from './port.js';
import { ago, approval, ev, facts, NOW, request } from './test-support.js';

const ADMIN = facts({ adminRoles: ['Super Administrator'] });
const CONTRACTOR = facts({
  attributes: { employeeType: 'contractor', contractEnd: '2026-12-31T00:00:00Z' },
  sponsor: { id: 'sponsor', login: null, displayName: null },
});

function run(
  req: RecoveryRequest,
  subject: SubjectFacts | null,
  evidence: readonly Evidence[] = [],
  approvals: readonly Approval[] = [],
  now = NOW,
) {
  return decide(baselinePolicy, req, subject, evidence, approvals, now);
}

const codes = (list: readonly { code: string }[]): string[] => list.map((item) => item.code);

describe('decide: people', () => {
  it('ignores approvals by the requester or the subject, and reports them', () => {
    const result = run(
      request('mfa_reset'),
      facts({ manager: { id: 'agent', login: null, displayName: null } }),
      [ev('phone_otp')],
      [approval('agent', 'manager'), approval('sam', 'second_agent')],
    );
    expect(result.outcome).toBe('pending');
    expect(codes(result.ignored).sort()).toEqual(['PERSON_IS_REQUESTER', 'PERSON_IS_SUBJECT']);
  });

  it('counts one approval per person: dual control needs two people', () => {
    const evidence = [ev('supervised_proofing', 30)];
    const twice = run(request('mfa_reset'), ADMIN, evidence, [
      approval('sec1', 'security_team', 20),
      approval('sec1', 'security_team', 10),
    ]);
    expect(twice).toMatchObject({ tier: 'T4', outcome: 'pending' });
    expect(codes(twice.ignored)).toEqual(['APPROVER_DUPLICATE']);
    expect(codes(twice.unmet)).toEqual(['APPROVAL_MISSING']);
    const two = run(request('mfa_reset'), ADMIN, evidence, [
      approval('sec1', 'security_team', 20),
      approval('sec2', 'security_team', 10),
    ]);
    expect(two.outcome).toBe('satisfied');
  });

  it('does not let the proofing officer also count as a security approver', () => {
    const evidence = [ev('supervised_proofing', 30, { by: 'sec1' })];
    const result = run(request('mfa_reset'), ADMIN, evidence, [
      approval('sec1', 'security_team', 20),
      approval('sec2', 'security_team', 10),
    ]);
    expect(result.outcome).toBe('pending');
  });

  it('does not let the requester verify identity when verifierIsNotExecutor', () => {
    const result = run(request('mfa_reset'), ADMIN, [ev('supervised_proofing', 30, { by: 'agent' })]);
    expect(codes(result.ignored)).toEqual(['VERIFIER_IS_EXECUTOR']);
  });

  it('ignores an approval with a role it does not know', () => {
    const odd = { ...approval('ic1', 'security_team'), role: 'toString' } as unknown as Approval;
    const result = run(request('emergency_access'), facts(), [], [odd]);
    expect(codes(result.ignored)).toEqual(['APPROVAL_ROLE_UNKNOWN']);
  });

  it('denies when any approver denies', () => {
    const result = run(
      request('mfa_reset'),
      facts(),
      [ev('phone_otp'), ev('recovery_code')],
      [approval('mgr', 'manager', 1, 'deny')],
    );
    expect(result.outcome).toBe('denied');
    expect(codes(result.denyReasons)).toEqual(['APPROVAL_DENIED']);
    expect(result.notBefore).toBeNull();
  });

  it('denies an agent recovering their own account, and an unknown requester', () => {
    expect(codes(run(request('password_reset', { requesterId: 'sam' }), facts()).denyReasons)).toEqual([
      'REQUESTER_IS_SUBJECT',
    ]);
    expect(codes(run(request('password_reset', { requesterId: null }), facts()).denyReasons)).toEqual([
      'REQUESTER_UNKNOWN',
    ]);
  });

  it('accepts a self-service request by the subject', () => {
    const result = run(request('password_reset', { origin: 'self_service', requesterId: null }), facts(), [
      ev('oidc_step_up'),
    ]);
    expect(result.outcome).toBe('satisfied');
  });
});

describe('decide: unknown facts resolve to the riskier answer', () => {
  it('treats unreadable groups or roles as possibly privileged', () => {
    for (const subject of [facts({ groups: null }), facts({ adminRoles: null })]) {
      const result = run(request('password_reset'), subject, [ev('device_challenge')]);
      expect(result).toMatchObject({ subjectClass: 'privileged', tier: 'T4', outcome: 'pending' });
      expect(result.classification.certain).toBe(false);
    }
  });

  it('denies when the facts cannot be read, naming the strictest tier', () => {
    const result = run(request('password_reset'), null, [ev('device_challenge')]);
    expect(result).toMatchObject({
      outcome: 'denied',
      subjectClass: 'privileged',
      tier: 'T4',
      requirements: null,
    });
    expect(codes(result.denyReasons)).toEqual(['FACTS_UNREADABLE']);
  });

  it.each(['disabled', 'deprovisioned', 'unknown', 'staged'] as const)(
    'denies an account that is %s',
    (status) => {
      const result = run(request('password_reset'), facts({ status }), [ev('device_challenge')]);
      expect(codes(result.denyReasons)).toEqual(['ACCOUNT_INACTIVE']);
    },
  );

  it('denies facts about another user', () => {
    expect(codes(run(request('password_reset'), facts({ userId: 'other' })).denyReasons)).toEqual([
      'SUBJECT_MISMATCH',
    ]);
  });
});

describe('decide: contractors', () => {
  const ok = [ev('phone_otp')];
  const sponsorOk = [approval('sponsor', 'sponsor')];

  it('needs an active contract and the sponsor’s approval', () => {
    expect(run(request('password_reset'), CONTRACTOR, ok)).toMatchObject({
      tier: 'CONTRACTOR',
      outcome: 'pending',
    });
    expect(run(request('password_reset'), CONTRACTOR, ok, sponsorOk).outcome).toBe('satisfied');
    const wrong = run(request('password_reset'), CONTRACTOR, ok, [approval('mgr', 'sponsor')]);
    expect(codes(wrong.ignored)).toEqual(['APPROVER_NOT_SPONSOR']);
  });

  it.each([
    ['expired', '2026-01-01T00:00:00Z', 'CONTRACT_EXPIRED'],
    ['unknown', null, 'CONTRACT_UNKNOWN'],
    ['unreadable', 'soon', 'CONTRACT_UNKNOWN'],
    // 12 May in a DD/MM locale; Date.parse read it as 5 December, a future date.
    ['written in a locale format', '12/05/2026', 'CONTRACT_UNKNOWN'],
    ['a time without its zone', '2026-12-31T00:00:00', 'CONTRACT_UNKNOWN'],
    ['a day that does not exist', '2026-02-30', 'CONTRACT_UNKNOWN'],
    ['written in words', 'December 31, 2026', 'CONTRACT_UNKNOWN'],
  ])('denies a contract that is %s', (_label, contractEnd, code) => {
    const subject = facts({ ...CONTRACTOR, attributes: { employeeType: 'contractor', contractEnd } });
    expect(codes(run(request('password_reset'), subject, ok, sponsorOk).denyReasons)).toEqual([code]);
  });

  it('reads contract ends in the format the policy names, and nothing else', () => {
    const dated = (contractEnd: string) =>
      facts({ ...CONTRACTOR, attributes: { employeeType: 'contractor', contractEnd } });
    const ddmm = { ...baselinePolicy, dateFormat: 'dd/mm/yyyy' as const };
    const deny = (subject: SubjectFacts) =>
      codes(decide(ddmm, request('password_reset'), subject, ok, sponsorOk, NOW).denyReasons);
    expect(deny(dated('12/01/2026'))).toEqual(['CONTRACT_EXPIRED']);
    expect(deny(dated('31/12/2026'))).toEqual([]);
    expect(deny(dated('2026-12-31'))).toEqual(['CONTRACT_UNKNOWN']);
  });

  it('denies a contractor without a sponsor', () => {
    expect(
      codes(run(request('password_reset'), { ...CONTRACTOR, sponsor: null }, ok, sponsorOk).denyReasons),
    ).toEqual(['SPONSOR_MISSING']);
  });

  it('applies the contractor checks to a contractor in a riskier class, and to an unknown employee type', () => {
    const inFinance = {
      ...CONTRACTOR,
      groups: ['Finance'],
      attributes: { employeeType: 'contractor', contractEnd: null },
    };
    const result = run(request('password_reset'), inFinance);
    expect(result.subjectClass).toBe('finance');
    expect(codes(result.denyReasons)).toEqual(['CONTRACT_UNKNOWN']);
    const unknownType = run(request('password_reset'), facts({ attributes: { employeeType: null } }), [
      ev('device_challenge'),
    ]);
    expect(unknownType).toMatchObject({ subjectClass: 'contractor', outcome: 'denied' });
  });
});

describe('decide: holds and notBefore', () => {
  const finance = facts({ groups: ['Finance'] });
  const evidence = [ev('phone_otp', 12), ev('recovery_code', 8)];

  it('sets notBefore to the last required arrival plus the hold', () => {
    const result = run(request('mfa_reset', { requestedAt: ago(30) }), finance, evidence, [
      approval('sec1', 'security_team', 3),
    ]);
    expect(result).toMatchObject({ tier: 'T3', outcome: 'satisfied' });
    expect(result.notBefore).toBe(new Date(Date.parse(ago(3)) + 3_600_000).toISOString());
    expect(result.requirements?.hold).toEqual({ durationSeconds: 3600, notice: true, cancelLink: true });
    expect(isExecutable(result, NOW)).toBe(false);
    expect(isExecutable(result, result.notBefore as string)).toBe(true);
  });

  it('keeps evidence valid through the hold (freshness is extended by the hold)', () => {
    const later = new Date(Date.parse(NOW) + 3_600_000).toISOString();
    const result = run(
      request('mfa_reset', { requestedAt: ago(30) }),
      finance,
      evidence,
      [approval('sec1', 'security_team', 3)],
      later,
    );
    expect(result.outcome).toBe('satisfied');
    expect(isExecutable(result, later)).toBe(true);
  });

  it('never makes a pending or denied decision executable', () => {
    const pending = run(request('mfa_reset'), finance, evidence);
    expect(pending.outcome).toBe('pending');
    expect(isExecutable(pending, '2099-01-01T00:00:00Z')).toBe(false);
  });
});

describe('decide: break-glass', () => {
  const req = request('emergency_access', { requestedAt: ago(30) });

  it('needs two authorizers, sets review required, and closes after the window', () => {
    const one = run(req, ADMIN, [], [approval('ic1', 'break_glass_authorizer', 10)]);
    expect(one).toMatchObject({ tier: 'BREAK_GLASS', outcome: 'pending' });
    expect(codes(one.unmet)).toEqual(['AUTHORIZATION_MISSING']);
    const two = run(
      req,
      ADMIN,
      [],
      [approval('ic1', 'break_glass_authorizer', 10), approval('ic2', 'break_glass_authorizer', 5)],
    );
    expect(two.outcome).toBe('satisfied');
    expect(two.requirements).toMatchObject({
      breakGlass: true,
      review: 'required',
      windowEndsAt: new Date(Date.parse(ago(30)) + 7_200_000).toISOString(),
    });
    const late = run(
      request('emergency_access', { requestedAt: ago(150) }),
      ADMIN,
      [],
      [approval('ic1', 'break_glass_authorizer', 10), approval('ic2', 'break_glass_authorizer', 5)],
    );
    expect(codes(late.denyReasons)).toEqual(['BREAK_GLASS_WINDOW_CLOSED']);
    expect(isExecutable(two, NOW)).toBe(true);
    expect(isExecutable(two, two.requirements?.windowEndsAt as string)).toBe(true);
    expect(
      isExecutable(two, new Date(Date.parse(two.requirements?.windowEndsAt as string) + 1).toISOString()),
    ).toBe(false);
  });

  it('counts only configured people as authorizers, and authorizers nowhere else', () => {
    const policy = {
      ...baselinePolicy,
      tiers: {
        ...baselinePolicy.tiers,
        BREAK_GLASS: { ...baselinePolicy.tiers.BREAK_GLASS, authorizers: [{ person: 'ic1' }] },
      },
    } as typeof baselinePolicy;
    const result = decide(
      policy,
      req,
      ADMIN,
      [],
      [approval('ic1', 'break_glass_authorizer'), approval('ic9', 'break_glass_authorizer')],
      NOW,
    );
    expect(codes(result.ignored)).toEqual(['APPROVER_NOT_AUTHORIZER']);
    const elsewhere = run(
      request('password_reset'),
      facts(),
      [],
      [approval('ic1', 'break_glass_authorizer')],
    );
    expect(codes(elsewhere.ignored)).toEqual(['APPROVER_NOT_AUTHORIZER']);
  });
});

describe('decide: unmet explanations', () => {
  it('names what is missing with stable codes', () => {
    const result = run(request('mfa_reset'), ADMIN);
    expect(result.unmet).toEqual([
      { code: 'EVIDENCE_MISSING', message: 'needs supervised_proofing; nothing counts yet' },
      {
        code: 'APPROVAL_MISSING',
        message: 'needs 2 security_team approval(s) from distinct people; 0 counted',
      },
    ]);
  });
});
