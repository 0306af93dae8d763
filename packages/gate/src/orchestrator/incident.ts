/**
 * Bypasses: recoveries done in the native console by anyone but the gate. Detect mode records an incident
 * and alerts; enforce mode also remediates (revoke sessions and tokens, remove authenticators bound since
 * the event, revoke a native temporary credential, suspend if configured) as a journaled plan.
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { NormalizedEvent, RecoveryAction } from '@recovery-gate/core';
import type { AuditEntry, Notification, Queryable, SettleInTx } from '../types.js';
import { alertSecurity, type Ctx, notify } from './context.js';
import type { CaseRecord } from './model.js';
import { journalEntry } from './repo.js';

const ACTION_OF: Readonly<Record<string, RecoveryAction>> = {
  native_password_reset: 'password_reset',
  native_authenticator_reset: 'mfa_reset',
  native_authenticator_enrolled: 'authenticator_rebind',
  native_temporary_credential: 'mfa_reset',
  native_unlock: 'account_unlock',
  native_sessions_revoked: 'mfa_reset',
  native_contact_changed: 'recovery_contact_change',
};

/** Enrolments and contact changes an account may make itself (benign unless the account is watched). */
function isSelfService(event: NormalizedEvent): boolean {
  const kinds = ['native_authenticator_enrolled', 'native_contact_changed'];
  return kinds.includes(event.kind) && event.actor.id === event.subject.userId;
}

/**
 * Whether the account is watched: a bypass incident on it within `bypass.watch` before the event, and no
 * recovery through the gate issued a credential since (that recovery's own enrolments are the subject's).
 * An attacker who kept a foothold enrols again right after the remediation: that must not pass as benign.
 */
async function isWatched(ctx: Ctx, event: NormalizedEvent): Promise<boolean> {
  const at = Date.parse(event.occurredAt);
  if (Number.isNaN(at)) return true; // Fail closed: an undated self-enrolment is not waved through.
  const from = new Date(at - ctx.policy.bypass.watchSeconds * 1000).toISOString();
  const rows = await ctx.deps.store.query(
    `SELECT 1 FROM cases i WHERE i.kind = 'incident' AND i.idp = $1 AND i.subject_id = $2
       AND i.created_at >= $3::timestamptz AND i.created_at <= $4::timestamptz
       AND NOT EXISTS (SELECT 1 FROM cases r JOIN case_journal j ON j.case_id = r.id
         WHERE r.kind = 'recovery' AND r.idp = i.idp AND r.subject_id = i.subject_id
           AND j.step = 'issue' AND j.state = 'done' AND j.updated_at >= i.created_at)
     LIMIT 1`,
    [event.idp, event.subject.userId, from, event.occurredAt],
  );
  return rows.length > 0;
}

/** Events that are harmless or the subject's own doing, never remediated. */
function isBenign(ctx: Ctx, event: NormalizedEvent): boolean {
  if (event.actor.id !== null && ctx.options.gateActorIds.includes(event.actor.id)) return true;
  if (event.kind === 'native_sessions_revoked') return true;
  const selfService =
    event.kind === 'native_authenticator_enrolled' || event.kind === 'native_contact_changed';
  return selfService && event.actor.id === event.subject.userId;
}

/** The gate's own steps a native event of each kind may be (matched by subject and time). */
const OWN_STEPS: Readonly<Record<string, readonly string[]>> = {
  native_password_reset: ['reset'],
  native_authenticator_reset: ['reset'],
  native_unlock: ['reset'],
  native_temporary_credential: ['issue'],
};

/**
 * Which of `events` the gate itself did, as a step of one of its cases (matched by subject and time), in
 * one query. A person in the console is never the gate; only the gate's own app identity can match its steps.
 */
