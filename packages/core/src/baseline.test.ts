import { describe, expect, it } from 'vitest';
import { baselinePolicy } from './baseline.js';
import { BANNED_EVIDENCE_KINDS } from './evidence.js';
import { RECOVERY_ACTIONS } from './port.js';
import { classesByRisk, tierStrictness } from './ranking.js';
import { evidenceKindsIn } from './schema/evidence-expr.js';

describe('baselinePolicy', () => {
  it('has the five subject classes, riskiest first', () => {
    expect(classesByRisk(baselinePolicy)).toEqual([
      'privileged',
      'executive',
      'finance',
      'contractor',
      'standard',
    ]);
  });

  it('gives the lightest tier only to a password reset of an ordinary user', () => {
    const lightest = [...tierStrictness(baselinePolicy)].sort((a, b) => a[1] - b[1])[0]?.[0];
    expect(lightest).toBe('T1');
    const uses = RECOVERY_ACTIONS.flatMap((action) =>
      Object.entries(baselinePolicy.matrix[action] ?? {})
        .filter(([, tier]) => tier === 'T1')
        .map(([subject]) => `${action}/${subject}`),
    );
    expect(uses).toEqual(['password_reset/standard']);
  });

  it('needs two independent proofs for an ordinary MFA reset or rebind', () => {
    for (const action of ['mfa_reset', 'authenticator_rebind'] as const) {
      const tier = baselinePolicy.tiers[baselinePolicy.matrix[action]?.standard ?? ''];
      expect(tier?.evidence).toMatchObject({ atLeast: 2, independentChannels: true });
    }
  });

  it('needs proofing, dual security control, a hold and review for privileged users', () => {
    const t4 = baselinePolicy.tiers.T4;
    expect(t4?.evidence).toEqual({ allOf: ['supervised_proofing'] });
    expect(t4?.approvals).toEqual([{ role: 'security_team', count: 2 }]);
    expect(t4?.hold?.duration).toBe('4h');
    expect(t4?.review).toBe('required');
    for (const action of RECOVERY_ACTIONS.filter((a) => a !== 'emergency_access')) {
      expect(baselinePolicy.matrix[action]?.privileged).toBe('T4');
    }
  });

  it('requires a sponsor and an active contract for contractors, and sponsor approval', () => {
    expect(baselinePolicy.subjects.contractor?.require).toEqual(['sponsor', 'contractEnd']);
    expect(baselinePolicy.tiers.CONTRACTOR?.approvals).toEqual([{ role: 'sponsor', count: 1 }]);
  });

  it('limits break-glass to predefined authorizers, a short window and a mandatory review', () => {
    expect(baselinePolicy.matrix.emergency_access).toEqual({ '*': 'BREAK_GLASS' });
    expect(baselinePolicy.tiers.BREAK_GLASS).toMatchObject({
      authorizers: [{ group: 'Incident-Commanders' }],
      window: '2h',
      review: 'required',
      approvals: [{ role: 'break_glass_authorizer', count: 2 }],
    });
  });

  it('keeps credentials short-lived and single use, and never names a banned kind', () => {
    for (const tier of Object.values(baselinePolicy.tiers)) {
      expect(tier.credential.singleUse).toBe(true);
      expect(['15m', '20m', '30m', '60m']).toContain(tier.credential.lifetime);
      const kinds = tier.evidence === undefined ? [] : evidenceKindsIn(tier.evidence);
      expect(kinds.filter((kind) => (BANNED_EVIDENCE_KINDS as readonly string[]).includes(kind))).toEqual([]);
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(baselinePolicy)).toBe(true);
    expect(Object.isFrozen(baselinePolicy.tiers.T1?.credential)).toBe(true);
  });
});
