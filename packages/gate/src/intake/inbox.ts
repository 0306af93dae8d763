/**
 * The inbox: every external event stored once under its idempotency key `<idp>:<event id>`.
 * @module
 */

import { IDP_KINDS, type NormalizedEvent } from '@recovery-gate/core';
import * as z from 'zod';
import type { Queryable } from '../types.js';

/** The idempotency key of an event. */
export function eventKey(event: Pick<NormalizedEvent, 'idp' | 'id'>): string {
  return `${event.idp}:${event.id}`;
}

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO date');

/** A structural check of what an adapter hands over, so nothing unreadable enters the inbox. */
const eventSchema = z.object({
  id: z.string().min(1).max(512),
  idp: z.enum(IDP_KINDS),
  kind: z.string().min(1),
  sourceType: z.string(),
  occurredAt: isoDate,
  actor: z.object({
    id: z.string(),
    type: z.enum(['user', 'app', 'system']),
    displayName: z.string().nullable(),
  }),
  subject: z.object({ userId: z.string().min(1), login: z.string().nullable() }),
  action: z.string().nullable(),
  authenticatorKind: z.string().nullable(),
});

const IDPS: ReadonlySet<string> = new Set(IDP_KINDS);
const ACTOR_TYPES: ReadonlySet<string> = new Set(['user', 'app', 'system']);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const stringOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

/**
 * The common case without the schema (every hook's events pass here): true only for an event `eventSchema`
 * accepts too. Anything else goes through the schema, which accepts it or names its problems.
 */
function plainlyWellFormed(e: NormalizedEvent): boolean {
  const { actor, subject } = e as unknown as Record<string, unknown>;
  return (
    nonEmpty(e.id) &&
    e.id.length <= 512 &&
    IDPS.has(e.idp) &&
    nonEmpty(e.kind) &&
    typeof e.sourceType === 'string' &&
    typeof e.occurredAt === 'string' &&
    !Number.isNaN(Date.parse(e.occurredAt)) &&
    isObject(actor) &&
    typeof actor.id === 'string' &&
    ACTOR_TYPES.has(actor.type as string) &&
    stringOrNull(actor.displayName) &&
    isObject(subject) &&
    nonEmpty(subject.userId) &&
    stringOrNull(subject.login) &&
    stringOrNull(e.action) &&
    stringOrNull(e.authenticatorKind)
  );
}

/** Returns the events' problems (empty when all are well-formed and belong to `idp`). */
export function checkEvents(idp: string, events: readonly NormalizedEvent[]): string[] {
  const problems: string[] = [];
  events.forEach((event, i) => {
    if (isObject(event) && plainlyWellFormed(event)) {
      if (event.idp !== idp) problems.push(`event ${i}: idp ${event.idp} is not ${idp}`);
      return;
    }
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) problems.push(`event ${i}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
    else if (event.idp !== idp) problems.push(`event ${i}: idp ${event.idp} is not ${idp}`);
  });
  return problems;
}

const COLUMNS = 9;
/** Rows per statement: well under PostgreSQL's 65535 bind parameters. */
export const INBOX_INSERT_CHUNK = 500;
const CHUNK = INBOX_INSERT_CHUNK;

function rowParams(event: NormalizedEvent, source: string, receivedAt: string): unknown[] {
  return [
    eventKey(event),
    event.idp,
    event.id,
    event.kind,
    `${event.idp}:${event.subject.userId}`,
    new Date(event.occurredAt).toISOString(),
    receivedAt,
    source,
    JSON.stringify(event),
  ];
}

/** Inserts events (duplicates, also within the batch, are ignored); returns how many were new. */
export async function insertEvents(
  q: Queryable,
  events: readonly NormalizedEvent[],
  source: string,
  receivedAt: Date,
): Promise<number> {
  return (await insertEventKeys(q, events, source, receivedAt)).length;
}

/**
 * Inserts events like {@link insertEvents}; returns the idempotency keys of those that were new. Up to
 * {@link INBOX_INSERT_CHUNK} events take one statement.
 */
export async function insertEventKeys(
  q: Queryable,
  events: readonly NormalizedEvent[],
  source: string,
  receivedAt: Date,
): Promise<string[]> {
  const at = receivedAt.toISOString();
  const inserted: string[] = [];
  for (let start = 0; start < events.length; start += CHUNK) {
    const chunk = events.slice(start, start + CHUNK);
    const values = chunk.map((_, i) => {
      const p = (n: number) => `$${i * COLUMNS + n}`;
      return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}::jsonb, ${p(7)})`;
    });
    const rows = await q.query<{ idempotency_key: string }>(
      `INSERT INTO gate_inbox (idempotency_key, idp, event_id, kind, subject_key, occurred_at, received_at, source,
                               payload, next_attempt_at)
       VALUES ${values.join(', ')}
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING idempotency_key`,
      chunk.flatMap((event) => rowParams(event, source, at)),
    );
    for (const row of rows) inserted.push(row.idempotency_key);
  }
  return inserted;
}