async function ownSteps(ctx: Ctx, events: readonly NormalizedEvent[]): Promise<Set<number>> {
  const probes = events.flatMap((event, i) => {
    const names = OWN_STEPS[event.kind];
    if (!names || event.actor.type === 'user') return [];
    return [
      { i, idp: event.idp, subject: event.subject.userId, steps: names.join(','), at: event.occurredAt },
    ];
  });
  if (probes.length === 0) return new Set();
  const rows = await ctx.deps.store.query<{ i: number }>(
    `SELECT x.i FROM jsonb_to_recordset($1::jsonb) AS x(i int, idp text, subject text, steps text, at timestamptz)
      WHERE EXISTS (SELECT 1 FROM case_journal j JOIN cases c ON c.id = j.case_id
        WHERE c.kind = 'recovery' AND c.idp = x.idp AND c.subject_id = x.subject
          AND j.step = ANY(string_to_array(x.steps, ',')) AND j.state IN ('started', 'done')
          AND j.updated_at BETWEEN x.at - interval '15 minutes' AND x.at + interval '15 minutes')`,
    [JSON.stringify(probes)],
  );
  return new Set(rows.map((r) => Number(r.i)));
}

/** How far apart the events of one native action may be (one console click logs one event per method). */
const ACTION_WINDOW_MS = 5 * 60_000;

/**
 * For each probe, the incident already opened for the native action its event belongs to: same IdP,
 * subject, actor, kind, moment (one query for a batch).
 */
async function incidentsOfActions(
  tx: Queryable,
  events: readonly NormalizedEvent[],
): Promise<Map<number, string>> {
  const probes = events.map((event, i) => ({
    i,
    reason: `bypass:${event.kind}`,
    idp: event.idp,
    subject: event.subject.userId,
    actor: event.actor.id,
    at: event.occurredAt,
  }));
  const rows = await tx.query<{ i: number; case_id: string }>(
    `SELECT x.i, g.case_id FROM jsonb_to_recordset($1::jsonb)
        AS x(i int, reason text, idp text, subject text, actor text, at timestamptz)
      CROSS JOIN LATERAL (
        SELECT e.case_id FROM case_events e JOIN cases c ON c.id = e.case_id
         WHERE c.kind = 'incident' AND c.reason = x.reason AND e.idp = x.idp AND e.subject_id = x.subject
           AND c.requester_id = x.actor
           AND e.occurred_at BETWEEN x.at - interval '5 minutes' AND x.at + interval '5 minutes'
         ORDER BY e.occurred_at LIMIT 1) g`,
    [JSON.stringify(probes)],
  );
  return new Map(rows.map((r) => [Number(r.i), String(r.case_id)]));
}

/** An incident opened in this batch, and the times of the events joined to it. */
interface NewIncident {
  readonly id: string;
  readonly event: NormalizedEvent;
  readonly watched: boolean;
  readonly times: number[];
  readonly alert: Notification;
}

/** A new incident of the batch that `event` belongs to (same action: subject, actor, kind, moment), if any. */
function sameActionIn(opened: readonly NewIncident[], event: NormalizedEvent): NewIncident | undefined {
  const at = Date.parse(event.occurredAt);
  return opened.find(
    (o) =>
      !o.watched &&
      o.event.kind === event.kind &&
      o.event.idp === event.idp &&
      o.event.subject.userId === event.subject.userId &&
      event.actor.id !== null &&
      o.event.actor.id === event.actor.id &&
      o.times.some((t) => Math.abs(t - at) <= ACTION_WINDOW_MS),
  );
}

function bypassAlert(ctx: Ctx, event: NormalizedEvent, id: string, watched: boolean): Notification {
  const mode = ctx.policy.bypass.mode;
  return {
    to: { kind: 'security' },
    subject: `Recovery bypass detected${watched ? ' (account under watch)' : ''}: ${event.sourceType}`,
    text:
      `${event.actor.displayName ?? event.actor.id} did ${event.kind} on ${event.subject.login ?? event.subject.userId} ` +
      `outside Recovery Gate (${mode === 'enforce' ? 'remediating' : 'alert only'}). Incident ${id}.` +
      (watched
        ? ' The account was under watch after an earlier bypass: this enrolment may be the attacker again' +
          `${mode === 'enforce' ? '; the account is suspended until a recovery through the gate' : ''}.`
        : ''),
    idempotencyKey: `${id}:bypass`,
  };
}

