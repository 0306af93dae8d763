/**
 * The baseline policy built in: NIST SP 800-63B-4 §4.2 account recovery, plus the help-desk guidance of
 * CISA AA23-320A and the NCSC. Documented as a table in the package README.
 * @module
 */

import { parsePolicy } from './load.js';
import type { Policy, PolicyInput } from './schema/policy.js';

const POSSESSION = ['device_challenge', 'oidc_step_up'] as const;
const STRONG = ['device_challenge', 'oidc_step_up', 'phone_otp', 'recovery_code', 'idv_ial2'] as const;
const ALL_REVOKE = ['sessions', 'refresh_tokens', 'grants'] as const;

/** The baseline policy as written (what a `recovery-gate.yaml` would say). */
export const baselinePolicyInput = {
  version: 1,
  subjects: {
    privileged: {
      description: 'Admins: any admin or directory role, or the Tier0-Admins group.',
      risk: 50,
      match: { anyOf: [{ adminRole: '*' }, { group: 'Tier0-Admins' }] },
    },
    executive: { description: 'Executives.', risk: 40, match: { group: 'Executives' } },
    finance: { description: 'People who can move money.', risk: 30, match: { group: 'Finance' } },
    contractor: {
      description: 'Contractors: need a sponsor and a contract that has not ended.',
      risk: 20,
      match: { attribute: { employeeType: 'contractor' } },
      require: ['sponsor', 'contractEnd'],
    },
    standard: { description: 'Everyone else.', risk: 0, match: 'always' },
  },
  tiers: {
    T1: {
      description: 'Password reset of an ordinary user who still holds a bound authenticator (§4.2.2.2).',
      rank: 10,
      evidence: { anyOf: [...POSSESSION] },
      freshness: { evidenceMaxAge: '10m' },
      credential: { lifetime: '60m', singleUse: true },
      revoke: ['sessions', 'refresh_tokens'],
      notify: ['subject'],
    },
    T2: {
      description: 'Ordinary user without a usable authenticator: two independent strong proofs (§4.2.2.2).',
      rank: 20,
      evidence: { atLeast: 2, of: [...STRONG, 'manager_approval'], independentChannels: true },
      freshness: { evidenceMaxAge: '15m', channelMinAge: '30d' },
      credential: { lifetime: '30m', singleUse: true },
      revoke: [...ALL_REVOKE],
      notify: ['subject', 'manager', 'security'],
    },
    CONTRACTOR: {
      description: 'Contractors: active contract, sponsor approval and one strong proof (§4.2.1.3, §4.5).',
      rank: 25,
      evidence: { atLeast: 1, of: [...STRONG] },
      approvals: [{ role: 'sponsor' }],
      freshness: { evidenceMaxAge: '15m', channelMinAge: '30d' },
      credential: { lifetime: '30m', singleUse: true },
      revoke: [...ALL_REVOKE],
      notify: ['subject', 'sponsor', 'security'],
    },
    T3: {
      description: 'Executives and finance: two independent proofs, security approval and a 1h hold (§4.2).',
      rank: 30,
      evidence: { atLeast: 2, of: [...STRONG, 'manager_approval'], independentChannels: true },
      approvals: [{ role: 'security_team' }],
      freshness: { evidenceMaxAge: '15m', channelMinAge: '30d' },
      hold: { duration: '1h', notice: true, cancelLink: true },
      credential: { lifetime: '20m', singleUse: true },
      revoke: [...ALL_REVOKE],
      notify: ['subject', 'manager', 'security'],
    },
    T4: {
      description:
        'Privileged: supervised in-person proofing, dual control by security, a 4h hold, review (§4.2.2.3).',
      rank: 40,
      evidence: { allOf: ['supervised_proofing'] },
      approvals: [{ role: 'security_team', count: 2 }],
      separation: { verifierIsNotExecutor: true },
      freshness: {
        evidenceMaxAge: '1h',
        approvalMaxAge: '8h',
        channelMinAge: '30d',
        authenticatorMinAge: '7d',
      },
      hold: { duration: '4h', notice: true, cancelLink: true },
      credential: { lifetime: '15m', singleUse: true },
      revoke: [...ALL_REVOKE],
      notify: ['subject', 'manager', 'security'],
      review: 'required',
    },
    BREAK_GLASS: {
      description: 'Emergency access: two predefined authorizers, a 2h window, mandatory post-event review.',
      rank: 50,
      approvals: [{ role: 'break_glass_authorizer', count: 2 }],
      authorizers: [{ group: 'Incident-Commanders' }],
      window: '2h',
      freshness: { approvalMaxAge: '2h' },
      credential: { lifetime: '30m', singleUse: true },
      revoke: ['sessions', 'refresh_tokens'],
      notify: ['subject', 'security'],
      review: 'required',
    },
  },
  matrix: {
    password_reset: {
      standard: 'T1',
      contractor: 'CONTRACTOR',
      finance: 'T3',
      executive: 'T3',
      privileged: 'T4',
    },
    account_unlock: {
      standard: 'T2',
      contractor: 'CONTRACTOR',
      finance: 'T3',
      executive: 'T3',
      privileged: 'T4',
    },
    mfa_reset: { standard: 'T2', contractor: 'CONTRACTOR', finance: 'T3', executive: 'T3', privileged: 'T4' },
    authenticator_rebind: {
      standard: 'T2',
      contractor: 'CONTRACTOR',
      finance: 'T3',
      executive: 'T3',
      privileged: 'T4',
    },
    recovery_contact_change: {
      standard: 'T2',
      contractor: 'CONTRACTOR',
      finance: 'T3',
      executive: 'T3',
      privileged: 'T4',
    },
    emergency_access: { '*': 'BREAK_GLASS' },
  },
  bypass: { mode: 'enforce', suspend: false },
} as const satisfies PolicyInput;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** The baseline policy, checked, with defaults applied, and deeply frozen (compiled policies are cached per object). */
export const baselinePolicy: Policy = deepFreeze(parsePolicy(baselinePolicyInput));
