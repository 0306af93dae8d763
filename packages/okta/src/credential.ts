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
import { field, type Json, type OktaContext, type TacAuthenticator, text } from './client/context.js';
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
  const ttl = ttlWithin(minutes, tac);
  // A multi-use code for a tier that allows it only where the org allows it; otherwise single use (stricter).
  const multiUse = !options.singleUse && (tac.settings?.multiUseAllowed ?? true);
  const known = shapeIn.get(ctx);
  let issued: Issued | null = null;
  for (const shape of known ? [known] : SHAPES) {
    const enrollment = await createTac(ctx, user, tac.id, shape, ttl, multiUse);
    const result = readIssued(ctx, user, enrollment, ttl, multiUse);
    if (result.multiUse === multiUse && result.ttlHonoured) {
      shapeIn.set(ctx, shape);
      issued = result;
      break;
    }
    // Okta ignored what was asked (the body shape it honours is disputed): never hand out a code whose
    // lifetime or use differs from the tier's; try the other shape once.
    await revokeTemporaryCredential(ctx, user, { kind: 'okta_tac', id: result.id });
  }
  if (issued === null) {
    throw new GateError(
      'ERR_IDP_RESPONSE_INVALID',
      'Okta issued a Temporary Access Code with another lifetime or use than asked, in either request body shape; it was deleted',
      { details: { userId: user, ttl, multiUse } },
    );
  }
  const secret = createSecret(issued.code);
  ctx.rememberSecret(secret);
  return {
    kind: 'okta_tac',
    id: issued.id,
    issuedAt: new Date(issued.created).toISOString(),
    expiresAt: new Date(issued.expiresAt).toISOString(),
    singleUse: !issued.multiUse,
    delivery: 'gate',
    secret,
    deliveredTo: null,
  };
}

/**
 * The two TAC request bodies Okta documents: the API description's `profile` (ttl as a string) and the TAC
 * guide's `config` with `authenticatorType`. The first that Okta honours is kept for the adapter's lifetime.
 * @see https://developer.okta.com/docs/guides/authenticators-tac-authenticator/main/
 */
type Shape = 'profile' | 'config';
const SHAPES: readonly Shape[] = ['profile', 'config'];
const shapeIn = new WeakMap<OktaContext, Shape>();

/** Creates a TAC with raw JSON (the SDK's model drops the guide's fields and misreads `expiresAt`). */
async function createTac(
  ctx: OktaContext,
  user: string,
  authenticatorId: string,
  shape: Shape,
  ttl: number,
  multiUse: boolean,
): Promise<Json> {
  const url = `${ctx.client.baseUrl}/api/v1/users/${encodeURIComponent(user)}/authenticator-enrollments/tac`;
  const body =
    shape === 'profile'
      ? { authenticatorId, profile: { ttl: String(ttl), multiUse } }
      : { authenticatorId, authenticatorType: 'tac', config: { ttl, multiUse } };
  try {
    return (await ctx.call('createTacAuthenticatorEnrollment', 'user', () =>
      ctx.client.http.postJson(url, { body: JSON.stringify(body) } as Parameters<
        typeof ctx.client.http.postJson
      >[1]),
    )) as unknown as Json;
  } catch (error) {
    // The cached id may be stale (the authenticator was recreated): the retry reads it again.
    ctx.forgetTacAuthenticator();
    throw error;
  }
}

interface Issued {
  readonly id: string;
  readonly code: string;
  readonly created: number;
  readonly expiresAt: number;
  readonly multiUse: boolean;
  /** Whether Okta's expiry is the one asked for (within a minute), or it did not say. */
  readonly ttlHonoured: boolean;
}

/** Okta's `expiresAt` may lack a zone designator (the SDK then reads local time): it is UTC. */
function utc(value: unknown): number | null {
  if (typeof value !== 'string' || value === '') return null;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : ms;
}

function readIssued(
  ctx: OktaContext,
  user: string,
  enrollment: Json,
  ttl: number,
  askedMulti: boolean,
): Issued {
  const toldMulti = field(enrollment.profile, 'multiUse');
  const code = text(enrollment.profile, 'tac');
  const id = text(enrollment, 'id');
  if (!code || !id) {
    throw new GateError('ERR_IDP_RESPONSE_INVALID', 'Okta did not return the temporary access code', {
      details: { userId: user },
    });
  }
  const created = utc(enrollment.created) ?? ctx.now().getTime();
  const asked = created + ttl * 60_000;
  const told = utc(field(enrollment.profile, 'expiresAt'));
  return {
    id,
    code,
    created,
    expiresAt: told ?? asked,
    // Not echoed: what was asked (nothing says otherwise).
    multiUse: typeof toldMulti === 'boolean' ? toldMulti : askedMulti,
    ttlHonoured: told === null || Math.abs(told - asked) <= 60_000,
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
