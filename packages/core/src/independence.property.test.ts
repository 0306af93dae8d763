import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baselinePolicyInput } from './baseline.js';
import { decide } from './decide.js';
import type { Evidence } from './evidence.js';
import { parsePolicy } from './load.js';
import type { Authenticator, Channel } from './port.js';
import { ago, facts, MAILBOX, NOW, PHONE, PUSH, request } from './test-support.js';

// Everything one phone can hold: Okta Verify, an authenticator app, a passkey, the SMS number, a second
// SIM and a personal mailbox read in its mail app. All bound or on file for a year, so every proof counts.
const TOTP: Authenticator = { ...PUSH, id: 'auth-totp', kind: 'totp', supportsDeviceChallenge: false };
const SMS: Authenticator = { ...PUSH, id: 'auth-sms', kind: 'sms', supportsDeviceChallenge: false };
const KEY: Authenticator = { ...PUSH, id: 'auth-key', kind: 'webauthn', supportsDeviceChallenge: false };
const WORK: Channel = { ...PHONE, id: 'phone:work', value: '+15550199' };
const PERSONAL: Channel = {
  ...MAILBOX,
  id: 'email:personal',
  value: 's@home.example',
  isAccountMailbox: false,
};
const SUBJECT = facts({ authenticators: [PUSH, TOTP, SMS, KEY], channels: [PHONE, WORK, PERSONAL, MAILBOX] });
const AUTHENTICATORS = [null, PUSH.id, TOTP.id, SMS.id, KEY.id];

/** Any proof a single device could produce, naming any (or no) authenticator and channel it may have used. */
const deviceProofArb: fc.Arbitrary<Evidence> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('device_challenge' as const, 'oidc_step_up' as const),
    at: fc.integer({ min: 0, max: 9 }).map(ago),
    by: fc.constant('sam'),
    channelId: fc.constant(null),
    authenticatorId: fc.constantFrom(...AUTHENTICATORS),
  }),
  fc.record({
    kind: fc.constant('phone_otp' as const),
    at: fc.integer({ min: 0, max: 9 }).map(ago),
    by: fc.constant('sam'),
    channelId: fc.constantFrom(PHONE.id, WORK.id),
    authenticatorId: fc.constantFrom(...AUTHENTICATORS),
  }),
  // A recovery code sent to a channel on file is possession of that channel, so of the phone it reaches.
  fc.record({
    kind: fc.constant('recovery_code' as const),
    at: fc.integer({ min: 0, max: 9 }).map(ago),
    by: fc.constant('sam'),
    channelId: fc.constantFrom(PHONE.id, WORK.id, PERSONAL.id),
    authenticatorId: fc.constant(null),
  }),
);

const POSSESSION = ['device_challenge', 'oidc_step_up', 'phone_otp', 'recovery_code'] as const;

function policyNeeding(of: readonly string[], atLeast: number, independentChannels: boolean) {
  const T2 = baselinePolicyInput.tiers.T2;
  return parsePolicy({
    ...baselinePolicyInput,
    tiers: {
      ...baselinePolicyInput.tiers,
      T2: { ...T2, evidence: { atLeast, of: [...of], independentChannels } },
    },
  });
}

describe('independent channels: properties', () => {
  it('no two proofs that could come from one device ever satisfy independentChannels', () => {
    let countedWithoutIndependence = 0;
    fc.assert(
      fc.property(
        fc.array(deviceProofArb, { minLength: 2, maxLength: 6 }),
        fc.subarray([...POSSESSION], { minLength: 2 }),
        fc.integer({ min: 2, max: 3 }),
        (evidence, of, wanted) => {
          const atLeast = Math.min(wanted, of.length);
          const strict = decide(
            policyNeeding(of, atLeast, true),
            request('mfa_reset'),
            SUBJECT,
            evidence,
            [],
            NOW,
          );
          expect(strict.tier).toBe('T2');
          expect(strict.outcome).not.toBe('satisfied');
          // The same proofs do count when independence is not asked for: the property is not vacuous.
          const loose = decide(
            policyNeeding(of, atLeast, false),
            request('mfa_reset'),
            SUBJECT,
            evidence,
            [],
            NOW,
          );
          if (loose.outcome === 'satisfied') countedWithoutIndependence += 1;
        },
      ),
      { numRuns: 400 },
    );
    expect(countedWithoutIndependence).toBeGreaterThan(20);
  });

  it('a device proof and a saved recovery code, an approval or identity proofing stay independent', () => {
    const policy = policyNeeding([...POSSESSION, 'manager_approval', 'idv_ial2'], 2, true);
    const step: Evidence = { kind: 'oidc_step_up', at: ago(1), by: 'sam', channelId: null };
    const others: Evidence[] = [
      { kind: 'recovery_code', at: ago(1), by: 'sam', channelId: null },
      { kind: 'idv_ial2', at: ago(1), by: null, channelId: null },
      { kind: 'manager_approval', at: ago(1), by: 'mgr', channelId: null },
    ];
    for (const other of others) {
      expect(decide(policy, request('mfa_reset'), SUBJECT, [step, other], [], NOW).outcome).toBe('satisfied');
    }
  });

  it('the pen test: an Okta Verify push and a step-up sign-in on the same phone are one proof', () => {
    const push: Evidence = {
      kind: 'device_challenge',
      at: ago(2),
      by: 'sam',
      channelId: null,
      authenticatorId: PUSH.id,
    };
    const stepUp: Evidence = { kind: 'oidc_step_up', at: ago(1), by: 'sam', channelId: null };
    const result = decide(
      policyNeeding(POSSESSION, 2, true),
      request('mfa_reset'),
      SUBJECT,
      [push, stepUp],
      [],
      NOW,
    );
    expect(result.outcome).toBe('pending');
  });
});
