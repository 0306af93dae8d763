/**
 * Opening cases: from a request-group event or the case API, idempotent on the source event id; a
 * second request for the same subject and action while one is open joins it.
 * @module
 */

import { randomUUID } from 'node:crypto';
import { GateError, type NormalizedEvent } from '@recovery-gate/core';
import type { Queryable } from '../types.js';
import { type Ctx, transition } from './context.js';
import type { CaseRecord, OpenCaseRequest } from './model.js';
import { loadCase, toCase } from './repo.js';

/** The outcome of opening: the case, whether this call created it, and whether it joined an open one. */
export interface Opened {
  readonly caseRecord: CaseRecord | null;
  readonly created: boolean;
  readonly joined: boolean;
}

async function recordEvent(
  tx: Queryable,
  key: string,
  caseId: string | null,
  e: { kind: string; idp: string; subjectId: string; action: string | null; occurredAt: string; now: Date },
): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO case_events (event_key, case_id, kind, idp, subject_id, action, occurred_at, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_key) DO NOTHING RETURNING event_key`,
    [key, caseId, e.kind, e.idp, e.subjectId, e.action, e.occurredAt, e.now.toISOString()],
  );
  return rows.length > 0;
}

async function caseForEvent(
  tx: Queryable,
  key: string,
): Promise<{ found: boolean; caseRecord: CaseRecord | null }> {
  const rows = await tx.query('SELECT case_id FROM case_events WHERE event_key = $1', [key]);
  if (!rows[0]) return { found: false, caseRecord: null };
  const id = rows[0].case_id;
  return { found: true, caseRecord: typeof id === 'string' ? await loadCase(tx, id) : null };
}

/**
 * What opening a request must know, in one statement (one round trip instead of up to four): the case this
 * event was recorded for already (`seen`: its case is null when the event met a withdrawal), the open case
 * of the same subject and action (`open`), and whether a withdrawal of the request that is newer than it
 * arrived before it, out of order (`withdrawn`). Each row carries the case's columns (null where there is
 * none), so a case reads as `SELECT * FROM cases` gives it.
 */
const LOOKUP = `
  SELECT 'seen' AS why, c.* FROM case_events e LEFT JOIN cases c ON c.id = e.case_id WHERE e.event_key = $1
  UNION ALL
  (SELECT 'open', c.* FROM cases c
    WHERE c.kind = 'recovery' AND c.idp = $2 AND c.subject_id = $3 AND c.action = $4
      AND c.state IN ('requested', 'verifying', 'held', 'executing') LIMIT 1)
  UNION ALL
  SELECT 'withdrawn', c.* FROM (
      SELECT 1 FROM case_events WHERE kind = 'recovery_request_withdrawn' AND idp = $2 AND subject_id = $3
         AND action = $4 AND occurred_at >= $5 AND case_id IS NULL LIMIT 1) w
    LEFT JOIN cases c ON false`;

interface Lookup {
  readonly seen: { readonly caseRecord: CaseRecord | null } | null;
  readonly open: CaseRecord | null;
  readonly withdrawn: boolean;
}

async function lookup(tx: Queryable, r: ResolvedRequest): Promise<Lookup> {
  const rows = await tx.query(LOOKUP, [r.eventKey, r.idp, r.subjectId, r.action, r.occurredAt]);
  const seen = rows.find((row) => row.why === 'seen');
  const open = rows.find((row) => row.why === 'open');
  return {
    seen: seen === undefined ? null : { caseRecord: seen.id == null ? null : toCase(seen) },
    open: open === undefined ? null : toCase(open),
    withdrawn: rows.some((row) => row.why === 'withdrawn'),
  };
}

/** Inserts a new case and records the event that opened it, in one statement; returns the case's row. */
const INSERT_CASE = `
  WITH c AS (
    INSERT INTO cases (id, kind, idp, subject_id, subject_login, action, requester_id, state,
      next_attempt_at, expires_at, created_at, updated_at)
    VALUES ($1, 'recovery', $2, $3, $4, $5, $6, 'requested', $7, $8, $7, $7)
    RETURNING *),
  e AS (
    INSERT INTO case_events (event_key, case_id, kind, idp, subject_id, action, occurred_at, received_at)
    SELECT $9::text, c.id, 'recovery_requested', c.idp, c.subject_id, c.action, $10::timestamptz, $7::timestamptz
      FROM c
    ON CONFLICT (event_key) DO NOTHING)
  SELECT * FROM c`;

/** A request whose subject is resolved to the IdP's id. */
export interface ResolvedRequest {
  readonly idp: OpenCaseRequest['idp'];
  readonly subjectId: string;
  readonly subjectLogin: string | null;
  readonly action: OpenCaseRequest['action'];
  readonly requesterId: string | null;
  readonly eventKey: string;
  readonly occurredAt: string;
}

/** Inserts the case (or joins the open one, or returns the one this event already opened). */
export async function insertCase(ctx: Ctx, r: ResolvedRequest): Promise<Opened> {
  const now = ctx.now();
  return ctx.deps.store.transaction(async (tx) => {
    const found = await lookup(tx, r);
    if (found.seen) return { caseRecord: found.seen.caseRecord, created: false, joined: false };
    const eventFacts = { ...r, kind: 'recovery_requested', now };
    const { open } = found;
    if (open) {
      await recordEvent(tx, r.eventKey, open.id, eventFacts);
      await ctx.deps.audit.append(
        { type: 'case.joined', caseId: open.id, actor: r.requesterId, data: { event: r.eventKey } },
        tx,
      );
      return { caseRecord: open, created: false, joined: true };
    }
    if (found.withdrawn) {
      await recordEvent(tx, r.eventKey, null, eventFacts);
      return { caseRecord: null, created: false, joined: false };
    }
    const id = randomUUID();
    const at = now.toISOString();
    const expiresAt = new Date(now.getTime() + ctx.policy.caseTtlSeconds * 1000).toISOString();
    const [row] = await tx.query(INSERT_CASE, [
      id,
      r.idp,
      r.subjectId,
      r.subjectLogin,
      r.action,
      r.requesterId,
      at,
      expiresAt,
      r.eventKey,
      r.occurredAt,
    ]);
    await ctx.deps.audit.append(
      {
        type: 'case.opened',
        caseId: id,
        actor: r.requesterId,
        data: { idp: r.idp, subject: r.subjectId, action: r.action, event: r.eventKey },
      },
      tx,
    );
    return { caseRecord: row ? toCase(row) : null, created: true, joined: false };
  });
}

/** Resolves an API request's subject (id or login) to the IdP's id. */
export async function resolveRequest(ctx: Ctx, request: OpenCaseRequest): Promise<ResolvedRequest> {
  const person = await ctx.provider(request.idp).findUser(request.subject);
  if (!person) throw new GateError('ERR_USER_NOT_FOUND', undefined, { details: { idp: request.idp } });
  return {
    idp: request.idp,
    subjectId: person.id,
    subjectLogin: person.login,
    action: request.action,
    requesterId: request.requesterId,
    eventKey: request.sourceEventId ?? `api:${randomUUID()}`,
    occurredAt: ctx.now().toISOString(),
  };
}

/** Turns a `recovery_requested` event into a request. */
export function requestFromEvent(event: NormalizedEvent): ResolvedRequest {
  if (event.action === null) {
    throw new GateError('ERR_INPUT_INVALID', 'A recovery request event must name its action.');
  }
  return {
    idp: event.idp,
    subjectId: event.subject.userId,
    subjectLogin: event.subject.login,
    action: event.action,
    requesterId: event.actor.id,
    eventKey: `${event.idp}:${event.id}`,
    occurredAt: event.occurredAt,
  };
}

/** Handles `recovery_request_withdrawn`: cancels the open case the request opened (not one opened later). */
export async function withdraw(ctx: Ctx, event: NormalizedEvent): Promise<string | null> {
  const key = `${event.idp}:${event.id}`;
  const now = ctx.now();
  return ctx.deps.store.transaction(async (tx) => {
    if ((await caseForEvent(tx, key)).found) return null;
    const rows = await tx.query(
      `SELECT c.* FROM cases c WHERE c.kind = 'recovery' AND c.idp = $1 AND c.subject_id = $2
         AND ($3::text IS NULL OR c.action = $3) AND c.state IN ('requested', 'verifying', 'held')
         AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.occurred_at <= $4)
       ORDER BY c.created_at LIMIT 1 FOR UPDATE`,
      [event.idp, event.subject.userId, event.action, event.occurredAt],
    );
    const c = rows[0] ? toCase(rows[0]) : null;
    await recordEvent(tx, key, c?.id ?? null, {
      kind: 'recovery_request_withdrawn',
      idp: event.idp,
      subjectId: event.subject.userId,
      action: event.action,
      occurredAt: event.occurredAt,
      now,
    });
    if (!c) return null;
    await transition(ctx, tx, c, 'cancel', { actor: event.actor.id ?? 'idp', reason: 'request_withdrawn' });
    return c.id;
  });
}
