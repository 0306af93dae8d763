/**
 * Desired TAP policy and notification subscriptions, compared with the tenant.
 * @module
 */

import type { GuardrailChange } from '@recovery-gate/core';
import { RECOVERY_ACTIONS } from '@recovery-gate/core';
import type { EntraContext } from '../client.js';
import { requestGroupName } from '../status.js';
import type { TapPolicyView, TenantView } from './read.js';

/** Subscription lifetime set on create and renew: the directory maximum (41,760) less an hour. */
export const SUBSCRIPTION_MINUTES = 41_700;
/** Renew when a subscription has less than this left. */
const RENEW_BEFORE_MS = 7 * 86_400_000;

/** The desired TAP configuration (`includeTargets` null when the include group is missing). */
export function desiredTap(ctx: EntraContext, includeGroupId: string | null): TapPolicyView {
  const policy = ctx.config.tapPolicy;
  return {
    state: 'enabled',
    isUsableOnce: policy.isUsableOnce,
    minimumLifetimeInMinutes: policy.minimumLifetimeInMinutes,
    maximumLifetimeInMinutes: policy.maximumLifetimeInMinutes,
    defaultLifetimeInMinutes: policy.defaultLifetimeInMinutes,
    includeTargets: includeGroupId === null ? [] : [includeGroupId],
  };
}

/** The TAP policy change (noop when equal; the include group is left alone when it is missing). */
export function tapChange(current: TapPolicyView, desired: TapPolicyView): GuardrailChange {
  const wanted =
    desired.includeTargets.length === 0 ? { ...desired, includeTargets: current.includeTargets } : desired;
  const same = JSON.stringify(current) === JSON.stringify(wanted);
  return {
    op: same ? 'noop' : 'update',
    resource: 'tap_policy',
    name: 'TemporaryAccessPass',
    reason:
      'Bounds every TAP in the tenant (the gate and agents alike): short lifetimes, one-time use, who may sign in with one.',
    before: current,
    after: wanted,
  };
}

/** One subscription per request group on its members (create, or update to renew). */
export function subscriptionChanges(
  ctx: EntraContext,
  view: Pick<TenantView, 'groups' | 'subscriptions'>,
): GuardrailChange[] {
  const notification = ctx.config.notification;
  if (!notification) return [];
  return RECOVERY_ACTIONS.map((action) => {
    const group = requestGroupName(ctx, action);
    const id = view.groups.get(group);
    const existing = id
      ? view.subscriptions.find(
          (s) =>
            s.resource.toLowerCase() === `/groups/${id}/members`.toLowerCase() &&
            s.notificationUrl === notification.url,
        )
      : undefined;
    const expiring =
      existing !== undefined &&
      Date.parse(existing.expirationDateTime) - ctx.now().getTime() < RENEW_BEFORE_MS;
    return {
      op: existing ? (expiring ? 'update' : 'noop') : 'create',
      resource: 'subscription',
      name: `${group}/members`,
      reason: 'Change notifications tell the gate at once when an agent adds a user to a request group.',
      before: existing ? { id: existing.id, expirationDateTime: existing.expirationDateTime } : null,
      after: { notificationUrl: notification.url, changeType: 'updated' },
    };
  });
}
