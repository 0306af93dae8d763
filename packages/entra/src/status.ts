/**
 * Writes the case status on the user (a directory extension property of the gate's app) and clears
 * request markers (request group membership).
 *
 * Why a directory extension: it is writable through Graph for cloud-only and synced users alike, has a
 * name of its own (no clash with the Exchange custom attributes organisations already use in
 * onPremisesExtensionAttributes, which synced users cannot have written from the cloud), and shows on the
 * user with `$select` and in the admin center's custom attributes.
 * @module
 */

import type { CaseStatusMarker, RecoveryAction } from '@recovery-gate/core';
import { GateError } from '@recovery-gate/core';
import { type EntraContext, graphDelete, graphList, graphPatch, odataString, seg } from './client.js';

/** The text agents see: `<status> - case <id> (<time>)`, at most 256 characters (extension limit). */
export function statusText(marker: CaseStatusMarker): string {
  return `${marker.status} - case ${marker.caseId} (${marker.updatedAt})`.slice(0, 256);
}

/** Writes (or clears with null) the case status. @throws ERR_USER_NOT_FOUND */
export async function writeCaseStatus(
  ctx: EntraContext,
  userId: string,
  marker: CaseStatusMarker | null,
): Promise<void> {
  await graphPatch(
    ctx,
    `/users/${seg(userId)}`,
    { [ctx.statusProperty]: marker === null ? null : statusText(marker) },
    'write case status',
    'user',
  );
}

/** The request group's display name for an action. */
export function requestGroupName(ctx: EntraContext, action: RecoveryAction): string {
  return `${ctx.config.requestGroups.prefix}${action}`;
}

/** Resolves a group id by display name (cached); null when the group does not exist. */
export async function groupIdByName(ctx: EntraContext, name: string): Promise<string | null> {
  const key = `group:${name}`;
  const cached = ctx.cache.get(key);
  if (cached) return cached;
  const found = await graphList<{ id: string }>(ctx, '/groups', 'find group', {
    $filter: `displayName eq ${odataString(name)}`,
    $select: 'id,displayName',
  });
  const id = found[0]?.id ?? null;
  if (id) ctx.cache.set(key, id);
  return id;
}

/** Removes the user from the action's request group. Idempotent. @throws ERR_GROUP_NOT_FOUND */
export async function clearRequestMarker(
  ctx: EntraContext,
  userId: string,
  action: RecoveryAction,
): Promise<void> {
  const name = requestGroupName(ctx, action);
  const groupId = await groupIdByName(ctx, name);
  if (!groupId)
    throw new GateError(
      'ERR_GROUP_NOT_FOUND',
      `The request group ${name} does not exist (run guardrails apply).`,
      { details: { group: name } },
    );
  await graphDelete(ctx, `/groups/${seg(groupId)}/members/${seg(userId)}/$ref`, 'remove request marker');
}
