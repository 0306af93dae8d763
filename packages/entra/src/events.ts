/**
 * The events the adapter reads: Entra's directoryAudits (native recoveries, the requester of a request) and
 * the request groups' delta (request markers), by stream; the parts live in `events/`.
 * @see https://learn.microsoft.com/graph/api/directoryaudit-list?view=graph-rest-1.0
 * @see https://learn.microsoft.com/graph/api/group-delta?view=graph-rest-1.0
 * @module
 */

import { type EventPage, GateError } from '@recovery-gate/core';
import type { EntraContext } from './client.js';
import { readAuditEvents } from './events/audit.js';
import { readDeltaEvents } from './events/delta.js';

export { findRequester } from './events/delta.js';

/** The event streams the adapter reads. */
export const STREAMS = ['directory_audits', 'group_delta'] as const;

/** Reads one page of a stream from its cursor. @throws ERR_INPUT_INVALID for an unknown stream */
export async function readEvents(
  ctx: EntraContext,
  stream: string,
  cursor: string | null,
  options?: { readonly since?: string },
): Promise<EventPage> {
  if (stream === 'directory_audits') return readAuditEvents(ctx, cursor, options?.since);
  if (stream === 'group_delta') return readDeltaEvents(ctx, cursor);
  throw new GateError('ERR_INPUT_INVALID', `Unknown event stream ${stream}; use ${STREAMS.join(' or ')}.`);
}
