import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baselinePolicy } from './baseline.js';
import { classifySubject } from './classify.js';
import { decide, isExecutable } from './decide.js';
import type { Decision, RecoveryRequest } from './decision-types.js';
import {
  APPROVAL_ROLES,
  type Approval,
  BANNED_EVIDENCE_KINDS,
  EVIDENCE_KINDS,
  type Evidence,
} from './evidence.js';
import { RECOVERY_ACTIONS, type SubjectFacts } from './port.js';
import { classRisks, tierStrictness } from './ranking.js';
import { ago, daysAgo, facts, MAILBOX, NOW, PHONE, PUSH } from './test-support.js';

const PEOPLE = ['sam', 'agent', 'mgr', 'sponsor', 'officer', 'sec1', 'sec2', 'ic1', 'ic2'] as const;
const GROUPS = ['Everyone', 'Finance', 'Executives', 'Tier0-Admins'] as const;

const factsArb: fc.Arbitrary<SubjectFacts> = fc
  .record({
    groups: fc.option(fc.subarray([...GROUPS]), { nil: null }),
    adminRoles: fc.constantFrom(null, [], ['Super Administrator']),
    employeeType: fc.constantFrom(undefined, null, 'employee', 'contractor'),
    contractEnd: fc.constantFrom(undefined, null, '2027-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
    sponsor: fc.boolean(),
    status: fc.constantFrom('active', 'active', 'locked', 'suspended', 'disabled', 'unknown'),
    phoneAgeDays: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
  })
  .map((raw) => {
    const attributes: Record<string, string | null> = {};
    if (raw.employeeType !== undefined) attributes.employeeType = raw.employeeType;
    if (raw.contractEnd !== undefined) attributes.contractEnd = raw.contractEnd;
    return facts({
      groups: raw.groups,
      adminRoles: raw.adminRoles,
      attributes,
      status: raw.status as SubjectFacts['status'],
      sponsor: raw.sponsor ? { id: 'sponsor', login: null, displayName: null } : null,
      channels: [
        { ...PHONE, lastChangedAt: raw.phoneAgeDays === null ? null : daysAgo(raw.phoneAgeDays) },
        MAILBOX,
      ],
    });
  });

const evidenceArb: fc.Arbitrary<Evidence> = fc.record({
  kind: fc.constantFrom(...EVIDENCE_KINDS, ...BANNED_EVIDENCE_KINDS),
  at: fc.integer({ min: -2, max: 90 }).map(ago),
  by: fc.constantFrom(null, ...PEOPLE),
  channelId: fc.constantFrom(null, PHONE.id, MAILBOX.id),
  authenticatorId: fc.constantFrom(null, PUSH.id),
});

/** Evidence as an honest gate would record it, so that generated cases often reach satisfied. */
const plausibleEvidenceArb: fc.Arbitrary<Evidence> = fc
  .record({
    kind: fc.constantFrom(...EVIDENCE_KINDS),
    at: fc.integer({ min: 0, max: 14 }).map(ago),
    person: fc.constantFrom('mgr', 'sponsor', 'officer', 'sec1', 'sec2'),
  })
  .map(({ kind, at, person }) => ({
    kind,
    at,
    by: ['device_challenge', 'oidc_step_up', 'phone_otp', 'recovery_code', 'idv_ial2'].includes(kind)
      ? 'sam'
      : person,
    channelId: kind === 'phone_otp' ? PHONE.id : null,
    authenticatorId: kind === 'device_challenge' ? PUSH.id : null,
  }));

const someEvidenceArb = fc.oneof(
  { arbitrary: plausibleEvidenceArb, weight: 4 },
  { arbitrary: evidenceArb, weight: 1 },
);
const someFactsArb = fc.oneof(
  { arbitrary: fc.constant(facts()), weight: 2 },
  { arbitrary: fc.constant(facts({ groups: ['Finance'] })), weight: 1 },
  { arbitrary: factsArb, weight: 2 },
);

const approvalArb = (decision: fc.Arbitrary<Approval['decision']>): fc.Arbitrary<Approval> =>
  fc.record({
    approverId: fc.constantFrom(...PEOPLE),
    role: fc.constantFrom(...APPROVAL_ROLES),
    decision,
    at: fc.integer({ min: -2, max: 600 }).map(ago),
    reason: fc.constant('ok'),
  });

const requestArb: fc.Arbitrary<RecoveryRequest> = fc.record({
  action: fc.constantFrom(...RECOVERY_ACTIONS),
  subjectId: fc.constant('sam'),
  requesterId: fc.constantFrom('agent', 'agent', null),
  origin: fc.constantFrom('native_console', 'api', 'self_service'),
  requestedAt: fc.integer({ min: 0, max: 200 }).map(ago),
});

const RANK = { denied: 0, pending: 1, satisfied: 2 } as const;
const strictness = tierStrictness(baselinePolicy);
const risks = classRisks(baselinePolicy);

function strict(decision: Decision): number {
  return strictness.get(decision.tier ?? '') ?? -1;
}

describe('decide: properties', () => {
  it('more evidence or approvals never lower the outcome, nor delay notBefore', () => {
    let satisfied = 0;
    fc.assert(
      fc.property(
        requestArb,
        someFactsArb,
        fc.array(someEvidenceArb, { maxLength: 5 }),
        fc.array(approvalArb(fc.constantFrom('approve', 'approve', 'deny')), { maxLength: 4 }),
        fc.array(someEvidenceArb, { maxLength: 4 }),
        fc.array(approvalArb(fc.constant('approve')), { maxLength: 4 }),
        (req, subject, evidence, approvals, moreEvidence, moreApprovals) => {
          const base = decide(baselinePolicy, req, subject, evidence, approvals, NOW);
          const more = decide(
            baselinePolicy,
            req,
            subject,
            [...evidence, ...moreEvidence],
            [...approvals, ...moreApprovals],
            NOW,
          );
          expect(more.tier).toBe(base.tier);
          if (base.outcome === 'denied') expect(more.outcome).toBe('denied');
          else expect(RANK[more.outcome]).toBeGreaterThanOrEqual(RANK[base.outcome]);
          if (more.outcome === 'satisfied') satisfied += 1;
          if (base.notBefore !== null && more.notBefore !== null) {
            expect(Date.parse(more.notBefore)).toBeLessThanOrEqual(Date.parse(base.notBefore));
          }
        },
      ),
      { numRuns: 400 },
    );
    // The generators must reach satisfied decisions, or the property says little.
    expect(satisfied).toBeGreaterThan(5);
  });

  it('a riskier subject never gets a lower tier', () => {
    fc.assert(
      fc.property(fc.constantFrom(...RECOVERY_ACTIONS), factsArb, factsArb, (action, a, b) => {
        const req: RecoveryRequest = {
          action,
          subjectId: 'sam',
          requesterId: 'agent',
          origin: 'api',
          requestedAt: ago(1),
        };
        const da = decide(baselinePolicy, req, a, [], [], NOW);
        const db = decide(baselinePolicy, req, b, [], [], NOW);
        const ra = risks.get(da.subjectClass ?? '') ?? -1;
        const rb = risks.get(db.subjectClass ?? '') ?? -1;
        if (ra > rb) expect(strict(da)).toBeGreaterThanOrEqual(strict(db));
        if (rb > ra) expect(strict(db)).toBeGreaterThanOrEqual(strict(da));
      }),
    );
  });

  it('unknown facts and extra groups never lower the subject class', () => {
    fc.assert(
      fc.property(factsArb, fc.subarray([...GROUPS]), (subject, extra) => {
        const risk = (f: SubjectFacts | null) =>
          risks.get(classifySubject(baselinePolicy, f).subjectClass ?? '') ?? -1;
        const base = risk(subject);
        expect(risk({ ...subject, groups: null })).toBeGreaterThanOrEqual(base);
        expect(risk({ ...subject, adminRoles: null })).toBeGreaterThanOrEqual(base);
        expect(risk({ ...subject, groups: [...(subject.groups ?? []), ...extra] })).toBeGreaterThanOrEqual(
          subject.groups === null ? -1 : base,
        );
        expect(risk(null)).toBeGreaterThanOrEqual(base);
      }),
    );
  });

  it('one person never satisfies two approvals', () => {
    const admin = facts({
      adminRoles: ['Super Administrator'],
      manager: { id: 'p', login: null, displayName: null },
    });
    const finance = facts({ groups: ['Finance'], manager: { id: 'p', login: null, displayName: null } });
    const onePerson = fc.array(
      fc.record({
        approverId: fc.constant('p'),
        role: fc.constantFrom(...APPROVAL_ROLES),
        decision: fc.constant('approve' as const),
        at: fc.integer({ min: 0, max: 30 }).map(ago),
        reason: fc.constant('ok'),
      }),
      { maxLength: 8 },
    );
    const personEvidence = fc.array(
      fc.record({
        kind: fc.constantFrom(
          'manager_approval',
          'security_team_approval',
          'second_agent_approval',
          'supervised_proofing',
        ),
        at: fc.integer({ min: 0, max: 9 }).map(ago),
        by: fc.constant('p'),
        channelId: fc.constant(null),
      }),
      { maxLength: 4 },
    ) as fc.Arbitrary<Evidence[]>;
    fc.assert(
      fc.property(
        fc.constantFrom('mfa_reset', 'password_reset', 'authenticator_rebind') as fc.Arbitrary<
          RecoveryRequest['action']
        >,
        onePerson,
        personEvidence,
        (action, approvals, evidence) => {
          const req: RecoveryRequest = {
            action,
            subjectId: 'sam',
            requesterId: 'agent',
            origin: 'api',
            requestedAt: ago(40),
          };
          // T4 needs an officer and two security approvers; T3 needs one strong proof besides p.
          expect(decide(baselinePolicy, req, admin, evidence, approvals, NOW).outcome).not.toBe('satisfied');
          const withOneProof = [
            ...evidence,
            { kind: 'recovery_code', at: ago(1), by: 'sam', channelId: null } as Evidence,
          ];
          expect(decide(baselinePolicy, req, finance, withOneProof, approvals, NOW).outcome).not.toBe(
            'satisfied',
          );
        },
      ),
    );
  });

  it('is deterministic, and the order of inputs does not change the outcome', () => {
    fc.assert(
      fc.property(
        requestArb,
        factsArb,
        fc.array(evidenceArb, { maxLength: 6 }),
        fc.array(approvalArb(fc.constantFrom('approve', 'approve', 'deny')), { maxLength: 4 }),
        (req, subject, evidence, approvals) => {
          const first = decide(baselinePolicy, req, subject, evidence, approvals, NOW);
          expect(decide(baselinePolicy, req, subject, evidence, approvals, NOW)).toEqual(first);
          const reversed = decide(
            baselinePolicy,
            req,
            subject,
            [...evidence].reverse(),
            [...approvals].reverse(),
            NOW,
          );
          expect([reversed.outcome, reversed.notBefore, reversed.tier]).toEqual([
            first.outcome,
            first.notBefore,
            first.tier,
          ]);
        },
      ),
    );
  });

  it('a satisfied case with a hold is not executable before notBefore', () => {
    const held = [facts({ groups: ['Finance'] }), facts({ adminRoles: ['Super Administrator'] })];
    const heldEvidence = fc
      .array(
        fc.record({
          kind: fc.constantFrom('phone_otp', 'recovery_code', 'idv_ial2', 'supervised_proofing'),
          at: fc.integer({ min: 0, max: 14 }).map(ago),
          by: fc.constant('officer'),
          channelId: fc.constant(null),
        }),
        { maxLength: 4 },
      )
      .map((list) =>
        list.map(
          (item): Evidence => ({
            ...item,
            kind: item.kind as Evidence['kind'],
            by: item.kind === 'supervised_proofing' ? 'officer' : 'sam',
            channelId: item.kind === 'phone_otp' ? PHONE.id : null,
          }),
        ),
      );
    const securityApprovals = fc.array(
      fc.record({
        approverId: fc.constantFrom('sec1', 'sec2', 'sec3'),
        role: fc.constant('security_team' as const),
        decision: fc.constant('approve' as const),
        at: fc.integer({ min: 0, max: 120 }).map(ago),
        reason: fc.constant('ok'),
      }),
      { maxLength: 3 },
    );
    let satisfiedWithHold = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1),
        heldEvidence,
        securityApprovals,
        fc.integer({ min: 1, max: 4 * 3_600_000 }),
        (which, evidence, approvals, early) => {
          const req: RecoveryRequest = {
            action: 'mfa_reset',
            subjectId: 'sam',
            requesterId: 'agent',
            origin: 'api',
            requestedAt: ago(150),
          };
          const decision = decide(baselinePolicy, req, held[which] as SubjectFacts, evidence, approvals, NOW);
          if (decision.outcome !== 'satisfied') return;
          expect(decision.requirements?.hold).not.toBeNull();
          satisfiedWithHold += 1;
          const notBefore = Date.parse(decision.notBefore as string);
          expect(isExecutable(decision, new Date(notBefore - early).toISOString())).toBe(false);
          expect(isExecutable(decision, new Date(notBefore).toISOString())).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    expect(satisfiedWithHold).toBeGreaterThan(10);
  });
});
