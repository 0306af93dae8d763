/**
 * Temporary Access Code: issued with the tier's lifetime, single use, returned once (wrapped in a Secret,
 * never stored or logged) and revoked early by deleting the enrollment.
 * @see https://developer.okta.com/docs/guides/authenticators-tac-authenticator/main/
 * @module
 */

import {
  createSecret,
  GateError,
  type IssuedCredential,
  type TemporaryCredentialOptions,
} from '@recovery-gate/core';
import { field, isoOf, type OktaContext, type TacAuthenticator, text } from './context.js';
import { getUser, userIdOf } from './facts.js';

/** Okta's TAC lifetime bounds, in minutes. */
const MIN_TTL = 10;
const MAX_TTL = 14_400;

async function tacAuthenticator(ctx: OktaContext): Promise<TacAuthenticator> {
  const found = await ctx.tacAuthenticator();
  if (!found)
    throw new GateError(
      'ERR_UNSUPPORTED',
      'The org has no Temporary Access Code authenticator (enable it first)',
    );
  return found;
}

/**
 * The ttl to ask for: the tier's, lowered to the org's maximum (shorter is stricter); a tier shorter than the
 * org's minimum cannot be honoured, so it fails before anything is created ("The actual allowed range depends
 * on the org-level authenticator configuration").
 */
function ttlWithin(minutes: number, tac: TacAuthenticator): number {
  const s = tac.settings;
  if (s === null) return minutes;
  if (minutes < s.minTtl)
    throw new GateError(
      'ERR_INPUT_INVALID',
      `The org's Temporary Access Code authenticator allows ${s.minTtl}-${s.maxTtl} minutes; the tier asks for ${minutes}. Lower the authenticator's minimum TTL in Okta or lengthen the tier.`,
      { details: { minutes, minTtl: s.minTtl, maxTtl: s.maxTtl } },
    );
  return Math.min(minutes, s.maxTtl);
}

/** Issues a TAC. The code is in `secret`, once. */
export async function issueTemporaryCredential(
  ctx: OktaContext,
  userId: string,
  options: TemporaryCredentialOptions,
): Promise<IssuedCredential> {
  const minutes = Math.floor(options.lifetimeSeconds / 60);
  if (!Number.isFinite(minutes) || minutes < MIN_TTL || minutes > MAX_TTL) {
    throw new GateError('ERR_INPUT_INVALID', `Okta TAC lifetime must be ${MIN_TTL}-${MAX_TTL} minutes`, {
      details: { lifetimeSeconds: options.lifetimeSeconds },
    });
  }
  // No user read: the POST answers 404 (ERR_USER_NOT_FOUND) for a user that does not exist. The TAC
  // authenticator id is an org-level lookup, cached (the reset step warms it).
  const [user, tac] = await Promise.all([userIdOf(ctx, userId), tacAuthenticator(ctx)]);
  const authenticatorId = tac.id;
  const ttl = ttlWithin(minutes, tac);
  const enrollment = await ctx
    .call('createTacAuthenticatorEnrollment', 'user', () =>
      ctx.client.userAuthenticatorEnrollmentsApi.createTacAuthenticatorEnrollment({
        userId: user,
        authenticator: { authenticatorId, profile: { ttl: String(ttl), multiUse: !options.singleUse } },
      }),
    )
    .catch((error: unknown) => {
      // The cached id may be stale (the authenticator was recreated): the retry reads it again.
      ctx.forgetTacAuthenticator();
      throw error;
    });
  const code = text(enrollment.profile, 'tac');
  const id = enrollment.id;
  if (!code || !id) {
    throw new GateError('ERR_IDP_RESPONSE_INVALID', 'Okta did not return the temporary access code', {
      details: { userId: user },
    });
  }
  const secret = createSecret(code);
  ctx.rememberSecret(secret);
  // SDK 8.1.0 parses profile.expiresAt (no `Z`) as local time (okta.md §9.6 #8): derive the expiry from
  // the server's `created` and the ttl we asked for instead.
  const created = Date.parse(isoOf(enrollment.created) ?? '') || ctx.now().getTime();
  const multiUse = field(enrollment.profile, 'multiUse');
  if (options.singleUse && multiUse === true) {
    // Okta made it reusable though single use was asked (the request body shape it honours is disputed):
    // never hand out a reusable code for a single-use tier.
    await revokeTemporaryCredential(ctx, user, { kind: 'okta_tac', id });
    throw new GateError(
      'ERR_IDP_RESPONSE_INVALID',
      'Okta issued a multi-use code where single use was asked',
      {
        details: { userId: user },
      },
    );
  }
  return {
    kind: 'okta_tac',
    id,
    issuedAt: new Date(created).toISOString(),
    expiresAt: new Date(created + ttl * 60_000).toISOString(),
    singleUse: multiUse === undefined ? options.singleUse : multiUse !== true,
    delivery: 'gate',
    secret,
    deliveredTo: null,
  };
}

/** Revokes a TAC early by deleting its enrollment; idempotent. */
export async function revokeTemporaryCredential(
  ctx: OktaContext,
  userId: string,
  credential: Pick<IssuedCredential, 'kind' | 'id'>,
): Promise<void> {
  if (credential.kind !== 'okta_tac') {
    throw new GateError('ERR_UNSUPPORTED', `The Okta adapter cannot revoke a ${credential.kind}`);
  }
  if (!credential.id)
    throw new GateError('ERR_INPUT_INVALID', 'The credential id is required to revoke a TAC');
  // The user read stays: a 404 on the delete would not tell a gone user from a gone enrollment.
  const user = await getUser(ctx, userId);
  const enrollmentId = credential.id;
  await ctx.optional('deleteAuthenticatorEnrollment', () =>
    ctx.client.userAuthenticatorEnrollmentsApi.deleteAuthenticatorEnrollment({
      userId: String(user.id),
      enrollmentId,
    }),
  );
}
