import { describe, expect, it } from 'vitest';
import { baselinePolicy } from './baseline.js';
import { decide } from './decide.js';
import type { RecoveryRequest } from './decision-types.js';
import type { Approval, Evidence } from './evidence.js';
import type { SubjectFacts } from './port.js';
import { ago, approval, daysAgo, ev, facts, MAILBOX, NOW, PHONE, PUSH, request } from './test-support.js';

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

describe('decide: tiers and outcomes', () => {
  it('gives an ordinary password reset the lightest tier, satisfied by a device challenge', () => {
    const pending = run(request('password_reset'), facts());
    expect(pending).toMatchObject({
      tier: 'T1',
      subjectClass: 'standard',
      outcome: 'pending',
      notBefore: null,
    });
    expect(codes(pending.unmet)).toEqual(['EVIDENCE_MISSING']);
    const done = run(request('password_reset'), facts(), [ev('device_challenge', 2)]);
    expect(done).toMatchObject({ outcome: 'satisfied', unmet: [], notBefore: ago(2) });
    expect(done.requirements).toMatchObject({
      credential: { lifetimeSeconds: 3600, singleUse: true },
      hold: null,
    });
  });

  it('needs two independent strong proofs for an ordinary MFA reset', () => {
    const one = run(request('mfa_reset'), facts(), [ev('phone_otp')]);
    expect(one).toMatchObject({ tier: 'T2', outcome: 'pending' });
    const two = run(request('mfa_reset'), facts(), [ev('phone_otp'), ev('recovery_code')]);
    expect(two.outcome).toBe('satisfied');
  });

  it('does not count two proofs over the same authenticator as independent', () => {
    const same = [ev('device_challenge'), ev('oidc_step_up', 1, { authenticatorId: PUSH.id })];
    expect(run(request('authenticator_rebind'), facts(), same).outcome).toBe('pending');
    const unknownBoth = [ev('device_challenge', 1, { authenticatorId: null }), ev('oidc_step_up')];
    expect(run(request('authenticator_rebind'), facts(), unknownBoth).outcome).toBe('pending');
  });

  it('counts an approval by the manager on file as manager_approval evidence', () => {
    const result = run(request('mfa_reset'), facts(), [ev('phone_otp')], [approval('mgr', 'manager')]);
    expect(result.outcome).toBe('satisfied');
  });

  it('ignores an approval by someone who is not the manager on file', () => {
    const result = run(request('mfa_reset'), facts(), [ev('phone_otp')], [approval('someone', 'manager')]);
    expect(result.outcome).toBe('pending');
    expect(codes(result.ignored)).toEqual(['APPROVER_NOT_MANAGER']);
  });

  it('resolves requirements: subject always notified, sessions and refresh tokens always revoked', () => {
    const result = run(request('password_reset'), facts(), [ev('oidc_step_up')]);
    expect(result.requirements).toMatchObject({
      tier: 'T1',
      breakGlass: false,
      revoke: { sessions: true, refreshTokens: true, grants: false },
      notify: ['subject'],
      review: 'none',
      windowEndsAt: null,
    });
  });

  it('denies an action that has no matrix row', () => {
    const policy = { ...baselinePolicy, matrix: { password_reset: baselinePolicy.matrix.password_reset } };
    const result = decide(policy, request('mfa_reset'), facts(), [], [], NOW);
    expect(result).toMatchObject({ outcome: 'denied', tier: null, requirements: null });
    expect(codes(result.denyReasons)).toEqual(['NO_TIER']);
  });

  it('denies a request with an unknown action or an invalid time', () => {
    const odd = run(request('constructor' as never), facts());
    expect(odd.outcome).toBe('denied');
    expect(codes(odd.denyReasons)).toContain('REQUEST_INVALID');
    const badTime = run(request('password_reset', { requestedAt: 'soon' }), facts(), [
      ev('device_challenge'),
    ]);
    expect(codes(badTime.denyReasons)).toEqual(['REQUEST_INVALID']);
  });

  it('throws ERR_INPUT_INVALID for an invalid now', () => {
    expect(() => run(request('password_reset'), facts(), [], [], 'now')).toThrow(
      expect.objectContaining({ code: 'ERR_INPUT_INVALID' }),
    );
  });
});

