/**
 * One-time codes to a phone on file: six digits, sent through the notifier as a sensitive notification
 * (never stored in clear), kept in the store only as an HMAC under the pages' session secret (a database
 * reader cannot brute-force six digits from it), valid ten minutes, five tries. Tries and sends are counted
 * in the store by single atomic statements, per case and per subject, so parallel requests (or many
 * sessions) cannot get more than the limits.
 * @module
 */

import { createHmac, randomInt, randomUUID } from 'node:crypto';
import { type Channel, type Secret, secretsEqual } from '@recovery-gate/core';
import { trustedChannels } from '../orchestrator/ask.js';
import type { CaseView } from '../orchestrator/index.js';
import { takeSlot } from '../store/slots.js';
import type { Migration, Notifier, Queryable, Store } from '../types.js';
import type { Session } from './session.js';

/** How long a code lives. */
export const OTP_TTL_MS = 10 * 60 * 1000;
/** Wrong codes allowed before the code is dropped. */
export const OTP_MAX_ATTEMPTS = 5;
/** Codes a case may have sent, whatever the session (no SMS pumping, no guessing across fresh codes). */
export const OTP_MAX_SENDS = 3;
/** Codes one subject may have sent per {@link OTP_SUBJECT_WINDOW_MS}, across all their cases. */
export const OTP_MAX_SUBJECT_SENDS = 6;
/** The window of the per-subject limit. */
export const OTP_SUBJECT_WINDOW_MS = 24 * 3_600_000;
// A case lives days at most; its count must outlive it.
const CASE_WINDOW_MS = 30 * 24 * 3_600_000;

/** The tables of phone codes and their limits (a pages migration). */
export const OTP_MIGRATION: Migration = {
  id: '0501_pages_otp',
  sql: `CREATE TABLE IF NOT EXISTS page_otp_codes (
  case_id TEXT PRIMARY KEY,
  channel_id TEXT NOT NULL,
  hash TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS page_otp_limits (
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  window_ends_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS page_otp_limits_window ON page_otp_limits (window_ends_at);`,
};

// The session id is part of the keyed hash: only the session that asked can use the code, yet a wrong try
// from any session uses up one of the case's tries.
const hashCode = (key: Secret, caseId: string, session: Session, code: string) =>
  createHmac('sha256', key.reveal()).update(`otp:${caseId}:${session.id}:${code}`).digest('hex');

/** Phones on file that may receive a code: verified, not the account's own, on file for the tier's channel age. */
export function otpPhones(c: CaseView, now: Date): Channel[] {
  if (!c.facts) return [];
  const minAge = c.decision?.requirements.channelMinAgeSeconds ?? 1e12;
  // An unverified number never counts for the policy, so no code is offered to it.
  return trustedChannels(c.facts, minAge, now).filter((ch) => ch.kind === 'phone' && ch.verified);
}

/** Whether a live code waits for the case (the page then offers the code field). */
export async function otpPending(q: Queryable, caseId: string, now: Date): Promise<boolean> {
  const rows = await q.query('SELECT 1 FROM page_otp_codes WHERE case_id = $1 AND expires_at > $2', [
    caseId,
    now.toISOString(),
  ]);
  return rows.length > 0;
}

/** Thrown inside the send transaction to roll back the case's slot when the subject's limit is reached. */
class LimitReached extends Error {}

/**
 * Sends a fresh code to `channel` (replacing the case's previous one) and keeps its HMAC (under `key`) in
 * the store. False, and nothing sent, when the case or the subject has had its codes.
 */
export async function sendOtp(
  store: Store,
  notifier: Notifier,
  key: Secret,
  session: Session,
  c: CaseView,
  channel: Channel,
  now: Date,
): Promise<boolean> {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const allowed = await store
    .transaction(async (tx) => {
      // Case first, then subject, always in this order: two transactions never wait on each other in a cycle.
      if (!(await takeSlot(tx, 'page_otp_limits', `case:${c.id}`, OTP_MAX_SENDS, CASE_WINDOW_MS, now)))
        return false;
      const subject = `subject:${c.idp}:${c.subjectId}`;
      if (
        !(await takeSlot(tx, 'page_otp_limits', subject, OTP_MAX_SUBJECT_SENDS, OTP_SUBJECT_WINDOW_MS, now))
      ) {
        throw new LimitReached();
      }
      await tx.query(
        `INSERT INTO page_otp_codes (case_id, channel_id, hash, expires_at, attempts) VALUES ($1, $2, $3, $4, 0)
       ON CONFLICT (case_id) DO UPDATE SET channel_id = $2, hash = $3, expires_at = $4, attempts = 0`,
        [
          c.id,
          channel.id,
          hashCode(key, c.id, session, code),
          new Date(now.getTime() + OTP_TTL_MS).toISOString(),
        ],
      );
      return true;
    })
    .catch((error: unknown) => {
      // The subject's limit rolls the case's slot back: a refused send uses up nothing.
      if (error instanceof LimitReached) return false;
      throw error;
    });
  if (!allowed) return false;
  await notifier.send({
    to: { kind: 'phone', address: channel.value },
    subject: 'Your verification code',
    text: `Your Recovery Gate code is ${code}. It expires in 10 minutes. Nobody from the help desk will ask you for it.`,
    // Random, not derived from the code: the key is stored in the clear.
    idempotencyKey: `${c.id}:otp:${randomUUID()}`,
    sensitive: true,
  });
  return true;
}

/**
 * Checks a code: first takes one try in one statement, then compares; the right code is spent by a delete
 * only one caller can win. Returns the channel it proves, or null.
 */
export async function checkOtp(
  store: Store,
  key: Secret,
  session: Session,
  caseId: string,
  code: string,
  now: Date,
): Promise<string | null> {
  const [row] = await store.query<{ hash: string; channel_id: string }>(
    `UPDATE page_otp_codes SET attempts = attempts + 1
      WHERE case_id = $1 AND attempts < $2 AND expires_at > $3
      RETURNING hash, channel_id`,
    [caseId, OTP_MAX_ATTEMPTS, now.toISOString()],
  );
  if (!row) return null;
  const given = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(given) || !secretsEqual(row.hash, hashCode(key, caseId, session, given))) return null;
  const spent = await store.query<{ channel_id: string }>(
    'DELETE FROM page_otp_codes WHERE case_id = $1 AND hash = $2 RETURNING channel_id',
    [caseId, row.hash],
  );
  return spent[0]?.channel_id ?? null;
}

/** Deletes expired codes and counters whose window ended. */
export async function sweepOtp(q: Queryable, now: Date): Promise<void> {
  await q.query('DELETE FROM page_otp_codes WHERE expires_at <= $1', [now.toISOString()]);
  await q.query('DELETE FROM page_otp_limits WHERE window_ends_at <= $1', [now.toISOString()]);
}
