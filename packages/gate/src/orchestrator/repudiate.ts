/**
 * "This wasn't me" after a recovery ran (SP 800-63B-4 §4.2.3): the recovery case becomes `repudiated` and
 * an incident opens whose journaled plan locks whoever used the recovery out: the recovery's temporary
 * credential is revoked, every authenticator bound since the recovery began is removed (the bypass
 * remediation's own step), the password is put into reset, sessions and tokens are revoked again, and
 * security is alerted. The incident then stays open until the security team closes it.
 * @module
 */

import { randomUUID } from 'node:crypto';
import { GateError } from '@recovery-gate/core';
import { alertSecurity, type Ctx, transition } from './context.js';
import { revokeIssued } from './effects.js';
import { remediationStep } from './incident.js';
import type { CaseRecord } from './model.js';
import { INCIDENT_PLAN } from './plan.js';
import { journalEntry, loadCase, patchCase, writeJournal } from './repo.js';

/** The plan of a repudiation incident; `review` waits for the security team to close the incident. */
export const REPUDIATION_PLAN = [
  'revoke_credential',
  'remove_new',
  'reset_password',
  'revoke',
  'alert',
  'review',
] as const;

const REASON_PREFIX = 'repudiation:';

/** True for the incident a repudiation opened. */
export function isRepudiation(c: CaseRecord): boolean {
  return c.kind === 'incident' && (c.reason ?? '').startsWith(REASON_PREFIX);
}

/** The plan an incident runs: the repudiation lock-down or the bypass remediation. */
export function incidentPlan(c: CaseRecord): readonly string[] {
  return isRepudiation(c) ? REPUDIATION_PLAN : INCIDENT_PLAN;
}

/**
 * Repudiates completed recovery `c` and opens its incident (in one transaction). Returns the incident id
 * to advance, or null when the case was already repudiated (a second link: nothing more to do).
 * @throws GateError ERR_CASE_ILLEGAL_TRANSITION when the case is not completed
 */
export async function openRepudiation(
  ctx: Ctx,
  c: CaseRecord,
  by: string,
  reason: string,
): Promise<string | null> {
  const id = randomUUID();
  const now = ctx.now();
  return ctx.deps.store.transaction(async (tx) => {
    const locked = await loadCase(tx, c.id, true);
    if (locked?.state === 'repudiated') return null;
    if (!locked) throw new GateError('ERR_CASE_NOT_FOUND', undefined, { details: { caseId: c.id } });
    await transition(ctx, tx, locked, 'repudiate', { actor: by, reason, data: { incident: id } });
    await tx.query(
      `INSERT INTO cases (id, kind, idp, subject_id, subject_login, action, requester_id, state, reason,
         next_attempt_at, created_at, updated_at)
       VALUES ($1, 'incident', $2, $3, $4, $5, $6, 'executing', $7, $8, $8, $8)`,
      [id, c.idp, c.subjectId, c.subjectLogin, c.action, by, `${REASON_PREFIX}${c.id}`, now.toISOString()],
    );
    // `remove_new` removes what was bound since `occurredAt`: here, since the recovery began.
    await writeJournal(tx, id, 'event', 'done', now, {
      result: { kind: 'repudiation', occurredAt: c.createdAt, actor: by, recoveryCase: c.id },
    });
    await ctx.deps.audit.append(
      { type: 'incident.opened', caseId: id, actor: by, data: { recoveryCase: c.id, reason } },
      tx,
    );
    return id;
  });
}

/** One step of a repudiation incident. */
export async function repudiationStep(
  ctx: Ctx,
  incident: CaseRecord,
  step: string,
): Promise<Record<string, unknown>> {
  const event = (await journalEntry(ctx.deps.store, incident.id, 'event'))?.result ?? {};
  const recoveryId = String(event.recoveryCase ?? '');
  switch (step) {
    case 'revoke_credential': {
      const recovery = await loadCase(ctx.deps.store, recoveryId);
      if (!recovery) return { skipped: true };
      // revokeIssued alerts on failure; throwing keeps the step owed, retried with back-off.
      if (!(await revokeIssued(ctx, recovery))) {
        throw new GateError('ERR_IDP_UNAVAILABLE', 'Revoking the temporary credential failed.');
      }
      return { revoked: true, recoveryCase: recoveryId };
    }
    case 'remove_new':
    case 'revoke':
      return remediationStep(ctx, incident, step);
    case 'reset_password':
      // Whoever used the recovery may know the password: it stops working until the subject resets it.
      await ctx.provider(incident.idp).resetPassword(incident.subjectId, { lifetimeSeconds: 900 });
      return { passwordStatus: 'reset' };
    case 'alert':
      await alertSecurity(
        ctx,
        `${incident.id}:repudiated`,
        `Completed recovery repudiated: ${incident.subjectLogin ?? incident.subjectId}`,
        `Case ${recoveryId} (${incident.action}) ran, and ${event.actor === incident.subjectId ? 'the subject' : String(event.actor)} ` +
          `says it was not them. Incident ${incident.id}: the temporary credential, every authenticator bound ` +
          'since the recovery began and every session were revoked, and the password was put into reset. ' +
          'Review the account and close the incident.',
      );
      return { alerted: true };
    default:
      return {};
  }
}

/** True while a repudiation incident waits for the security team (nothing is due until it is closed). */
export async function awaitingReview(ctx: Ctx, incident: CaseRecord): Promise<boolean> {
  if ((await journalEntry(ctx.deps.store, incident.id, 'review'))?.state === 'done') return false;
  await patchCase(ctx.deps.store, incident.id, { nextAttemptAt: null }, ctx.now());
  return true;
}

/**
 * Records the security team's review of a repudiation incident, so the incident can complete.
 * @throws GateError ERR_CASE_NOT_FOUND, ERR_CASE_ILLEGAL_TRANSITION
 */
export async function recordReview(ctx: Ctx, incidentId: string, by: string, reason: string): Promise<void> {
  await ctx.deps.store.transaction(async (tx) => {
    const incident = await loadCase(tx, incidentId, true);
    if (!incident || !isRepudiation(incident)) {
      throw new GateError('ERR_CASE_NOT_FOUND', undefined, { details: { caseId: incidentId } });
    }
    const alerted = (await journalEntry(tx, incidentId, 'alert'))?.state === 'done';
    if (incident.state !== 'executing' || !alerted) {
      // Closing before the lock-down ran would hide a half-done remediation.
      throw new GateError('ERR_CASE_ILLEGAL_TRANSITION', 'The incident is not awaiting review.', {
        details: { caseId: incidentId, state: incident.state },
      });
    }
    await writeJournal(tx, incidentId, 'review', 'done', ctx.now(), { result: { closedBy: by } });
    await ctx.deps.audit.append(
      { type: 'incident.closed', caseId: incidentId, actor: by, data: { reason } },
      tx,
    );
    await patchCase(tx, incidentId, { nextAttemptAt: ctx.now().toISOString() }, ctx.now());
  });
}
