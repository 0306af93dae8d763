/**
 * One-time codes to a phone on file: six digits, sent through the notifier as a sensitive notification
 * (never stored in clear), kept in the session only as an HMAC under the pages' session secret (a database
 * reader cannot brute-force six digits from it), valid ten minutes, five tries.
 * @module
 */

import { createHmac, randomInt, randomUUID } from 'node:crypto';
import { type Channel, type Secret, secretsEqual } from '@recovery-gate/core';
import { trustedChannels } from '../orchestrator/ask.js';
import type { CaseView } from '../orchestrator/index.js';
import type { Notifier } from '../types.js';
import type { Session } from './session.js';

/** How long a code lives. */
export const OTP_TTL_MS = 10 * 60 * 1000;
/** Wrong codes allowed before the code is dropped. */
export const OTP_MAX_ATTEMPTS = 5;
/** Codes one session may have sent for a case (no SMS pumping, no guessing across fresh codes). */
export const OTP_MAX_SENDS = 3;

/** Whether this session may send another code for the case. */
export function mayResend(session: Session, caseId: string): boolean {
  return (session.data.otpSends?.[caseId] ?? 0) < OTP_MAX_SENDS;
}

const hashCode = (key: Secret, caseId: string, code: string) =>
  createHmac('sha256', key.reveal()).update(`otp:${caseId}:${code}`).digest('hex');

/** Phones on file that may receive a code: verified, not the account's own, on file for the tier's channel age. */
export function otpPhones(c: CaseView, now: Date): Channel[] {
  if (!c.facts) return [];
  const minAge = c.decision?.requirements.channelMinAgeSeconds ?? 1e12;
  // An unverified number never counts for the policy, so no code is offered to it.
  return trustedChannels(c.facts, minAge, now).filter((ch) => ch.kind === 'phone' && ch.verified);
}

/** Sends a fresh code to `channel` and keeps its HMAC (under `key`) in the session. */
export async function sendOtp(
  notifier: Notifier,
  key: Secret,
  session: Session,
  c: CaseView,
  channel: Channel,
  now: Date,
): Promise<void> {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  session.data.otpSends = { ...session.data.otpSends, [c.id]: (session.data.otpSends?.[c.id] ?? 0) + 1 };
  session.data.otp = {
    caseId: c.id,
    channelId: channel.id,
    hash: hashCode(key, c.id, code),
    expiresAt: now.getTime() + OTP_TTL_MS,
    attempts: 0,
  };
  await notifier.send({
    to: { kind: 'phone', address: channel.value },
    subject: 'Your verification code',
    text: `Your Recovery Gate code is ${code}. It expires in 10 minutes. Nobody from the help desk will ask you for it.`,
    // Random, not derived from the code: the key is stored in the clear.
    idempotencyKey: `${c.id}:otp:${randomUUID()}`,
    sensitive: true,
  });
}

/** Checks a code; returns the channel it proves, or null (and counts the attempt). */
export function checkOtp(
  key: Secret,
  session: Session,
  caseId: string,
  code: string,
  now: Date,
): string | null {
  const otp = session.data.otp;
  if (!otp || otp.caseId !== caseId) return null;
  if (otp.expiresAt <= now.getTime() || otp.attempts >= OTP_MAX_ATTEMPTS) {
    delete session.data.otp;
    return null;
  }
  const given = code.replace(/\s+/g, '');
  if (/^\d{6}$/.test(given) && secretsEqual(otp.hash, hashCode(key, caseId, given))) {
    delete session.data.otp;
    return otp.channelId;
  }
  otp.attempts += 1;
  return null;
}
