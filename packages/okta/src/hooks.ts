/**
 * Event-hook requests: the one-time verification GET (`x-okta-verification-challenge` echoed as
 * `{verification}`) and event deliveries, both authenticated by the shared Authorization header secret,
 * compared in constant time. Deduplication across deliveries is the gate's job (by `id`, the event `uuid`).
 * @see https://developer.okta.com/docs/concepts/event-hooks/
 * @module
 */

import { GateError, type HookRequest, type HookResult, type Secret, secretsEqual } from '@recovery-gate/core';
import * as z from 'zod';
import type { Json, OktaContext } from './client/context.js';
import { normalizeAll } from './events/normalize.js';

const deliverySchema = z.object({
  eventType: z.string().optional(),
  eventId: z.string().optional(),
  data: z.object({ events: z.array(z.record(z.string(), z.unknown())) }),
});

function authenticate(secret: Secret | null, request: HookRequest): void {
  if (secret === null) {
    throw new GateError('ERR_HOOK_UNAUTHENTICATED', 'No event-hook secret is configured for Okta');
  }
  if (!secretsEqual(request.headers.authorization ?? '', secret)) {
    throw new GateError(
      'ERR_HOOK_UNAUTHENTICATED',
      'The Okta event hook did not carry the expected Authorization secret',
    );
  }
}

function verification(request: HookRequest): HookResult {
  const challenge = request.headers['x-okta-verification-challenge'];
  if (!challenge) {
    throw new GateError(
      'ERR_HOOK_MALFORMED',
      'A verification request must carry x-okta-verification-challenge',
    );
  }
  return {
    response: {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verification: challenge }),
    },
    events: [],
    resync: [],
    handshake: true,
  };
}

type Delivery = z.infer<typeof deliverySchema>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

/**
 * The common case without the schema (which copies every event): true only for what `deliverySchema` accepts
 * too. Anything else goes through the schema, which accepts or refuses it with its own message.
 */
function plainlyValid(value: unknown): value is Delivery {
  if (!isObject(value) || !optionalString(value.eventType) || !optionalString(value.eventId)) return false;
  const events = isObject(value.data) ? value.data.events : undefined;
  if (!Array.isArray(events)) return false;
  for (const event of events) {
    if (!isObject(event) || Object.getPrototypeOf(event) !== Object.prototype) return false;
  }
  return true;
}

function parseDelivery(body: string): Delivery {
  try {
    const value: unknown = JSON.parse(body);
    return plainlyValid(value) ? value : deliverySchema.parse(value);
  } catch (error) {
    throw new GateError('ERR_HOOK_MALFORMED', 'The Okta event-hook body is not a valid delivery', {
      cause: error,
    });
  }
}

/** Verifies and normalises one hook request. @throws GateError ERR_HOOK_UNAUTHENTICATED / ERR_HOOK_MALFORMED */
export async function verifyHook(
  ctx: OktaContext,
  secret: Secret | null,
  request: HookRequest,
): Promise<HookResult> {
  authenticate(secret, request);
  const method = request.method.toUpperCase();
  if (method === 'GET') return verification(request);
  if (method !== 'POST')
    throw new GateError('ERR_HOOK_MALFORMED', `Okta event hooks use GET and POST, not ${method}`);
  const delivery = parseDelivery(request.body);
  const options = { requestPrefix: ctx.config.requestGroups.prefix, principals: await ctx.principalIds() };
  // Deliveries batch events, possibly out of order and repeated: normalizeAll dedupes and orders them.
  const events = normalizeAll(delivery.data.events as Json[], options);
  return { response: { status: 200, headers: {}, body: '' }, events, resync: [], handshake: false };
}
