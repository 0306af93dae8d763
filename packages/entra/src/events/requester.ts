/**
 * Who added a user to a request group: the "Add member to group" directoryAudits record. Group delta does not
 * say, and the audit record lags the change (2 min at p95, 5 min at p99), so a lookup may find nothing yet.
 * @see https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-reporting-latencies
 * @module
 */

import type { EventActor } from '@recovery-gate/core';
import { type EntraContext, graphList, odataString } from '../client.js';
import { GROUP_ADD } from './audit-names.js';
import type { AuditRecord } from './audit-read.js';

function actorOf(record: AuditRecord): EventActor | null {
  const user = record.initiatedBy?.user;
  const app = record.initiatedBy?.app;
  if (user?.id) return { id: user.id, type: 'user', displayName: user.displayName ?? null };
  if (app?.appId) return { id: app.appId, type: 'app', displayName: app.displayName ?? null };
  return null;
}

/**
 * The one initiator of the additions of `userId` to `groupId` between `from` and `to`; null when there is none
 * yet, or when two different principals added them in the window (never guess who the requester was).
 */
export async function requesterIn(
  ctx: EntraContext,
  userId: string,
  groupId: string,
  window: { readonly from: string; readonly to: string },
): Promise<EventActor | null> {
  const records = await graphList<AuditRecord>(ctx, '/auditLogs/directoryAudits', 'read audit log', {
    $filter:
      `activityDisplayName eq ${odataString(GROUP_ADD)} and targetResources/any(t:t/id eq ${odataString(userId)})` +
      ` and activityDateTime ge ${window.from} and activityDateTime le ${window.to}`,
    $orderby: 'activityDateTime desc',
  });
  const actors = records.filter((r) => (r.targetResources ?? []).some((t) => t.id === groupId)).map(actorOf);
  const first = actors[0];
  if (!first || actors.some((a) => a === null || a.id !== first.id)) return null;
  return first;
}
