/**
 * The review table: one post-event review per case that needs one (a tier with `review: required`, a
 * break-glass use, a bypass or repudiation incident), open until a reviewer who took no part closes it.
 * @module
 */

import type { Migration } from '../types.js';

/** The reviews' migrations (part of the gate's own, prefix `gate_0011_`). */
export const REVIEW_MIGRATIONS: readonly Migration[] = [
  {
    id: 'gate_0011_reviews',
    sql: `
      CREATE TABLE gate_reviews (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('review_required', 'break_glass', 'bypass', 'repudiation')),
        idp TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        subject_login TEXT,
        action TEXT NOT NULL,
        tier TEXT,
        summary TEXT NOT NULL,
        reviewer_group TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
        opened_at TIMESTAMPTZ NOT NULL,
        due_at TIMESTAMPTZ NOT NULL,
        notices INTEGER NOT NULL DEFAULT 0,
        next_notice_at TIMESTAMPTZ,
        escalated_at TIMESTAMPTZ,
        closed_at TIMESTAMPTZ,
        closed_by TEXT,
        outcome TEXT CHECK (outcome IN ('legitimate', 'misuse', 'needs_follow_up')),
        note TEXT
      );
      CREATE INDEX gate_reviews_open ON gate_reviews (state, due_at);
      CREATE INDEX gate_reviews_notice ON gate_reviews (next_notice_at) WHERE state = 'open';
      CREATE INDEX gate_reviews_opened ON gate_reviews (opened_at);
    `,
  },
];