describe('decide: evidence that never counts', () => {
  it.each(['kba', 'knowledge_questions', 'verbal_confirmation', 'caller_id', 'account_mailbox_link'])(
    'never counts %s',
    (kind) => {
      const result = run(request('password_reset'), facts(), [ev(kind), ev(kind, 2)]);
      expect(result.outcome).toBe('pending');
      expect(codes(result.ignored)).toEqual(['EVIDENCE_BANNED', 'EVIDENCE_BANNED']);
    },
  );

  it('never counts a code sent to the recovered account’s own mailbox', () => {
    const result = run(request('mfa_reset'), facts(), [
      ev('phone_otp'),
      ev('recovery_code', 1, { channelId: MAILBOX.id }),
    ]);
    expect(result.outcome).toBe('pending');
    expect(codes(result.ignored)).toEqual(['CHANNEL_ACCOUNT_MAILBOX']);
  });

  it('never counts an unknown kind from outside', () => {
    const result = run(request('password_reset'), facts(), [ev('selfie')]);
    expect(codes(result.ignored)).toEqual(['EVIDENCE_UNKNOWN_KIND']);
  });

  it('never counts possession proofs produced by someone else', () => {
    const result = run(request('password_reset'), facts(), [ev('device_challenge', 1, { by: 'agent' })]);
    expect(codes(result.ignored)).toEqual(['EVIDENCE_WRONG_PERSON']);
  });
});

describe('decide: freshness and channels', () => {
  it('ignores evidence older than evidenceMaxAge (10m for T1)', () => {
    const result = run(request('password_reset'), facts(), [ev('device_challenge', 11)]);
    expect(result.outcome).toBe('pending');
    expect(codes(result.ignored)).toEqual(['EVIDENCE_STALE']);
    expect(run(request('password_reset'), facts(), [ev('device_challenge', 9)]).outcome).toBe('satisfied');
  });

  it('ignores evidence dated in the future beyond clock skew', () => {
    const result = run(request('password_reset'), facts(), [ev('device_challenge', -5)]);
    expect(codes(result.ignored)).toEqual(['EVIDENCE_FUTURE']);
  });

  it('ignores a phone changed within channelMinAge, or whose change date is unknown', () => {
    for (const lastChangedAt of [daysAgo(2), null]) {
      const subject = facts({ channels: [{ ...PHONE, lastChangedAt }] });
      const result = run(request('mfa_reset'), subject, [ev('phone_otp'), ev('recovery_code')]);
      expect(result.outcome).toBe('pending');
      expect(codes(result.ignored)).toEqual(['CHANNEL_TOO_NEW']);
    }
  });

  it('ignores a channel not on file, unverified, or unreadable facts about channels', () => {
    const missing = run(request('mfa_reset'), facts(), [ev('phone_otp', 1, { channelId: 'phone:other' })]);
    expect(codes(missing.ignored)).toEqual(['CHANNEL_UNKNOWN']);
    const unverified = run(request('mfa_reset'), facts({ channels: [{ ...PHONE, verified: false }] }), [
      ev('phone_otp'),
    ]);
    expect(codes(unverified.ignored)).toEqual(['CHANNEL_UNVERIFIED']);
    const unreadable = run(request('mfa_reset'), facts({ channels: null }), [ev('phone_otp')]);
    expect(codes(unreadable.ignored)).toEqual(['CHANNEL_UNKNOWN']);
    const noChannel = run(request('mfa_reset'), facts(), [ev('phone_otp', 1, { channelId: null })]);
    expect(codes(noChannel.ignored)).toEqual(['CHANNEL_MISSING']);
  });

  it('ignores an authenticator that is not bound or not active', () => {
    const gone = run(request('password_reset'), facts({ authenticators: [] }), [ev('device_challenge')]);
    expect(codes(gone.ignored)).toEqual(['AUTHENTICATOR_UNKNOWN']);
    const inactive = run(
      request('password_reset'),
      facts({ authenticators: [{ ...PUSH, status: 'inactive' }] }),
      [ev('device_challenge')],
    );
    expect(codes(inactive.ignored)).toEqual(['AUTHENTICATOR_INACTIVE']);
  });
});

describe('decide: what the IdP refuses', () => {
  it('denies an action the IdP refuses for this subject with its reason, and only that action', () => {
    const refused = facts({ idpRefuses: [{ action: 'password_reset', reason: 'no role may reset it' }] });
    const denied = run(request('password_reset'), refused);
    expect(denied.outcome).toBe('denied');
    expect(denied.denyReasons).toEqual([{ code: 'IDP_REFUSES', message: 'no role may reset it' }]);
    expect(run(request('mfa_reset'), refused).outcome).not.toBe('denied');
  });
});
