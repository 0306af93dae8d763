/**
 * What the gate writes back for agents: the case status (a user attribute shown on the profile) and the
 * request marker (membership of `/recovery-requests/<action>`), plus request-group lookup.
 * @module
 */

import type { CaseStatusMarker, RecoveryAction } from '@recovery-gate/core';
import { RECOVERY_ACTIONS } from '@recovery-gate/core';
import { requireUser } from './client/users.js';
import type { KcSession } from './client.js';
import { updateUser } from './reset.js';

/** The request groups that exist: parent id, and child id per action. */
export interface RequestGroups {
  readonly parentId: string | null;
  readonly byAction: ReadonlyMap<RecoveryAction, string>;
  readonly actionById: ReadonlyMap<string, RecoveryAction>;
}

const cache = new WeakMap<KcSession, { at: number; groups: RequestGroups }>();
const TTL_MS = 60_000;

/** Finds a top-level group by exact name; null when none. */
export async function findTopGroup(s: KcSession, name: string): Promise<{ id: string; name: string } | null> {
  const found = await s.call((kc) =>
    kc.groups.find({ realm: s.realm, search: name, exact: true, briefRepresentation: true }),
  );
  const hit = found.find(
    (g) => g.name === name && (g.parentId === undefined || g.parentId === null) && typeof g.id === 'string',
  );
  return hit === undefined ? null : { id: hit.id as string, name };
}

/** Reads the request groups (cached for a minute; `fresh` bypasses the cache). */
export async function requestGroups(s: KcSession, fresh = false): Promise<RequestGroups> {
  const hit = cache.get(s);
  if (!fresh && hit !== undefined && s.now().getTime() - hit.at < TTL_MS && hit.groups.parentId !== null)
    return hit.groups;
  const parent = await findTopGroup(s, s.config.requestGroups.parent.slice(1));
  const byAction = new Map<RecoveryAction, string>();
  const actionById = new Map<string, RecoveryAction>();
  if (parent !== null) {
    const children =
      (await s.call(
        (kc) => kc.groups.listSubGroups({ realm: s.realm, parentId: parent.id, max: 100 }),
        'group',
      )) ?? [];
    for (const child of children) {
      const action = RECOVERY_ACTIONS.find((a) => a === child.name);
      if (action !== undefined && typeof child.id === 'string') {
        byAction.set(action, child.id);
        actionById.set(child.id, action);
      }
    }
  }
  const groups = { parentId: parent?.id ?? null, byAction, actionById };
  cache.set(s, { at: s.now().getTime(), groups });
  return groups;
}

/** Formats the status agents see in the console. */
export const formatStatus = (m: CaseStatusMarker): string =>
  // Keycloak stores attribute values in a 255-character column.
  `${m.status.slice(0, 120)} | case ${m.caseId.slice(0, 80)} | ${m.updatedAt}`.slice(0, 255);

/** Writes (or with null removes) the case status attribute. */
export async function writeCaseStatus(
  s: KcSession,
  userId: string,
  marker: CaseStatusMarker | null,
): Promise<void> {
  const name = s.config.statusAttribute;
  await updateUser(s, userId, (u) => {
    const attributes: Record<string, string[]> = { ...((u.attributes ?? {}) as Record<string, string[]>) };
    if (marker === null) delete attributes[name];
    else attributes[name] = [formatStatus(marker)];
    return { attributes };
  });
}

/** Removes the user from the request group of `action`; nothing to remove is fine. */
export async function clearRequestMarker(
  s: KcSession,
  userId: string,
  action: RecoveryAction,
): Promise<void> {
  const user = await requireUser(s, userId);
  const groupId = (await requestGroups(s)).byAction.get(action);
  if (groupId === undefined) return;
  await s.call((kc) => kc.users.delFromGroup({ realm: s.realm, id: user.id, groupId }), 'user');
}
