/**
 * The event-hook guardrail: registered with the recovery-relevant, hook-eligible event types, the
 * shared secret as the Authorization header, active and verified. The secret is write-only in Okta,
 * so a changed secret cannot be detected; re-apply after rotating it (the plan says so).
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/EventHook/
 * @module
 */

import { GateError, type Secret } from '@recovery-gate/core';
import { type OktaContext, text } from '../client/context.js';
import { HOOK_EVENT_TYPES, type Inspection, list, type Step } from './steps.js';

/** The gate's event-hook definition (the secret is revealed only into this request body). */
export function hookBody(name: string, uri: string, secret: Secret): Record<string, unknown> {
  return {
    name,
    events: { type: 'EVENT_TYPE', items: [...HOOK_EVENT_TYPES] },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: {
        uri,
        headers: [],
        authScheme: { type: 'HEADER', key: 'Authorization', value: secret.reveal() },
      },
    },
  };
}

/**
 * Asks Okta to verify the hook (a GET challenge the gate answers with its secret).
 * @throws GateError ERR_IDP_CONFLICT when Okta could not verify it
 */
export async function verifyEventHook(ctx: OktaContext, eventHookId: string): Promise<void> {
  const verified = await ctx.call('verifyEventHook', 'other', () =>
    ctx.client.eventHookApi.verifyEventHook({ eventHookId }),
  );
  if (verified.verificationStatus !== 'VERIFIED') {
    throw new GateError('ERR_IDP_CONFLICT', 'Okta could not verify the event hook endpoint', {
      details: { eventHookId },
    });
  }
}

async function createHook(ctx: OktaContext, name: string, hook: HookTarget): Promise<void> {
  const created = await ctx.call('createEventHook', 'other', () =>
    ctx.client.eventHookApi.createEventHook({ eventHook: hookBody(name, hook.url, hook.secret) as never }),
  );
  if (!created.id) throw new GateError('ERR_IDP_RESPONSE_INVALID', 'Okta did not return the event hook id');
  await verifyEventHook(ctx, created.id);
}

interface HookState {
  readonly uri: string | null;
  readonly events: string[];
  readonly status: string;
  readonly verificationStatus: string;
}

async function convergeHook(
  ctx: OktaContext,
  id: string,
  name: string,
  hook: HookTarget,
  before: HookState,
  definitionSame: boolean,
): Promise<void> {
  if (!definitionSame) {
    await ctx.call('replaceEventHook', 'other', () =>
      ctx.client.eventHookApi.replaceEventHook({
        eventHookId: id,
        eventHook: hookBody(name, hook.url, hook.secret) as never,
      }),
    );
  }
  if (before.status !== 'ACTIVE') {
    await ctx.call('activateEventHook', 'other', () =>
      ctx.client.eventHookApi.activateEventHook({ eventHookId: id }),
    );
  }
  // Replacing the URI resets verification: read the hook again before deciding.
  const after = await ctx.call('getEventHook', 'other', () =>
    ctx.client.eventHookApi.getEventHook({ eventHookId: id }),
  );
  if (after.verificationStatus !== 'VERIFIED') await verifyEventHook(ctx, id);
}

/** Where the hook delivers and with which secret. */
export interface HookTarget {
  readonly url: string;
  readonly secret: Secret;
}

/** The event-hook step. */
export function hookStep(ctx: OktaContext, hook: HookTarget): Step {
  const name = ctx.config.names.eventHook;
  const wanted = {
    uri: hook.url,
    events: [...HOOK_EVENT_TYPES].sort(),
    status: 'ACTIVE',
    verificationStatus: 'VERIFIED',
  };
  return {
    resource: 'event_hook',
    name,
    reason: 'Delivers native-console events (request-group changes, resets) to the gate at once',
    async inspect(): Promise<Inspection> {
      const hooks = await ctx.call('listEventHooks', 'other', async () =>
        list(await ctx.client.eventHookApi.listEventHooks()),
      );
      const current = hooks.find((h) => h.name === name);
      if (!current?.id)
        return { op: 'create', before: null, after: wanted, run: () => createHook(ctx, name, hook) };
      const id = current.id;
      const before: HookState = {
        uri: text(current.channel?.config, 'uri'),
        events: [...(current.events?.items ?? [])].sort(),
        status: String(current.status),
        verificationStatus: String(current.verificationStatus),
      };
      const definitionSame = before.uri === wanted.uri && before.events.join() === wanted.events.join();
      const same = definitionSame && before.status === 'ACTIVE' && before.verificationStatus === 'VERIFIED';
      return {
        op: same ? 'noop' : 'update',
        before,
        after: wanted,
        run: () => convergeHook(ctx, id, name, hook, before, definitionSame),
      };
    },
  };
}
