/**
 * The review timer: opens a review for every case that needs one, reminds the reviewers until it is due,
 * then escalates to security until it is closed, and publishes the open and overdue counts. Every notice
 * has its own idempotency key and is claimed by a conditional update, so replicas and retries send it once.
 * @module
 */

import { randomUUID } from 'node:crypto';
import { type Policy, TERMINAL_CASE_STATES } from '@recovery-gate/core';
import { createLoop, type Loop } from '../loop.js';
import { toCase } from '../orchestrator/repo.js';
import type { Logger, Notification, Queryable } from '../types.js';
import {
  isOverdue,
  REVIEW_KINDS,
  type ReviewDeps,
  type ReviewKind,
  type ReviewRecord,
  type ReviewSettings,
  toReview,
} from './model.js';

/** Tiers whose cases are reviewed afterwards, and which of them are break-glass. */
export function reviewTiers(policy: Policy): { readonly all: string[]; readonly breakGlass: string[] } {
  const tiers = Object.entries(policy.tiers);
  const breakGlass = tiers.filter(([, t]) => t.authorizers !== undefined).map(([name]) => name);
  const all = tiers
    .filter(([name, t]) => t.review === 'required' || breakGlass.includes(name))
    .map(([name]) => name);
  return { all, breakGlass };
}

/** Cases that need a review and have none: finished cases of reviewed tiers, and every incident. */
const CANDIDATES = `
  SELECT c.* FROM cases c
   WHERE NOT EXISTS (SELECT 1 FROM gate_reviews r WHERE r.case_id = c.id)
     AND (c.kind = 'incident'
       OR (c.kind = 'recovery' AND c.state = ANY($1::text[])
           AND (c.tier = ANY($2::text[]) OR c.action = 'emergency_access')))
   ORDER BY c.created_at LIMIT 200`;

function kindOf(c: ReturnType<typeof toCase>, breakGlass: readonly string[]): ReviewKind {
  if (c.kind === 'incident') return (c.reason ?? '').startsWith('repudiation:') ? 'repudiation' : 'bypass';
  return c.action === 'emergency_access' || (c.tier !== null && breakGlass.includes(c.tier))
    ? 'break_glass'
    : 'review_required';
}

function summaryOf(c: ReturnType<typeof toCase>, kind: ReviewKind): string {
  const who = c.subjectLogin ?? c.subjectId;
  switch (kind) {
    case 'bypass':
      return `A recovery was done on ${who} in the IdP's own console, around the gate (${(c.reason ?? '').replace('bypass:', '')}), by ${c.requesterId ?? 'an unknown actor'}; the incident is ${c.state}.`;
    case 'repudiation':
      return `${who} reported a completed recovery (${c.action}) as not theirs; the incident locked the account down and is ${c.state}.`;
    case 'break_glass':
      return `Emergency access for ${who} on tier ${c.tier ?? '-'}, requested by ${c.requesterId ?? 'an unknown person'}, ended ${c.state}${c.reason ? ` (${c.reason})` : ''}.`;
    default:
      return `Recovery (${c.action.replaceAll('_', ' ')}) for ${who} on tier ${c.tier ?? '-'}, requested by ${c.requesterId ?? 'an unknown person'}, ended ${c.state}${c.reason ? ` (${c.reason})` : ''}; the tier requires a review.`;
  }
}

/** Sends (or stages in `tx`) one notice to security. */
async function stageNotice(deps: ReviewDeps, tx: Queryable, n: Notification): Promise<() => Promise<void>> {
  if (deps.notifier.stage) {
    const staged = await deps.notifier.stage(n, tx);
    return () => staged.deliver();
  }
  return () => deps.notifier.send(n);
}

function link(deps: ReviewDeps, id: string): { label: string; url: string }[] {
  return deps.baseUrl ? [{ label: 'Open the review', url: `${deps.baseUrl}/reviews/${id}` }] : [];
}

async function openOne(
  deps: ReviewDeps,
  settings: ReviewSettings,
  row: Record<string, unknown>,
  breakGlass: readonly string[],
): Promise<boolean> {
  const c = toCase(row);
  const kind = kindOf(c, breakGlass);
  const id = randomUUID();
  const now = deps.now();
  const due = new Date(now.getTime() + settings.dueSeconds * 1000);
  const next = new Date(Math.min(now.getTime() + settings.remindSeconds * 1000, due.getTime()));
  const group = settings.reviewerGroups[0] ?? 'SecurityTeam';
  const summary = summaryOf(c, kind);
  const deliver = await deps.store.transaction(async (tx) => {
    const rows = await tx.query(
      `INSERT INTO gate_reviews (id, case_id, kind, idp, subject_id, subject_login, action, tier, summary,
         reviewer_group, opened_at, due_at, next_notice_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (case_id) DO NOTHING RETURNING id`,
      [
        id,
        c.id,
        kind,
        c.idp,
        c.subjectId,
        c.subjectLogin,
        c.action,
        c.tier,
        summary,
        group,
        now.toISOString(),
        due.toISOString(),
        next.toISOString(),
      ],
    );
    if (rows.length === 0) return null;
    await deps.audit.append(
      {
        type: 'review.opened',
        caseId: c.id,
        actor: 'gate',
        data: { review: id, kind, due: due.toISOString(), group },
      },
      tx,
    );
    return stageNotice(deps, tx, {
      to: { kind: 'security' },
      subject: `Review needed (${kind.replace('_', ' ')}): ${c.subjectLogin ?? c.subjectId}`,
      text: `${summary} Assigned to ${group}, due ${due.toISOString()}. Review ${id}.`,
      links: link(deps, id),
      idempotencyKey: `review:${id}:opened`,
    });
  });
  if (deliver === null) return false;
  deps.metrics?.inc('recovery_reviews_opened_total', { kind });
  await deliver().catch(() => undefined); // The outbox retries; the review is open either way.
  return true;
}

