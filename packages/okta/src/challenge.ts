/**
 * Okta Verify push with number matching, through the v1 Factors API, polled to SUCCESS / REJECTED / TIMEOUT.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/#tag/UserFactor/operation/verifyFactor
 * @module
 */

import { type DeviceChallenge, type DeviceChallengeResult, GateError } from '@recovery-gate/core';
import { field, isoOf, type OktaContext, text } from './client/context.js';

const PUSH_SECONDS = 300;

/** Pushes a number-matching challenge to the user's active Okta Verify push factor. */
export async function startDeviceChallenge(ctx: OktaContext, userId: string): Promise<DeviceChallenge> {
  const factorId = await ctx.call('listFactors', 'user', async () => {
    for await (const factor of await ctx.client.userFactorApi.listFactors({ userId })) {
      if (factor === null) break;
      if (factor.factorType === 'push' && factor.provider === 'OKTA' && factor.status === 'ACTIVE')
        return factor.id ?? null;
    }
    return null;
  });
  if (!factorId) {
    throw new GateError('ERR_UNSUPPORTED', 'The user has no active Okta Verify push factor', {
      details: { userId },
    });
  }
  const startedAt = ctx.now();
  const response = await ctx.call('verifyFactor', 'user', () =>
    ctx.client.userFactorApi.verifyFactor({
      userId,
      factorId,
      body: { useNumberMatchingChallenge: true },
      tokenLifetimeSeconds: PUSH_SECONDS,
    }),
  );
  // The SDK returns a union; only WAITING carries the poll link and the number to match.
  const poll = text(field(field(response, '_links'), 'poll'), 'href');
  const transactionId = poll?.split('/').pop();
  if (field(response, 'factorResult') !== 'WAITING' || !transactionId) {
    throw new GateError('ERR_IDP_RESPONSE_INVALID', 'Okta did not start a push transaction', {
      details: { userId, factorId },
    });
  }
  const answer = field(field(field(response, '_embedded'), 'challenge'), 'correctAnswer');
  return {
    id: transactionId,
    authenticatorId: factorId,
    numberToMatch: typeof answer === 'number' ? answer : null,
    startedAt: startedAt.toISOString(),
    expiresAt:
      isoOf(field(response, 'expiresAt')) ??
      new Date(startedAt.getTime() + PUSH_SECONDS * 1000).toISOString(),
  };
}

/** Polls a push transaction. */
export async function pollDeviceChallenge(
  ctx: OktaContext,
  userId: string,
  challenge: DeviceChallenge,
): Promise<DeviceChallengeResult> {
  const status = await ctx.call('getFactorTransactionStatus', 'user', () =>
    ctx.client.userFactorApi.getFactorTransactionStatus({
      userId,
      factorId: challenge.authenticatorId,
      transactionId: challenge.id,
    }),
  );
  switch (field(status, 'factorResult')) {
    case 'SUCCESS':
      return 'approved';
    case 'REJECTED':
      return 'rejected';
    case 'TIMEOUT':
      return 'expired';
    case 'WAITING':
      // Okta answers WAITING until its own expiry; do not wait past what we promised.
      return Date.parse(challenge.expiresAt) <= ctx.now().getTime() ? 'expired' : 'pending';
    default:
      throw new GateError('ERR_IDP_RESPONSE_INVALID', 'Okta answered an unknown push result', {
        details: { userId },
      });
  }
}