/** What a batch writes: case events, incidents, their journals, audit records and alerts. */
interface BatchWrites {
  readonly seen: { readonly event: NormalizedEvent; readonly caseId: string }[];
  readonly opened: NewIncident[];
  readonly audit: AuditEntry[];
}

/** Decides, in event order, which events open an incident, join one, or were seen already. */
function planBatch(
  ctx: Ctx,
  candidates: readonly { readonly event: NormalizedEvent; readonly watched: boolean }[],
  groups: ReadonlyMap<number, string>,
  stored: ReadonlySet<string>,
): BatchWrites {
  const writes: BatchWrites = { seen: [], opened: [], audit: [] };
  const keys = new Set(stored);
  candidates.forEach(({ event, watched }, i) => {
    const key = `${event.idp}:${event.id}`;
    if (keys.has(key)) return;
    keys.add(key);
    const joined = groups.get(i) ?? sameActionIn(writes.opened, event)?.id;
    if (joined !== undefined) {
      // Part of a native action already handled (Entra logs one deletion per method): no second incident.
      writes.opened.find((o) => o.id === joined)?.times.push(Date.parse(event.occurredAt));
      writes.seen.push({ event, caseId: joined });
      const data = { kind: event.kind, event: event.id };
      writes.audit.push({ type: 'bypass.grouped', caseId: joined, actor: event.actor.id, data });
      return;
    }
    const id = randomUUID();
    const times = [Date.parse(event.occurredAt)];
    writes.opened.push({ id, event, watched, times, alert: bypassAlert(ctx, event, id, watched) });
    writes.seen.push({ event, caseId: id });
    writes.audit.push({
      type: 'bypass.detected',
      caseId: id,
      actor: event.actor.id,
      data: {
        kind: event.kind,
        sourceType: event.sourceType,
        mode: ctx.policy.bypass.mode,
        watched,
        subject: event.subject.userId,
        event: event.id,
      },
    });
  });
  return writes;
}

/** Inserts the batch's case events, incidents and journals (three statements). */
async function insertBatch(ctx: Ctx, tx: Queryable, writes: BatchWrites, now: string): Promise<void> {
  const mode = ctx.policy.bypass.mode;
  const events = writes.seen.map(({ event, caseId }) => ({
    key: `${event.idp}:${event.id}`,
    case_id: caseId,
    kind: event.kind,
    idp: event.idp,
    subject: event.subject.userId,
    at: event.occurredAt,
  }));
  const inserted = await tx.query(
    `INSERT INTO case_events (event_key, case_id, kind, idp, subject_id, action, occurred_at, received_at)
     SELECT x.key, x.case_id, x.kind, x.idp, x.subject, NULL, x.at, $2::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS x(key text, case_id text, kind text, idp text, subject text, at timestamptz)
     ON CONFLICT (event_key) DO NOTHING RETURNING event_key`,
    [JSON.stringify(events), now],
  );
  // Every key was checked absent under the subjects' locks: a conflict here is a writer that skipped them.
  if (inserted.length !== events.length) throw new Error('A bypass event was stored concurrently; retry.');
  if (writes.opened.length === 0) return;
  const cases = writes.opened.map(({ id, event, watched }) => ({
    id,
    idp: event.idp,
    subject_id: event.subject.userId,
    subject_login: event.subject.login,
    action: ACTION_OF[event.kind] ?? 'mfa_reset',
    requester_id: event.actor.id,
    reason: `bypass:${event.kind}${watched ? ':watched' : ''}`,
  }));
  await tx.query(
    `INSERT INTO cases (id, kind, idp, subject_id, subject_login, action, requester_id, state, reason,
       next_attempt_at, created_at, updated_at, completed_at)
     SELECT x.id, 'incident', x.idp, x.subject_id, x.subject_login, x.action, x.requester_id, $2, x.reason,
            $3::timestamptz, $3::timestamptz, $3::timestamptz, $4::timestamptz
       FROM jsonb_to_recordset($1::jsonb)
         AS x(id text, idp text, subject_id text, subject_login text, action text, requester_id text, reason text)`,
    [
      JSON.stringify(cases),
      mode === 'enforce' ? 'executing' : 'completed',
      now,
      mode === 'enforce' ? null : now,
    ],
  );
  const journal = writes.opened.map(({ id, event, watched }) => ({
    case_id: id,
    result: {
      kind: event.kind,
      occurredAt: event.occurredAt,
      actor: event.actor.id,
      sourceType: event.sourceType,
      watched,
    },
  }));
  await tx.query(
    `INSERT INTO case_journal (case_id, step, state, attempts, result, error, updated_at)
     SELECT x.case_id, 'event', 'done', 0, x.result, NULL, $2::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS x(case_id text, result jsonb)`,
    [JSON.stringify(journal), now],
  );
}

