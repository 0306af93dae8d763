/**
 * The gate's own tables: inbox, poll cursors, audit chain, notification outbox, security alerts.
 * The orchestrator brings its own migrations; ids here start with `gate_` so they never collide.
 * @module
 */

import { RECOVERY_CODES_MIGRATION } from '../codes/store.js';
import { IDV_MIGRATIONS } from '../idv/schema.js';
import { REVIEW_MIGRATIONS } from '../reviews/schema.js';
import type { Migration } from '../types.js';

/** The gate infrastructure's migrations, in order. */
export const GATE_MIGRATIONS: readonly Migration[] = [
  {
    id: 'gate_0001_inbox',
    sql: `
      CREATE TABLE gate_inbox (
        idempotency_key TEXT PRIMARY KEY,
        idp TEXT NOT NULL,
        event_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject_key TEXT NOT NULL,
        occurred_at TIMESTAMPTZ NOT NULL,
        received_at TIMESTAMPTZ NOT NULL,
        source TEXT NOT NULL,
        payload JSONB NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TIMESTAMPTZ NOT NULL,
        locked_until TIMESTAMPTZ,
        last_error TEXT,
        processed_at TIMESTAMPTZ
      );
      CREATE INDEX gate_inbox_ready ON gate_inbox (status, next_attempt_at);
      CREATE INDEX gate_inbox_subject ON gate_inbox (subject_key, occurred_at);
    `,
  },
  {
    id: 'gate_0002_cursors',
    sql: `
      CREATE TABLE gate_cursors (
        idp TEXT NOT NULL,
        stream TEXT NOT NULL,
        cursor TEXT NOT NULL,
        newest_occurred_at TIMESTAMPTZ,
        updated_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (idp, stream)
      );
    `,
  },
  {
    id: 'gate_0003_audit',
    sql: `
      CREATE TABLE audit_records (
        seq BIGINT PRIMARY KEY,
        at TEXT NOT NULL,
        type TEXT NOT NULL,
        case_id TEXT,
        actor TEXT,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE
      );
      -- data is the canonical JSON text the hash was computed over, so it round-trips byte for byte.
      CREATE INDEX audit_records_case ON audit_records (case_id, seq);
      CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq BIGINT NOT NULL,
        hash TEXT NOT NULL
      );
      INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
    `,
  },
  {
    id: 'gate_0004_outbox',
    sql: `
      CREATE TABLE notification_outbox (
        idempotency_key TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        payload JSONB NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TIMESTAMPTZ NOT NULL,
        locked_until TIMESTAMPTZ,
        last_error TEXT,
        created_at TIMESTAMPTZ NOT NULL,
        sent_at TIMESTAMPTZ
      );
      CREATE INDEX notification_outbox_ready ON notification_outbox (status, next_attempt_at);
    `,
  },
  {
    id: 'gate_0005_security_alerts',
    sql: `
      CREATE TABLE security_alerts (
        id BIGSERIAL PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL,
        kind TEXT NOT NULL,
        idp TEXT,
        data JSONB NOT NULL,
        acknowledged_at TIMESTAMPTZ
      );
      CREATE INDEX security_alerts_at ON security_alerts (at);
    `,
  },
  {
    id: 'gate_0006_inbox_due_order',
    sql: `
      -- The worker walks due events in occurrence order and checks each subject for earlier open events;
      -- partial indexes keep both cheap however many processed events the inbox holds.
      CREATE INDEX gate_inbox_open_order ON gate_inbox (occurred_at, received_at)
        WHERE status IN ('pending', 'processing');
      CREATE INDEX gate_inbox_open_subject ON gate_inbox (subject_key, occurred_at, idempotency_key)
        WHERE status IN ('pending', 'processing');
    `,
  },
  {
    id: 'gate_0007_audit_checkpoints',
    sql: `
      -- Signed heads of the audit chain (Ed25519, key held outside the database): see audit/checkpoint.ts.
      CREATE TABLE audit_checkpoints (
        seq BIGINT PRIMARY KEY,
        hash TEXT NOT NULL,
        at TEXT NOT NULL,
        key_id TEXT NOT NULL,
        signature TEXT NOT NULL
      );
    `,
  },
  {
    id: 'gate_0008_audit_stream_cursors',
    sql: `
      -- Per SIEM sink: the last audit record it accepted (audit/stream.ts).
      CREATE TABLE audit_stream_cursors (
        sink TEXT PRIMARY KEY,
        seq BIGINT NOT NULL
      );
    `,
  },
  {
    id: 'gate_0009_audit_pruned',
    sql: `
      -- Retention empties an old record's data and actor and marks it; its hash and links stay.
      ALTER TABLE audit_records ADD COLUMN pruned_at TEXT;
    `,
  },
  RECOVERY_CODES_MIGRATION,
  ...REVIEW_MIGRATIONS,
  ...IDV_MIGRATIONS,
];
