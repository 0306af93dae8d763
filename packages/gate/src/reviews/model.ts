/**
 * The post-event review's vocabulary: its kinds, outcomes, settings and row mapping.
 * @module
 */

import type { IdpKind } from '@recovery-gate/core';
import { iso } from '../orchestrator/repo.js';
import type { AuditLog, Metrics, Notifier, Store } from '../types.js';

/** Why a review was opened (a closed set: it is also the `kind` label of the review metrics). */
export const REVIEW_KINDS = ['review_required', 'break_glass', 'bypass', 'repudiation'] as const;
/** Why a review was opened. */
export type ReviewKind = (typeof REVIEW_KINDS)[number];

/** How a reviewer closes a review. */
export const REVIEW_OUTCOMES = ['legitimate', 'misuse', 'needs_follow_up'] as const;
/** How a reviewer closes a review. */
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

/** One review. */
export interface ReviewRecord {
  readonly id: string;
  readonly caseId: string;
  readonly kind: ReviewKind;
  readonly idp: IdpKind;
  readonly subjectId: string;
  readonly subjectLogin: string | null;
  readonly action: string;
  readonly tier: string | null;
  /** What happened, in one paragraph (never a secret). */
  readonly summary: string;
  readonly reviewerGroup: string;
  readonly state: 'open' | 'closed';
  readonly openedAt: string;
  readonly dueAt: string;
  /** Reminders and escalations sent so far. */
  readonly notices: number;
  readonly escalatedAt: string | null;
  readonly closedAt: string | null;
  readonly closedBy: string | null;
  readonly outcome: ReviewOutcome | null;
  readonly note: string | null;
}

/** The settings of reviews (the `reviews:` section). */
export interface ReviewSettings {
  /** Groups whose members may close reviews (the first is named on the review as its assignee). */
  readonly reviewerGroups: readonly string[];
  /** Seconds from opening to due. */
  readonly dueSeconds: number;
  /** Seconds between reminders (before due) and escalations (after). */
  readonly remindSeconds: number;
}

/** What reviews need from the gate. */
export interface ReviewDeps {
  readonly store: Store;
  readonly audit: AuditLog;
  readonly notifier: Notifier;
  readonly now: () => Date;
  readonly metrics?: Metrics;
  /** The public base URL, for the link in reminders. */
  readonly baseUrl?: string;
}

type Row = Record<string, unknown>;

/** Maps a `gate_reviews` row. */
export function toReview(row: Row): ReviewRecord {
  return {
    id: String(row.id),
    caseId: String(row.case_id),
    kind: row.kind as ReviewKind,
    idp: row.idp as IdpKind,
    subjectId: String(row.subject_id),
    subjectLogin: (row.subject_login as string | null) ?? null,
    action: String(row.action),
    tier: (row.tier as string | null) ?? null,
    summary: String(row.summary),
    reviewerGroup: String(row.reviewer_group),
    state: row.state === 'closed' ? 'closed' : 'open',
    openedAt: iso(row.opened_at) ?? '',
    dueAt: iso(row.due_at) ?? '',
    notices: Number(row.notices ?? 0),
    escalatedAt: iso(row.escalated_at),
    closedAt: iso(row.closed_at),
    closedBy: (row.closed_by as string | null) ?? null,
    outcome: (row.outcome as ReviewOutcome | null) ?? null,
    note: (row.note as string | null) ?? null,
  };
}

/** True when an open review is past its due time. */
export function isOverdue(r: ReviewRecord, now: Date): boolean {
  return r.state === 'open' && Date.parse(r.dueAt) <= now.getTime();
}