/** Appends entries in order: under one head lock when the log can, else one by one. */
async function appendAll(ctx: Ctx, entries: readonly AuditEntry[], tx?: Queryable): Promise<void> {
  if (entries.length === 0) return;
  const { audit } = ctx.deps;
  if (audit.appendMany) await audit.appendMany(entries, tx);
  else for (const entry of entries) await audit.append(entry, tx);
}

/** Stages the alerts in `tx` (one statement when the notifier can); null when the notifier has no outbox. */
async function stageAlerts(
  ctx: Ctx,
  tx: Queryable,
  alerts: readonly Notification[],
): Promise<{ deliver(): Promise<void> } | null> {
  const { notifier } = ctx.deps;
  if (alerts.length === 0) return { deliver: async () => undefined };
  if (notifier.stageMany) return notifier.stageMany(alerts, tx);
  if (!notifier.stage) return null;
  const staged: { deliver(): Promise<void> }[] = [];
  for (const alert of alerts) staged.push(await notifier.stage(alert, tx));
  return { deliver: async () => void (await Promise.all(staged.map((s) => s.deliver()))) };
}

/**
 * Handles `native_*` events together: the gate's own steps and benign events are audited; every other event
 * opens an incident or joins the one of its native action, in one transaction with one audit-chain append
 * (each incident's alert commits with it, a crash after the commit cannot lose it: the retry loop sends it).
 * `settle` runs in that transaction with all of `events` (the intake marks them done with the writes).
 * Returns the ids of the incidents opened. Throws with nothing written when any part fails.
 */
