/**
 * The upkeep while the gate runs (`RecoveryProvider.maintain`): the gate's event hook must stay ACTIVE and
 * VERIFIED with the gate's target and event types, since Okta delivers to no other hook (an admin or
 * attacker deactivating or redirecting it blinds the gate's low-latency feed; the System Log poll keeps
 * running either way). When it is not as the gate needs it, the run writes the definition back with the
 * gate's secret, reactivates it, has Okta verify it (a challenge the gate answers) and reports `restored`.
 * A deleted hook is not created here (upkeep runs at every start, before anyone may have run `apply`):
 * the run fails, so the failure is counted and logged until `apply` creates it.
 * Not detected: a secret changed on a hook that stays active and verified (Okta never returns the value);
 * the gate then refuses those deliveries (ERR_HOOK_UNAUTHENTICATED) and reads the events from the log.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/EventHook/
 * @module
 */

import { GateError, type MaintenanceResult } from '@recovery-gate/core';
import { type OktaContext, text } from './client/context.js';
import { type HookTarget, hookBody, verifyEventHook } from './guardrails/hook.js';
import { HOOK_EVENT_TYPES, list } from './guardrails/steps.js';

const KIND = 'event_hook';

/** The gate's hook as Okta holds it, or null when there is none by the configured name. */
async function findHook(ctx: OktaContext, name: string) {
  const hooks = await ctx.call('listEventHooks', 'other', async () =>
    list(await ctx.client.eventHookApi.listEventHooks()),
  );
  return hooks.find((h) => h.name === name && h.id) ?? null;
}

/** Writes the gate's definition back (with its secret), reactivates the hook and verifies it. */
async function restore(ctx: OktaContext, id: string, name: string, hook: HookTarget, active: boolean) {
  await ctx.call('replaceEventHook', 'other', () =>
    ctx.client.eventHookApi.replaceEventHook({
      eventHookId: id,
      eventHook: hookBody(name, hook.url, hook.secret) as never,
    }),
  );
  if (!active) {
    await ctx.call('activateEventHook', 'other', () =>
      ctx.client.eventHookApi.activateEventHook({ eventHookId: id }),
    );
  }
  await verifyEventHook(ctx, id);
}

/** Reads the hook again and fails unless it is ACTIVE and VERIFIED. @throws GateError ERR_IDP_CONFLICT */
async function confirm(ctx: OktaContext, name: string): Promise<void> {
  const after = await findHook(ctx, name);
  if (after?.status !== 'ACTIVE' || after.verificationStatus !== 'VERIFIED') {
    throw new GateError(
      'ERR_IDP_CONFLICT',
      'The Okta event hook is still not active and verified after upkeep',
      {
        details: { eventHook: name, status: String(after?.status ?? 'missing') },
      },
    );
  }
}

/**
 * Keeps the gate's event hook alive. Without a configured hook there is nothing to keep.
 * @throws GateError ERR_IDP_CONFLICT when the hook is missing or cannot be made active and verified;
 *   ERR_IDP_BAD_REQUEST when Okta's verification challenge got no valid answer; other IdP errors as mapped
 */
export async function maintain(ctx: OktaContext, hook: HookTarget | null): Promise<MaintenanceResult> {
  if (hook === null) return { done: [], nextExpiry: null };
  const name = ctx.config.names.eventHook;
  const current = await findHook(ctx, name);
  if (current?.id === undefined) {
    throw new GateError(
      'ERR_IDP_CONFLICT',
      `Okta has no event hook named "${name}": run apply to create it (the System Log poll still runs)`,
      { details: { eventHook: name } },
    );
  }
  const active = current.status === 'ACTIVE';
  const sameTarget =
    text(current.channel?.config, 'uri') === hook.url &&
    [...(current.events?.items ?? [])].sort().join() === [...HOOK_EVENT_TYPES].sort().join();
  if (active && current.verificationStatus === 'VERIFIED' && sameTarget)
    return { done: [], nextExpiry: null };
  await restore(ctx, current.id, name, hook, active);
  await confirm(ctx, name);
  return { done: [{ kind: KIND, name, op: 'restored' }], nextExpiry: null };
}