/** One reminder (before due) or escalation (after), claimed by its notice number. */
async function noticeOne(deps: ReviewDeps, settings: ReviewSettings, r: ReviewRecord): Promise<boolean> {
  const now = deps.now();
  const overdue = isOverdue(r, now);
  const step = settings.remindSeconds * 1000;
  const next = overdue ? now.getTime() + step : Math.min(now.getTime() + step, Date.parse(r.dueAt));
  const deliver = await deps.store.transaction(async (tx) => {
    const claimed = await tx.query(
      `UPDATE gate_reviews SET notices = notices + 1, next_notice_at = $3,
              escalated_at = CASE WHEN $4::boolean THEN COALESCE(escalated_at, $5) ELSE escalated_at END
        WHERE id = $1 AND state = 'open' AND notices = $2 RETURNING id`,
      [r.id, r.notices, new Date(next).toISOString(), overdue, now.toISOString()],
    );
    if (claimed.length === 0) return null;
    if (overdue && r.escalatedAt === null) {
      await deps.audit.append(
        { type: 'review.escalated', caseId: r.caseId, actor: 'gate', data: { review: r.id, due: r.dueAt } },
        tx,
      );
    }
    const who = r.subjectLogin ?? r.subjectId;
    return stageNotice(deps, tx, {
      to: { kind: 'security' },
      subject: overdue
        ? `ESCALATION: review overdue since ${r.dueAt}: ${who}`
        : `Reminder: review due ${r.dueAt}: ${who}`,
      text: `${r.summary} Assigned to ${r.reviewerGroup}; ${overdue ? 'overdue, escalated to security' : `due ${r.dueAt}`}. Review ${r.id}.`,
      links: link(deps, r.id),
      idempotencyKey: `review:${r.id}:notice:${r.notices}`,
    });
  });
  if (deliver === null) return false;
  await deliver().catch(() => undefined);
  return true;
}

/** What one sweep did. */
export interface SweepResult {
  readonly opened: number;
  readonly notices: number;
}

/** Opens due reviews, sends due reminders and escalations, and sets the open and overdue gauges. */
export async function sweepReviews(
  deps: ReviewDeps,
  settings: ReviewSettings,
  policy: Policy,
): Promise<SweepResult> {
  const tiers = reviewTiers(policy);
  const candidates = await deps.store.query(CANDIDATES, [[...TERMINAL_CASE_STATES], tiers.all]);
  let opened = 0;
  for (const row of candidates) if (await openOne(deps, settings, row, tiers.breakGlass)) opened++;
  const due = await deps.store.query(
    `SELECT * FROM gate_reviews WHERE state = 'open' AND next_notice_at <= $1 ORDER BY next_notice_at LIMIT 200`,
    [deps.now().toISOString()],
  );
  let notices = 0;
  for (const row of due) if (await noticeOne(deps, settings, toReview(row))) notices++;
  await publishGauges(deps);
  return { opened, notices };
}

/** Sets `recovery_reviews_open` and `recovery_reviews_overdue` for every kind (zero included). */
export async function publishGauges(deps: ReviewDeps): Promise<void> {
  if (!deps.metrics) return;
  const rows = await deps.store.query<{ kind: string; open: number; overdue: number }>(
    `SELECT kind, count(*) AS open, count(*) FILTER (WHERE due_at <= $1) AS overdue
       FROM gate_reviews WHERE state = 'open' GROUP BY kind`,
    [deps.now().toISOString()],
  );
  for (const kind of REVIEW_KINDS) {
    const row = rows.find((r) => r.kind === kind);
    deps.metrics.set('recovery_reviews_open', Number(row?.open ?? 0), { kind });
    deps.metrics.set('recovery_reviews_overdue', Number(row?.overdue ?? 0), { kind });
  }
}

/** The review timer as a background loop (once across replicas), every `pollers.tick`. */
export function reviewLoop(
  deps: ReviewDeps & { readonly logger: Logger },
  settings: ReviewSettings,
  policy: Policy,
  intervalMs: number,
): Loop {
  return createLoop({
    name: 'reviews',
    intervalMs,
    run: () => deps.store.withLock('reviews', () => sweepReviews(deps, settings, policy)),
    logger: deps.logger,
  });
}
