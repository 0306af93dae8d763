/**
 * Temporary Access Pass: issue (returned once, wrapped in a Secret, never stored) and delete.
 * @see https://learn.microsoft.com/graph/api/authentication-post-temporaryaccesspassmethods?view=graph-rest-1.0
 * @module
 */

import {
  allOrThrow,
  createSecret,
  GateError,
  type IssuedCredential,
  type TemporaryCredentialOptions,
} from '@recovery-gate/core';
import { type EntraContext, graphDelete, graphList, graphPost, seg } from './client.js';

interface TapResponse {
  readonly id?: string;
  readonly temporaryAccessPass?: string | null;
  readonly createdDateTime?: string | null;
  readonly startDateTime?: string | null;
  readonly lifetimeInMinutes?: number | null;
  readonly isUsableOnce?: boolean | null;
}

/** Graph's TAP lifetime bounds, in minutes. */
export const TAP_MIN_MINUTES = 10;
export const TAP_MAX_MINUTES = 43_200;

/** The TAP lifetime for a tier: whole minutes, rounded down so it never outlives the tier. */
export function tapMinutes(lifetimeSeconds: number): number {
  const minutes = Math.floor(lifetimeSeconds / 60);
  if (!Number.isFinite(lifetimeSeconds) || minutes < TAP_MIN_MINUTES || minutes > TAP_MAX_MINUTES) {
    throw new GateError(
      'ERR_INPUT_INVALID',
      `A Temporary Access Pass lives ${TAP_MIN_MINUTES}-${TAP_MAX_MINUTES} minutes.`,
      {
        details: { lifetimeSeconds },
      },
    );
  }
  return minutes;
}

/** Issues a TAP. @throws ERR_INPUT_INVALID, ERR_USER_NOT_FOUND, ERR_IDP_BAD_REQUEST (outside the tenant policy) */
export async function issueTemporaryCredential(
  ctx: EntraContext,
  userId: string,
  options: TemporaryCredentialOptions,
): Promise<IssuedCredential> {
  const lifetimeInMinutes = tapMinutes(options.lifetimeSeconds);
  const created = await graphPost<TapResponse>(
    ctx,
    `/users/${seg(userId)}/authentication/temporaryAccessPassMethods`,
    { lifetimeInMinutes, isUsableOnce: options.singleUse },
    'create temporary access pass',
    'user',
  );
  const pass = created.temporaryAccessPass;
  if (typeof pass !== 'string' || pass === '' || typeof created.id !== 'string') {
    throw new GateError('ERR_IDP_RESPONSE_INVALID', 'Graph created a TAP but did not return it.', {
      details: { userId },
    });
  }
  const issuedAt = created.createdDateTime ?? ctx.now().toISOString();
  const start = Date.parse(created.startDateTime ?? issuedAt);
  const minutes = created.lifetimeInMinutes ?? lifetimeInMinutes;
  return {
    kind: 'entra_tap',
    id: created.id,
    issuedAt,
    expiresAt: new Date(start + minutes * 60_000).toISOString(),
    singleUse: created.isUsableOnce ?? options.singleUse,
    delivery: 'gate',
    secret: createSecret(pass),
    deliveredTo: null,
  };
}

/** Deletes a TAP (by id, or every TAP of the user when the id is unknown). Idempotent. */
export async function revokeTemporaryCredential(
  ctx: EntraContext,
  userId: string,
  credential: { readonly kind: string; readonly id: string | null },
): Promise<void> {
  if (credential.kind !== 'entra_tap') {
    throw new GateError('ERR_INPUT_INVALID', 'The Entra adapter only revokes Temporary Access Passes.', {
      details: { kind: credential.kind },
    });
  }
  const base = `/users/${seg(userId)}/authentication/temporaryAccessPassMethods`;
  const ids =
    credential.id === null
      ? (await graphList<{ id: string }>(ctx, base, 'list temporary access passes', {}, 'user')).map(
          (t) => t.id,
        )
      : [credential.id];
  await allOrThrow(ids.map((id) => graphDelete(ctx, `${base}/${seg(id)}`, 'delete temporary access pass')));
}
