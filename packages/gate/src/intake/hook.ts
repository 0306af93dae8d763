/**
 * Hook intake: verify, store durably, then acknowledge. Processing happens later, in the worker.
 * @module
 */

import { performance } from 'node:perf_hooks';
import {
  type ErrorCode,
  type HookRequest,
  type HookResponse,
  isGateError,
  type RecoveryProvider,
} from '@recovery-gate/core';
import type { Logger, Metrics, Store } from '../types.js';
import type { SecurityAlert } from './alerts.js';
import { checkEvents, insertEvents } from './inbox.js';
import type { RefusalAlerts, RefusalKind } from './refusals.js';
import type { InboxWriter } from './writer.js';

/** The largest hook body accepted, in bytes (Okta and Graph deliveries are far smaller). */
export const MAX_HOOK_BODY_BYTES = 256 * 1024;

/** What hook intake needs. */
export interface HookDeps {
  readonly store: Store;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly alert: (alert: SecurityAlert) => Promise<void>;
  /** Aggregates the alerts of refused hooks per source and window; without it each refusal is alerted. */
  readonly refusals?: RefusalAlerts;
  /**
   * Stores deliveries with group commit (shared by every request, see `createInboxWriter`). Without it,
   * each delivery is stored in its own transaction.
   */
  readonly inbox?: InboxWriter;
  /** Called after new events were stored (wakes the worker). */
  readonly onStored?: (count: number) => void;
  /** Called for each stream a delivery hinted at (polls it now). */
  readonly onResync?: (idp: string, stream: string) => void;
  /** @default MAX_HOOK_BODY_BYTES */
  readonly maxBodyBytes?: number;
}

/** A JSON error response with a stable code and no internals. */
export function errorResponse(
  status: number,
  code: ErrorCode | 'ERR_NOT_FOUND' | 'ERR_METHOD',
  message: string,
): HookResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ error: { code, message } }),
  };
}

/**
 * Handles one hook request for `provider`: 413 when too large, 401 when forged, 400 when malformed (each
 * with a security alert, aggregated per source), 503 when the store cannot take it, the provider's answer otherwise. Events are
 * stored before the answer, so a 2xx always means durably received.
 */
export async function handleHook(
  deps: HookDeps,
  provider: RecoveryProvider,
  request: HookRequest,
  meta: { readonly remoteAddress?: string } = {},
): Promise<HookResponse> {
  const started = performance.now();
  const { logger, metrics } = deps;
  const idp = provider.idp;
  const remoteAddress = meta.remoteAddress ?? null;
  if (Buffer.byteLength(request.body, 'utf8') > (deps.maxBodyBytes ?? MAX_HOOK_BODY_BYTES)) {
    await refused(deps, 'hook.too_large', idp, request, remoteAddress);
    return errorResponse(413, 'ERR_HOOK_TOO_LARGE', 'The hook body is larger than allowed.');
  }
  let result: Awaited<ReturnType<RecoveryProvider['verifyHook']>>;
  try {
    result = await provider.verifyHook(request);
  } catch (error) {
    if (isGateError(error, 'ERR_HOOK_UNAUTHENTICATED')) {
      deps.metrics.inc('recovery_hooks_forged_total', { idp });
      await refused(deps, 'hook.forged', idp, request, remoteAddress);
      return errorResponse(401, 'ERR_HOOK_UNAUTHENTICATED', 'The hook request is not authenticated.');
    }
    if (isGateError(error, 'ERR_HOOK_MALFORMED')) {
      logger.info('malformed hook refused', { idp, code: error.code });
      await refused(deps, 'hook.malformed', idp, request, remoteAddress);
      return errorResponse(400, 'ERR_HOOK_MALFORMED', 'The hook body is not a valid delivery.');
    }
    if (isGateError(error, 'ERR_UNSUPPORTED')) {
      return errorResponse(404, 'ERR_NOT_FOUND', `${idp} does not deliver hooks; it is polled.`);
    }
    logger.error('hook verification failed', { idp, error });
    return errorResponse(500, 'ERR_STORAGE', 'The hook could not be processed.');
  }
  if (result.handshake) return result.response;
  const problems = checkEvents(idp, result.events);
  if (problems.length > 0) {
    logger.error('adapter produced unreadable events; nothing stored', {
      idp,
      problems: problems.join('; '),
    });
    return errorResponse(500, 'ERR_IDP_RESPONSE_INVALID', 'The hook could not be processed.');
  }
  let stored: number;
  try {
    const { events } = result;
    stored = await (deps.inbox?.write(events) ??
      deps.store.transaction((tx) => insertEvents(tx, events, 'hook', deps.now()), { priority: 'high' }));
  } catch (error) {
    logger.error('hook not stored; not acknowledged', { idp, error });
    return errorResponse(503, 'ERR_STORAGE', 'The hook could not be stored; retry later.');
  }
  metrics.inc('recovery_events_total', { idp, source: 'hook' }, stored);
  metrics.observe('recovery_hook_ack_seconds', (performance.now() - started) / 1000, { idp });
  logger.debug('hook stored', { idp, events: result.events.length, stored });
  if (stored > 0) deps.onStored?.(stored);
  for (const stream of result.resync) deps.onResync?.(idp, stream);
  return result.response;
}

async function refused(
  deps: HookDeps,
  kind: RefusalKind,
  idp: string,
  request: HookRequest,
  remoteAddress: string | null,
): Promise<void> {
  // Only what identifies the attempt: never headers (they carry the presented secret) nor the body.
  const data = {
    idp,
    method: request.method,
    bodyBytes: Buffer.byteLength(request.body, 'utf8'),
    userAgent: (request.headers['user-agent'] ?? '').slice(0, 200),
    remoteAddress,
  };
  try {
    if (deps.refusals) await deps.refusals.note({ kind, idp, source: remoteAddress, data });
    else await deps.alert({ kind, idp, data });
  } catch (error) {
    deps.logger.error('could not record a refused-hook alert', { idp, kind, error });
  }
}
