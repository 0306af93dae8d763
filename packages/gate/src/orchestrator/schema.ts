/**
 * The orchestrator's tables: cases, their evidence, approvals, execution journal, links and challenges.
 * @module
 */

import type { Migration } from '../types.js';
import { caseTimerMigration } from './timers.js';

/** The orchestrator's migrations, applied by the store in id order. */
export const orchestratorMigrations: readonly Migration[] = [
  {
    id: '2026-11-22-010-orchestrator-cases',
    sql: `
CREATE TABLE IF NOT EXISTS cases (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL DEFAULT 'recovery',
  idp TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  subject_login TEXT,
  action TEXT NOT NULL,
  requester_id TEXT NOT NULL,
  state TEXT NOT NULL,
  tier TEXT,
  subject_class TEXT,
  not_before TIMESTAMPTZ,
  facts JSONB,
  decision JSONB,
  reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMPTZ,
  expires_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  completed_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX IF NOT EXISTS cases_one_open_idx ON cases (idp, subject_id, action)
  WHERE kind = 'recovery' AND state IN ('requested', 'verifying', 'held', 'executing');
CREATE INDEX IF NOT EXISTS cases_due_idx ON cases (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS case_events (
  event_key TEXT PRIMARY KEY,
  case_id TEXT,
  kind TEXT NOT NULL,
  idp TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  action TEXT,
  occurred_at TIMESTAMPTZ NOT NULL,
  received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS case_events_subject_idx ON case_events (idp, subject_id, kind);
CREATE TABLE IF NOT EXISTS case_evidence (
  id BIGSERIAL PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(id),
  kind TEXT NOT NULL,
  person_id TEXT,
  channel_id TEXT,
  outcome TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL,
  data JSONB NOT NULL DEFAULT '{}'::jsonb
);
CREATE TABLE IF NOT EXISTS case_approvals (
  case_id TEXT NOT NULL REFERENCES cases(id),
  person_id TEXT NOT NULL,
  role TEXT NOT NULL,
  decision TEXT NOT NULL,
  reason TEXT,
  at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (case_id, person_id)
);
CREATE TABLE IF NOT EXISTS case_journal (
  case_id TEXT NOT NULL REFERENCES cases(id),
  step TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  result JSONB NOT NULL DEFAULT '{}'::jsonb,
  error TEXT,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (case_id, step)
);
CREATE TABLE IF NOT EXISTS links (
  token_hash TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(id),
  person_id TEXT,
  role TEXT,
  channel_id TEXT,
  purpose TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  used_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS challenges (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(id),
  idp TEXT NOT NULL,
  user_id TEXT NOT NULL,
  challenge JSONB NOT NULL,
  state TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
`,
  },
  {
    // What a case owes the outside world after a transition (status marker, hold notice, clean-up),
    // recorded in the transition's transaction and settled once paid: see effects.ts.
    id: '2026-11-22-020-orchestrator-case-effects',
    sql: `
ALTER TABLE cases ADD COLUMN IF NOT EXISTS effects_due_at TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS cases_effects_due_idx ON cases (effects_due_at) WHERE effects_due_at IS NOT NULL;
`,
  },
  {
    // An IdP may not say (yet) who raised a request (Entra's audit record lags the membership change):
    // unknown is NULL, never a placeholder id separation of duties would compare against.
    id: '2026-12-04-030-orchestrator-requester-unknown',
    sql: 'ALTER TABLE cases ALTER COLUMN requester_id DROP NOT NULL;',
  },
  caseTimerMigration,
  {
    // An approver renews an approval that went stale in place (one row per person and case); the count of
    // renewals lets the advance see that an approval changed, as a new row would (see proofCount).
    id: 'gate_0015_approval_renewals',
    sql: 'ALTER TABLE case_approvals ADD COLUMN IF NOT EXISTS renewals INTEGER NOT NULL DEFAULT 0;',
  },
];
