/**
 * Graph change notifications: the validation handshake (echo validationToken as text/plain), and
 * notifications checked by clientState (constant time, per notification). A notification only says a
 * request group changed: the gate is asked to resync the group_delta stream, the source of truth.
 * @see https://learn.microsoft.com/graph/change-notifications-delivery-webhooks
 * @module
 */

import { GateError, type HookRequest, type HookResult, secretsEqual } from '@recovery-gate/core';
import type { EntraContext } from './client.js';

function parse(body: string): readonly Record<string, unknown>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new GateError('ERR_HOOK_MALFORMED', 'The notification body is not JSON.', { cause: error });
  }
  const value = (parsed as { value?: unknown } | null)?.value;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((n) => typeof n === 'object' && n !== null)
  ) {
    throw new GateError('ERR_HOOK_MALFORMED', 'The notification body has no value array.');
  }
  return value as Record<string, unknown>[];
}

/** Verifies a delivery to the notification URL. @throws ERR_UNSUPPORTED, ERR_HOOK_MALFORMED, ERR_HOOK_UNAUTHENTICATED */
export function verifyHook(ctx: EntraContext, request: HookRequest): HookResult {
  const notification = ctx.config.notification;
  if (!notification)
    throw new GateError('ERR_UNSUPPORTED', 'providers.entra.notification is not configured.');
  const token = request.query.validationToken;
  if (token !== undefined) {
    if (token.length > 2048) throw new GateError('ERR_HOOK_MALFORMED', 'The validation token is too long.');
    return {
      response: { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: token },
      events: [],
      resync: [],
      handshake: true,
    };
  }
  if (request.method.toUpperCase() !== 'POST')
    throw new GateError('ERR_HOOK_MALFORMED', 'Notifications are POSTed.');
  const items = parse(request.body);
  // Every notification carries the clientState; ones without the right one are dropped (forged).
  const genuine = items.filter(
    (item) =>
      typeof item.clientState === 'string' &&
      ctx.clientState !== null &&
      secretsEqual(item.clientState, ctx.clientState),
  );
  if (genuine.length === 0) {
    throw new GateError('ERR_HOOK_UNAUTHENTICATED', 'No notification carried the expected clientState.', {
      details: { notifications: items.length },
    });
  }
  return {
    // Acknowledge at once (Graph wants 2xx within 3 s); the gate resyncs delta asynchronously.
    response: { status: 202, headers: {}, body: '' },
    events: [],
    resync: ['group_delta'],
    handshake: false,
  };
}
