/**
 * Bypasses: recoveries done in the native console by anyone but the gate. Detect mode records an incident
 * and alerts; enforce mode also remediates (revoke sessions and tokens, remove authenticators bound since
 * the event, revoke a native temporary credential, suspend if configured) as a journaled plan.
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { NormalizedEvent, RecoveryAction } from '@recovery-gate/core';
import type { Notification, Queryable } from '../types.js';
import { alertSecurity, type Ctx, notify } from './context.js';
import type { CaseRecord } from './model.js';
import { CREDENTIAL_KIND } from './plan.js';
import { journalEntry, writeJournal } from './repo.js';

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

/** True when the gate itself did this, as a step of one of its cases (matched by subject and time). */
async function isOwnStep(ctx: Ctx, event: NormalizedEvent): Promise<boolean> {
  const steps: Readonly<Record<string, readonly string[]>> = {
    native_password_reset: ['reset'],
    native_authenticator_reset: ['reset'],
    native_unlock: ['reset'],
    native_temporary_credential: ['issue'],
  };
  const names = steps[event.kind];
  // A person in the console is never the gate; only the gate's own app identity can match its steps.
  if (!names || event.actor.type === 'user') return false;
  const rows = await ctx.deps.store.query(
    `SELECT 1 FROM case_journal j JOIN cases c ON c.id = j.case_id
     WHERE c.kind = 'recovery' AND c.idp = $1 AND c.subject_id = $2 AND j.step = ANY($3::text[])
       AND j.state IN ('started', 'done') AND j.updated_at BETWEEN $4::timestamptz - interval '15 minutes'
       AND $4::timestamptz + interval '15 minutes' LIMIT 1`,
    [event.idp, event.subject.userId, [...names], event.occurredAt],
  );
  return rows.length > 0;
}

/** How far apart the events of one native action may be (one console click logs one event per method). */
const ACTION_WINDOW = "interval '5 minutes'";

/** The incident already opened for the native action `event` belongs to: same IdP, subject, actor, kind, moment. */
async function incidentOfAction(tx: Queryable, event: NormalizedEvent): Promise<string | null> {
  const rows = await tx.query(
    `SELECT e.case_id FROM case_events e JOIN cases c ON c.id = e.case_id
     WHERE c.kind = 'incident' AND c.reason = $1 AND e.idp = $2 AND e.subject_id = $3 AND c.requester_id = $4
       AND e.occurred_at BETWEEN $5::timestamptz - ${ACTION_WINDOW} AND $5::timestamptz + ${ACTION_WINDOW}
     ORDER BY e.occurred_at LIMIT 1`,
    [`bypass:${event.kind}`, event.idp, event.subject.userId, event.actor.id, event.occurredAt],
  );
  return rows[0] ? String(rows[0].case_id) : null;
}

/** Handles a `native_*` event. Returns the incident case id, or null when it was not a bypass (or a duplicate). */
export async function handleBypass(ctx: Ctx, event: NormalizedEvent): Promise<string | null> {
  const watched = isSelfService(event) && (await isWatched(ctx, event));
  if (!watched && (isBenign(ctx, event) || (await isOwnStep(ctx, event)))) {
    await ctx.deps.audit.append({
      type: 'event.native_own',
      caseId: null,
      actor: event.actor.id,
      data: { kind: event.kind, event: event.id },
    });
    return null;
  }
  const mode = ctx.policy.bypass.mode;
  const now = ctx.now().toISOString();
  const id = randomUUID();
  const alert: Notification = {
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
  const created = await ctx.deps.store.transaction(async (tx) => {
    // One lock per subject: events of one native action handled at once still open a single incident.
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `recovery-gate:bypass:${event.idp}:${event.subject.userId}`,
    ]);
    const group = await incidentOfAction(tx, event);
    const seen = await tx.query(
      `INSERT INTO case_events (event_key, case_id, kind, idp, subject_id, action, occurred_at, received_at)
       VALUES ($1, $2, $3, $4, $5, NULL, $6, $7) ON CONFLICT (event_key) DO NOTHING RETURNING event_key`,
      [
        `${event.idp}:${event.id}`,
        group ?? id,
        event.kind,
        event.idp,
        event.subject.userId,
        event.occurredAt,
        now,
      ],
    );
    if (seen.length === 0) return null;
    if (group !== null) {
      // Part of a native action already handled (Entra logs one deletion per method): no second incident.
      await ctx.deps.audit.append(
        {
          type: 'bypass.grouped',
          caseId: group,
          actor: event.actor.id,
          data: { kind: event.kind, event: event.id },
        },
        tx,
      );
      return null;
    }
    await tx.query(
      `INSERT INTO cases (id, kind, idp, subject_id, subject_login, action, requester_id, state, reason,
         next_attempt_at, created_at, updated_at, completed_at)
       VALUES ($1, 'incident', $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $10)`,
      [
        id,
        event.idp,
        event.subject.userId,
        event.subject.login,
        ACTION_OF[event.kind] ?? 'mfa_reset',
        event.actor.id,
        mode === 'enforce' ? 'executing' : 'completed',
        `bypass:${event.kind}${watched ? ':watched' : ''}`,
        now,
        mode === 'enforce' ? null : now,
      ],
    );
    await writeJournal(tx, id, 'event', 'done', ctx.now(), {
      result: {
        kind: event.kind,
        occurredAt: event.occurredAt,
        actor: event.actor.id,
        sourceType: event.sourceType,
        watched,
      },
    });
    await ctx.deps.audit.append(
      {
        type: 'bypass.detected',
        caseId: id,
        actor: event.actor.id,
        data: {
          kind: event.kind,
          sourceType: event.sourceType,
          mode,
          watched,
          subject: event.subject.userId,
          event: event.id,
        },
      },
      tx,
    );
    // The alert commits with the incident (a crash after the commit cannot lose it: the retry loop sends it).
    return { staged: (await ctx.deps.notifier.stage?.(alert, tx)) ?? null };
  });
  if (created === null) return null;
  ctx.deps.metrics.inc('recovery_bypass_detections_total', { idp: event.idp, kind: event.kind, mode });
  if (created.staged === null) await notify(ctx, alert);
  else await created.staged.deliver().catch((error: unknown) => warnUndelivered(ctx, alert, error));
  return id;
}

function warnUndelivered(ctx: Ctx, alert: Notification, error: unknown): void {
  ctx.deps.logger.warn('notification failed', {
    key: alert.idempotencyKey,
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
      await provider.revokeTemporaryCredential(c.subjectId, { kind: CREDENTIAL_KIND[c.idp], id: null });
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
