/**
 * Identity-verification attempts and the provider transaction ids already used (replay refusal).
 * Nothing here holds a document datum: the state is kept as a hash, the PKCE verifier only until the
 * attempt ends.
 * @module
 */

import type { Migration } from '../types.js';

/** The IDV migrations (part of the gate's own, prefix `gate_0012_`). */
export const IDV_MIGRATIONS: readonly Migration[] = [
  {
    id: 'gate_0012_idv',
    sql: `
      CREATE TABLE idv_attempts (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        state_hash TEXT NOT NULL UNIQUE,
        nonce TEXT NOT NULL,
        request_id TEXT,
        pending JSONB NOT NULL DEFAULT '{}',
        status TEXT NOT NULL CHECK (status IN ('started', 'progress', 'passed', 'failed')),
        reason TEXT,
        started_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX idv_attempts_case ON idv_attempts (case_id, started_at);
      CREATE TABLE idv_transactions (
        provider TEXT NOT NULL,
        transaction_id TEXT NOT NULL,
        case_id TEXT NOT NULL,
        used_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (provider, transaction_id)
      );
    `,
  },
];
