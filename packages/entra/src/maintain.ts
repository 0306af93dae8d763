/**
 * The running gate's upkeep: Graph change-notification subscriptions on the request groups last at most
 * 41,760 minutes and Graph deletes them when they expire, so the gate renews each one with less than 7 days
 * left and recreates one that is gone, between `apply` runs. Without notifications there is nothing to keep.
 * @see https://learn.microsoft.com/graph/change-notifications-overview#subscription-lifetime
 * @module
 */

import type { MaintenanceResult } from '@recovery-gate/core';
import { type EntraContext, graphList } from './client.js';
import { subscription } from './guardrails/apply.js';
import { subscriptionChanges } from './guardrails/desired.js';
import { readGroups, type SubscriptionView } from './guardrails/read.js';

/** Renews expiring subscriptions and recreates missing ones; reads only the groups and subscriptions. */
export async function maintain(ctx: EntraContext): Promise<MaintenanceResult> {
  if (!ctx.config.notification) return { done: [], nextExpiry: null };
  const read = async () => {
    const [groups, subscriptions] = await Promise.all([
      readGroups(ctx),
      graphList<SubscriptionView>(ctx, '/subscriptions', 'read subscriptions'),
    ]);
    return { groups, subscriptions };
  };
  const view = await read();
  const done: MaintenanceResult['done'][number][] = [];
  // A request group that does not exist yet is `apply`'s to create, not the upkeep's.
  const changes = subscriptionChanges(ctx, view).filter(
    (c) => c.op !== 'noop' && view.groups.has(c.name.replace(/\/members$/, '')),
  );
  for (const change of changes) {
    if (await subscription(ctx, change, view))
      done.push({
        kind: 'subscription',
        name: change.name,
        op: change.op === 'create' ? 'created' : 'renewed',
      });
  }
  const after = done.length > 0 ? await read() : view;
  const ours = after.subscriptions.filter((s) => s.notificationUrl === ctx.config.notification?.url);
  const soonest = ours.map((s) => Date.parse(s.expirationDateTime)).filter((t) => !Number.isNaN(t));
  return {
    done,
    nextExpiry: soonest.length > 0 ? new Date(Math.min(...soonest)).toISOString() : null,
  };
}
