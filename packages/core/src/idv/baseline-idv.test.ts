import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baselinePolicy, baselinePolicyInput } from '../baseline.js';
import { decide } from '../decide.js';
import { parsePolicy } from '../load.js';
import { RECOVERY_ACTIONS } from '../port.js';
import { approval, ev, facts, NOW, PHONE, request } from '../test-support.js';
import { evidenceRequires } from './requires.js';

/** The subject has lost every authenticator; only a phone is still on file. */
const bare = facts({ authenticators: [] });

describe('baseline: identity verification and the no-authenticator-left path', () => {
  it('lets a user with no authenticator left recover with IAL2 proofing plus the manager', () => {
    for (const action of ['mfa_reset', 'authenticator_rebind', 'account_unlock'] as const) {
      const idvOnly = decide(baselinePolicy, request(action), bare, [ev('idv_ial2')], [], NOW);
      expect(idvOnly.outcome).toBe('pending');
      const both = decide(
        baselinePolicy,
        request(action),
        bare,
        [ev('idv_ial2')],
        [approval('mgr', 'manager')],
        NOW,
      );
      expect(both).toMatchObject({ tier: 'T2', outcome: 'satisfied' });
    }
  });

  it('never recovers on a phone code alone, however many codes (property)', () => {
    const actions = RECOVERY_ACTIONS.filter((a) => a !== 'emergency_access' && a !== 'password_reset');
    fc.assert(
      fc.property(fc.constantFrom(...actions), fc.integer({ min: 1, max: 4 }), (action, n) => {
        const codes = Array.from({ length: n }, (_, i) => ev('phone_otp', i + 1, { channelId: PHONE.id }));
        expect(decide(baselinePolicy, request(action), bare, codes, [], NOW).outcome).not.toBe('satisfied');
      }),
    );
  });

  it('accepts idv_ial2 in every tier short of privileged and break-glass, and never alone', () => {
    for (const name of ['T2', 'CONTRACTOR', 'T3']) {
      const tier = baselinePolicy.tiers[name];
      expect(JSON.stringify(tier?.evidence)).toContain('idv_ial2');
      expect(evidenceRequires(tier?.evidence, 'idv_ial2')).toBe(false);
    }
    // Privileged accounts keep supervised in-person proofing (SP 800-63B-4 AAL3 recovery).
    expect(JSON.stringify(baselinePolicy.tiers.T4?.evidence)).not.toContain('idv_ial2');
  });
});

describe('evidenceRequires', () => {
  it('is true only when no evidence without the kind can meet the expression', () => {
    expect(evidenceRequires('idv_ial2', 'idv_ial2')).toBe(true);
    expect(evidenceRequires({ allOf: ['idv_ial2', 'manager_approval'] }, 'idv_ial2')).toBe(true);
    expect(evidenceRequires({ anyOf: ['idv_ial2', 'phone_otp'] }, 'idv_ial2')).toBe(false);
    expect(evidenceRequires({ atLeast: 2, of: ['idv_ial2', 'phone_otp'] }, 'idv_ial2')).toBe(true);
    expect(evidenceRequires({ atLeast: 2, of: ['idv_ial2', 'phone_otp', 'oidc_step_up'] }, 'idv_ial2')).toBe(
      false,
    );
    expect(evidenceRequires(undefined, 'idv_ial2')).toBe(false);
  });
});

describe('tier idv rules', () => {
  const withIdv = (evidence: unknown, idv: unknown) => {
    const input = structuredClone(baselinePolicyInput) as unknown as {
      tiers: Record<string, Record<string, unknown>>;
    };
    input.tiers.T2 = { ...input.tiers.T2, evidence, idv };
    return () => parsePolicy(input);
  };

  it('takes rules with safe defaults on a tier that names idv_ial2', () => {
    const policy = withIdv(
      { anyOf: ['idv_ial2'] },
      { minScore: 80, names: { legalGivenNameAttribute: 'legalFirstName' } },
    )();
    expect(policy.tiers.T2?.idv).toMatchObject({
      minScore: 80,
      assuranceLevels: ['ial2', 'ial3'],
      names: { diacritics: 'fold', middleNames: 'ignore', legalGivenNameAttribute: 'legalFirstName' },
    });
  });

  it('refuses idv rules on a tier that never asks for idv_ial2, and a score under the floor', () => {
    expect(withIdv({ anyOf: ['phone_otp'] }, {})).toThrow(/tiers\.T2\.idv/);
    expect(withIdv({ anyOf: ['idv_ial2'] }, { minScore: 10 })).toThrow(/minScore/);
    expect(withIdv({ anyOf: ['idv_ial2'] }, { minScore: 80, typo: 1 })).toThrow(/typo/);
  });
});