export async function handleBypassBatch(
  ctx: Ctx,
  events: readonly NormalizedEvent[],
  settle?: SettleInTx,
): Promise<string[]> {
  const watched = await Promise.all(events.map((e) => isSelfService(e) && isWatched(ctx, e)));
  const maybeOwn = events.filter((e, i) => !watched[i] && !isBenign(ctx, e));
  const own = await ownSteps(ctx, maybeOwn);
  const ownEvents = new Set(maybeOwn.filter((_, i) => own.has(i)));
  const audit: AuditEntry[] = [];
  const candidates: { event: NormalizedEvent; watched: boolean }[] = [];
  events.forEach((event, i) => {
    if (!watched[i] && (isBenign(ctx, event) || ownEvents.has(event))) {
      const data = { kind: event.kind, event: event.id };
      audit.push({ type: 'event.native_own', caseId: null, actor: event.actor.id, data });
    } else candidates.push({ event, watched: watched[i] === true });
  });
  if (candidates.length === 0) {
    if (settle === undefined) await appendAll(ctx, audit);
    else
      await ctx.deps.store.transaction(async (tx) => {
        await appendAll(ctx, audit, tx);
        await settle(tx, events);
      });
    return [];
  }
  const now = ctx.now().toISOString();
  const result = await ctx.deps.store.transaction(async (tx) => {
    // One lock per subject, taken in one order: events of one native action handled at once (here or in
    // another replica) still open a single incident.
    const subjects = [...new Set(candidates.map(({ event }) => `${event.idp}:${event.subject.userId}`))];
    await tx.query(
      `SELECT count(pg_advisory_xact_lock(hashtextextended('recovery-gate:bypass:' || k, 0)))
         FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) s`,
      [subjects],
    );
    const cEvents = candidates.map((c) => c.event);
    const groups = await incidentsOfActions(tx, cEvents);
    const stored = await tx.query<{ event_key: string }>(
      'SELECT event_key FROM case_events WHERE event_key = ANY($1::text[])',
      [cEvents.map((e) => `${e.idp}:${e.id}`)],
    );
    const writes = planBatch(ctx, candidates, groups, new Set(stored.map((r) => r.event_key)));
    if (writes.seen.length > 0) await insertBatch(ctx, tx, writes, now);
    await appendAll(ctx, [...audit, ...writes.audit], tx);
    const alerts = writes.opened.map((o) => o.alert);
    const staged = await stageAlerts(ctx, tx, alerts);
    await settle?.(tx, events);
    return { opened: writes.opened, staged };
  });
  const mode = ctx.policy.bypass.mode;
  for (const { event } of result.opened)
    ctx.deps.metrics.inc('recovery_bypass_detections_total', { idp: event.idp, kind: event.kind, mode });
  if (result.staged === null) for (const o of result.opened) await notify(ctx, o.alert);
  else await result.staged.deliver().catch((error: unknown) => warnUndelivered(ctx, error));
  return result.opened.map((o) => o.id);
}

/** Handles one `native_*` event. Returns the incident case id, or null when it was not a bypass (or a duplicate). */
export async function handleBypass(ctx: Ctx, event: NormalizedEvent): Promise<string | null> {
  return (await handleBypassBatch(ctx, [event]))[0] ?? null;
}

function warnUndelivered(ctx: Ctx, error: unknown): void {
  ctx.deps.logger.warn('notification failed', {
    error: error instanceof Error ? error.message : 'unknown',
  });
}

/** One remediation step of an incident (enforce mode). */
export async function remediationStep(
  ctx: Ctx,
  c: CaseRecord,
  step: string,
): Promise<Record<string, unknown>> {
  const provider = ctx.provider(c.idp);
  const event = (await journalEntry(ctx.deps.store, c.id, 'event'))?.result ?? {};
  switch (step) {
    case 'revoke': {
      const r = await provider.revokeSessions(c.subjectId, {
        sessions: true,
        refreshTokens: true,
        grants: provider.capabilities.revoke_grants.supported,
      });
      return { revoked: [...r.revoked] };
    }
    case 'remove_new': {
      const since = Date.parse(String(event.occurredAt)) - 60_000;
      const facts = await provider.readSubjectFacts(c.subjectId);
      const ids = (facts.authenticators ?? [])
        .filter((a) => a.kind !== 'password' && a.enrolledAt !== null && Date.parse(a.enrolledAt) >= since)
        .map((a) => a.id);
      if (ids.length === 0) return { removed: [] };
      const r = await provider.resetAuthenticators(c.subjectId, { all: false, ids });
      return { removed: [...r.removed] };
    }
    case 'revoke_credential':
      if (event.kind !== 'native_temporary_credential') return { skipped: true };
      await provider.revokeTemporaryCredential(c.subjectId, {
        kind: provider.settings.credential.native,
        id: null,
      });
      return { revoked: true };
    case 'suspend':
      // A re-enrolment while watched escalates to a suspension whatever `bypass.suspend` says.
      if (!ctx.policy.bypass.suspend && event.watched !== true) return { skipped: true };
      await provider.suspend(c.subjectId);
      return { suspended: true };
    case 'alert':
      await alertSecurity(
        ctx,
        `${c.id}:remediated`,
        'Recovery bypass remediated',
        `Incident ${c.id}: sessions revoked, new authenticators removed.`,
      );
      return { alerted: true };
    default:
      return {};
  }
}
