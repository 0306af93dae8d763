import { describe, expect, it } from 'vitest';
import { baselinePolicy } from './baseline.js';
import { classifySubject, matchSelector } from './classify.js';
import { loadPolicyYaml } from './load.js';
import { facts } from './test-support.js';

describe('classifySubject', () => {
  it('picks the riskiest class that matches', () => {
    expect(classifySubject(baselinePolicy, facts()).subjectClass).toBe('standard');
    expect(classifySubject(baselinePolicy, facts({ groups: ['finance'] })).subjectClass).toBe('finance');
    const both = classifySubject(baselinePolicy, facts({ groups: ['Finance', 'Executives'] }));
    expect(both).toEqual({
      subjectClass: 'executive',
      certain: true,
      unknownFacts: [],
      candidates: ['executive', 'finance', 'standard'],
    });
    expect(
      classifySubject(baselinePolicy, facts({ adminRoles: ['Helpdesk Administrator'] })).subjectClass,
    ).toBe('privileged');
    expect(classifySubject(baselinePolicy, facts({ groups: ['TIER0-ADMINS'] })).subjectClass).toBe(
      'privileged',
    );
  });

  it('marks unknown facts and picks the riskiest class that could match', () => {
    const result = classifySubject(baselinePolicy, facts({ attributes: { employeeType: null } }));
    expect(result).toMatchObject({
      subjectClass: 'contractor',
      certain: false,
      unknownFacts: ['attributes.employeeType'],
    });
    expect(classifySubject(baselinePolicy, null)).toMatchObject({
      subjectClass: 'privileged',
      certain: false,
      unknownFacts: ['facts'],
    });
  });

  it('treats an absent attribute as not set', () => {
    expect(classifySubject(baselinePolicy, facts({ attributes: {} })).subjectClass).toBe('standard');
  });

  it('returns no class when nothing matches', () => {
    const policy = loadPolicyYaml(`
version: 1
subjects: { admins: { match: { group: Admins } } }
tiers: { T: { evidence: device_challenge } }
matrix: { password_reset: { admins: T } }
`);
    expect(classifySubject(policy, facts())).toEqual({
      subjectClass: null,
      certain: false,
      unknownFacts: [],
      candidates: [],
    });
  });

  it('evaluates allOf, anyOf and attribute lists in three values', () => {
    const unknown = new Set<string>();
    const subject = facts({ groups: null, attributes: { dept: 'Sales', level: null } });
    expect(
      matchSelector({ allOf: [{ attribute: { dept: ['sales', 'ops'] } }, { group: 'X' }] }, subject, unknown),
    ).toBe('maybe');
    expect(matchSelector({ allOf: [{ attribute: { dept: 'hr' } }, { group: 'X' }] }, subject, unknown)).toBe(
      'no',
    );
    expect(
      matchSelector({ anyOf: [{ attribute: { dept: 'sales' } }, { group: 'X' }] }, subject, unknown),
    ).toBe('yes');
    expect(matchSelector({ attribute: { dept: 'sales', level: 'senior' } }, subject, unknown)).toBe('maybe');
    expect([...unknown].sort()).toEqual(['attributes.level', 'groups']);
    expect(matchSelector({ adminRole: '*' }, facts({ adminRoles: [] }), unknown)).toBe('no');
  });
});
