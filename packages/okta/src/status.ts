/**
 * The case status agents see on the user's profile (a custom attribute) and the request marker
 * (membership of a request group).
 * @module
 */

import { type CaseStatusMarker, GateError, RECOVERY_ACTIONS, type RecoveryAction } from '@recovery-gate/core';
import type { OktaContext } from './client/context.js';
import { getUser } from './facts.js';

/** Longest status text written (the attribute is created with this maxLength). */
export const STATUS_MAX_LENGTH = 128;

/** The text written for a marker. */
export function statusText(marker: CaseStatusMarker): string {
  return `${marker.status} (case ${marker.caseId})`.slice(0, STATUS_MAX_LENGTH);
}

/** Writes (or clears, with null) the case status attribute. */
export async function writeCaseStatus(
  ctx: OktaContext,
  userId: string,
  marker: CaseStatusMarker | null,
): Promise<void> {
  if (marker !== null && (marker.status.trim() === '' || marker.caseId.trim() === '')) {
    throw new GateError('ERR_INPUT_INVALID', 'A case status needs a status and a case id');
  }
  const user = await getUser(ctx, userId);
  const attribute = ctx.config.statusAttribute;
  // POST /users/{id} is a partial update; null removes the value.
  const profile = { [attribute]: marker === null ? null : statusText(marker) };
  await ctx.call('updateUser', 'user', () =>
    ctx.client.userApi.updateUser({ userId: String(user.id), user: { profile } as never }),
  );
}

/** Removes the user from the request group of `action`. Idempotent. */
export async function clearRequestMarker(
  ctx: OktaContext,
  userId: string,
  action: RecoveryAction,
): Promise<void> {
  if (!(RECOVERY_ACTIONS as readonly string[]).includes(action)) {
    throw new GateError('ERR_INPUT_INVALID', `Unknown recovery action: ${String(action)}`);
  }
  const user = await getUser(ctx, userId);
  const name = `${ctx.config.requestGroups.prefix}${action}`;
  const groupId = await ctx.groupId(name);
  if (!groupId) return;
  const removed = await ctx.optional('unassignUserFromGroup', () =>
    ctx.client.groupApi.unassignUserFromGroup({ groupId, userId: String(user.id) }),
  );
  if (removed === null) ctx.forgetGroup(name);
}
