/**
 * Joining open cases in a batch: recovery requests for a subject and action that already have an open case
 * (an agent adding the user to the request group again, the same request from a second agent) are recorded
 * together, in one transaction with one audit-chain append, instead of one transaction each.
 * @module
 */

import type { NormalizedEvent } from '@recovery-gate/core';
import type { AuditEntry, Queryable, SettleInTx } from '../types.js';
import type { Ctx } from './context.js';
import type { CaseRecord } from './model.js';
import { toCase } from './repo.js';

const OPEN_CASES = `
  SELECT c.* FROM cases c
    JOIN unnest($1::text[], $2::text[], $3::text[]) AS r(idp, subject_id, action)
      ON c.idp = r.idp AND c.subject_id = r.subject_id AND c.action = r.action
   WHERE c.kind = 'recovery' AND c.state IN ('requested', 'verifying', 'held', 'executing')`;

const RECORD_EVENTS = `
  INSERT INTO case_events (event_key, case_id, kind, idp, subject_id, action, occurred_at, received_at)
  SELECT x.event_key, x.case_id, 'recovery_requested', x.idp, x.subject_id, x.action, x.occurred_at, $2::timestamptz
    FROM jsonb_to_recordset($1::jsonb)
      AS x(event_key text, case_id text, idp text, subject_id text, action text, occurred_at timestamptz)
  ON CONFLICT (event_key) DO NOTHING
  RETURNING event_key`;

const keyOf = (e: NormalizedEvent): string => `${e.idp}:${e.id}`;
const requestOf = (idp: string, subjectId: string, action: string | null): string =>
  JSON.stringify([idp, subjectId, action]);

/**
 * Records each `recovery_requested` event whose subject and action have an open case as joining it (its case
 * event and a `case.joined` audit record, as one request at a time would). Events seen before, and those
 * without an open case (they open one, or meet an earlier withdrawal), are left out: the caller handles them
 * one at a time. Returns the events joined, with their case as read; `settle` records them handled in the same
 * transaction (the inbox marks them done: a crash leaves them done with their joins, or neither). Writes
 * nothing when it throws.
 */
export async function joinOpenCases(
  ctx: Ctx,
  events: readonly NormalizedEvent[],
  settle?: SettleInTx,
): Promise<Map<NormalizedEvent, CaseRecord>> {
  const requests = events.filter((e) => e.kind === 'recovery_requested' && e.action !== null);
  const joined = new Map<NormalizedEvent, CaseRecord>();
  if (requests.length === 0) return joined;
  const now = ctx.now().toISOString();
  return ctx.deps.store.transaction(async (tx) => {
    const open = new Map(
      (
        await tx.query(OPEN_CASES, [
          requests.map((e) => e.idp),
          requests.map((e) => e.subject.userId),
          requests.map((e) => e.action),
        ])
      ).map((row) => {
        const c = toCase(row);
        return [requestOf(c.idp, c.subjectId, c.action), c] as const;
      }),
    );
    const candidates = requests.flatMap((event) => {
      const c = open.get(requestOf(event.idp, event.subject.userId, event.action));
      return c === undefined ? [] : [{ event, c }];
    });
    if (candidates.length === 0) return joined;
    // An event recorded before (a retry after a crash) conflicts and is left to the one-at-a-time path.
    const recorded = await recordJoins(tx, candidates, now);
    const entries: AuditEntry[] = [];
    for (const { event, c } of candidates) {
      if (!recorded.has(keyOf(event))) continue;
      joined.set(event, c);
      entries.push({
        type: 'case.joined',
        caseId: c.id,
        actor: event.actor.id,
        data: { event: keyOf(event) },
      });
    }
    // Before the audit append, which holds the chain head until the commit.
    await settle?.(tx, [...joined.keys()]);
    const { audit } = ctx.deps;
    if (audit.appendMany) await audit.appendMany(entries, tx);
    else for (const entry of entries) await audit.append(entry, tx);
    return joined;
  });
}

async function recordJoins(
  tx: Queryable,
  candidates: readonly { readonly event: NormalizedEvent; readonly c: CaseRecord }[],
  now: string,
): Promise<Set<string>> {
  const rows = candidates.map(({ event, c }) => ({
    event_key: keyOf(event),
    case_id: c.id,
    idp: event.idp,
    subject_id: event.subject.userId,
    action: event.action,
    occurred_at: event.occurredAt,
  }));
  const inserted = await tx.query<{ event_key: string }>(RECORD_EVENTS, [JSON.stringify(rows), now]);
  return new Set(inserted.map((r) => r.event_key));
}

/**
 * Whether a case just joined has anything to do that the join could start. A case verifying with nothing due
 * waits for evidence or approvals: a join changes none of what its decision reads (facts, evidence,
 * approvals), and recording a proof, an approval or a challenge's answer advances it. Any other open case is
 * advanced as before (a start not yet made, a retry due, a hold that ended, an execution).
 */
export function joinCanAdvance(c: CaseRecord, now: Date): boolean {
  if (c.state !== 'verifying') return true;
  return c.nextAttemptAt !== null && Date.parse(c.nextAttemptAt) <= now.getTime();
}
