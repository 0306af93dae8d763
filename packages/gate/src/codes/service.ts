/**
 * Saved recovery codes issued by the gate: a set is issued after a completed recovery or on the subject's
 * request, shown once, stored as scrypt hashes; a code works once, a new set voids the old one, and every
 * issuance, use, void and lockout is audited (never the code) and told to the subject on every channel on
 * file. Attempts are counted per case and per subject in the store before any comparison.
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { Channel, IdpKind, Secret } from '@recovery-gate/core';
import { errorText } from '../orchestrator/context.js';
import { takeSlot } from '../store/slots.js';
import type { AuditLog, Logger, Metrics, Notification, Notifier, Store } from '../types.js';
import {
  DEFAULT_HASH_COST,
  generateCode,
  type HashCost,
  hashCode,
  matchesHash,
  normalizeCode,
} from './hash.js';
import { insertSet, type LiveSet, liveSet, spend, unusedCodes, voidLive } from './store.js';

/** How many codes, how long, and the attempt limits. */
export interface RecoveryCodesOptions {
  /** Codes in a set. */
  readonly count: number;
  /** Characters per code (5 bits each; at least 13). */
  readonly length: number;
  /** Attempts one case may make. */
  readonly attemptsPerCase: number;
  /** Attempts one subject may make per {@link RecoveryCodesOptions.subjectWindowMs}, across cases. */
  readonly attemptsPerSubject: number;
  readonly subjectWindowMs: number;
  /** scrypt cost; tests lower it. @default DEFAULT_HASH_COST */
  readonly hashCost?: HashCost;
}

/** What the service uses. */
export interface RecoveryCodesDeps {
  readonly store: Store;
  readonly notifier: Notifier;
  readonly audit: AuditLog;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly now: () => Date;
}

/** Who the codes are for, and where to tell them. */
export interface CodeSubject {
  readonly idp: IdpKind;
  readonly subjectId: string;
  /** Every channel on file: each is told when codes are issued, used, voided or locked. */
  readonly channels: readonly Channel[];
}

/** A set as issued: the codes, in clear this once. */
export interface IssuedCodes {
  readonly setId: string;
  readonly codes: readonly Secret[];
}

/** The outcome of one attempt. */
export type AttemptOutcome = 'accepted' | 'rejected' | 'limited';

/** The service. */
export interface RecoveryCodes {
  readonly options: RecoveryCodesOptions;
  /** Issues a new set (voiding the live one) and returns its codes, the only time they exist in clear. */
  issue(
    subject: CodeSubject,
    by: { readonly actor: string; readonly reason: 'recovery' | 'request'; readonly caseId: string | null },
  ): Promise<IssuedCodes>;
  /** Voids the live set; false when there was none. */
  void(subject: CodeSubject, actor: string): Promise<boolean>;
  /** The live set (counts only), or null. */
  status(idp: IdpKind, subjectId: string): Promise<LiveSet | null>;
  /** Checks a typed code for a case: counts the try first, then compares; a match is spent at once. */
  attempt(subject: CodeSubject, caseId: string, typed: string): Promise<AttemptOutcome>;
}

/** A case's tries must outlive the case (days at most). */
const CASE_WINDOW_MS = 30 * 24 * 3_600_000;

/** Creates the service. */
export function createRecoveryCodes(deps: RecoveryCodesDeps, options: RecoveryCodesOptions): RecoveryCodes {
  const cost = options.hashCost ?? DEFAULT_HASH_COST;

  async function tell(
    subject: CodeSubject,
    key: string,
    message: Omit<Notification, 'to' | 'idempotencyKey'>,
  ) {
    for (const ch of subject.channels) {
      try {
        await deps.notifier.send({
          ...message,
          to: { kind: ch.kind, address: ch.value },
          idempotencyKey: `${key}:${ch.id}`,
        });
      } catch (error) {
        // The codes changed either way; the outbox retries what it accepted.
        deps.logger.warn('a recovery-code notice was not accepted', {
          channel: ch.id,
          error: errorText(error),
        });
      }
    }
  }

  async function limited(subject: CodeSubject, key: string, caseId: string): Promise<void> {
    const [row] = await deps.store.query<{ window_ends_at: unknown }>(
      'SELECT window_ends_at FROM recovery_code_limits WHERE key = $1',
      [key],
    );
    const until = row ? new Date(row.window_ends_at as string).toISOString() : deps.now().toISOString();
    await deps.audit.append({
      type: 'recovery_codes.limited',
      caseId,
      actor: 'gate',
      data: { idp: subject.idp, subjectId: subject.subjectId, limit: key.split(':')[1] ?? key, until },
    });
    deps.metrics?.inc('recovery_code_attempts_total', { outcome: 'limited' });
    const text =
      'Too many recovery codes were tried for your account. Recovery codes are blocked ' +
      `${key.startsWith('rc:case:') ? 'for this recovery' : `until ${until}`}. ` +
      'If this was not you, tell your security team: someone may be trying to take over your account.';
    await tell(subject, `rc:limit:${key}:${until}`, { subject: 'Too many recovery codes tried', text });
  }

  return {
    options,
    async issue(subject, by) {
      const codes = Array.from({ length: options.count }, () => generateCode(options.length));
      const hashes = await Promise.all(codes.map((code) => hashCode(code, cost)));
      const setId = randomUUID();
      const now = deps.now();
      const voided = await deps.store.transaction(async (tx) => {
        const old = await voidLive(tx, subject.idp, subject.subjectId, 'replaced', now);
        await insertSet(
          tx,
          {
            id: setId,
            idp: subject.idp,
            subjectId: subject.subjectId,
            reason: by.reason,
            caseId: by.caseId,
            hashes,
          },
          now,
        );
        const who = { idp: subject.idp, subjectId: subject.subjectId };
        if (old !== null) {
          await deps.audit.append(
            {
              type: 'recovery_codes.voided',
              caseId: by.caseId,
              actor: by.actor,
              data: { ...who, setId: old, reason: 'replaced' },
            },
            tx,
          );
        }
        await deps.audit.append(
          {
            type: 'recovery_codes.issued',
            caseId: by.caseId,
            actor: by.actor,
            data: { ...who, setId, count: options.count, reason: by.reason },
          },
          tx,
        );
        return old;
      });
      await tell(subject, `rc:${setId}:issued`, {
        subject: 'New recovery codes for your account',
        text:
          `${options.count} new recovery codes were created for your account` +
          `${voided === null ? '' : '; the codes you had before no longer work'}. ` +
          'If this was not you, tell your security team at once.',
      });
      return { setId, codes };
    },

    async void(subject, actor) {
      const now = deps.now();
      const old = await deps.store.transaction(async (tx) => {
        const id = await voidLive(tx, subject.idp, subject.subjectId, 'voided', now);
        if (id !== null) {
          await deps.audit.append(
            {
              type: 'recovery_codes.voided',
              caseId: null,
              actor,
              data: { idp: subject.idp, subjectId: subject.subjectId, setId: id, reason: 'voided' },
            },
            tx,
          );
        }
        return id;
      });
      if (old === null) return false;
      await tell(subject, `rc:${old}:voided`, {
        subject: 'Your recovery codes were voided',
        text: 'The recovery codes of your account were voided and no longer work. If this was not you, tell your security team.',
      });
      return true;
    },

    status: (idp, subjectId) => liveSet(deps.store, idp, subjectId),

    async attempt(subject, caseId, typed) {
      const now = deps.now();
      const caseKey = `rc:case:${caseId}`;
      const subjectKey = `rc:subject:${subject.idp}:${subject.subjectId}`;
      // Case first, then subject, always in this order; a try refused by either uses up nothing.
      const refusedBy = await deps.store
        .transaction(async (tx) => {
          if (
            !(await takeSlot(
              tx,
              'recovery_code_limits',
              caseKey,
              options.attemptsPerCase,
              CASE_WINDOW_MS,
              now,
            ))
          )
            return caseKey;
          if (
            !(await takeSlot(
              tx,
              'recovery_code_limits',
              subjectKey,
              options.attemptsPerSubject,
              options.subjectWindowMs,
              now,
            ))
          ) {
            throw new SubjectLimited();
          }
          return null;
        })
        .catch((error: unknown) => {
          if (error instanceof SubjectLimited) return subjectKey;
          throw error;
        });
      if (refusedBy !== null) {
        await limited(subject, refusedBy, caseId);
        return 'limited';
      }
      const canonical = normalizeCode(typed, options.length);
      const candidates = await unusedCodes(deps.store, subject.idp, subject.subjectId);
      // Every candidate is hashed whatever matches, so the time taken says nothing about which code it was.
      const checks = await Promise.all(
        candidates.map((c) => (canonical === null ? Promise.resolve(false) : matchesHash(canonical, c.hash))),
      );
      const match = candidates.find((_, i) => checks[i] === true);
      if (match === undefined || !(await spend(deps.store, match.setId, match.idx, caseId, now))) {
        await deps.audit.append({
          type: 'recovery_codes.refused',
          caseId,
          actor: subject.subjectId,
          data: { idp: subject.idp, subjectId: subject.subjectId },
        });
        deps.metrics?.inc('recovery_code_attempts_total', { outcome: 'rejected' });
        return 'rejected';
      }
      const remaining = candidates.length - 1;
      await deps.audit.append({
        type: 'recovery_codes.used',
        caseId,
        actor: subject.subjectId,
        data: {
          idp: subject.idp,
          subjectId: subject.subjectId,
          setId: match.setId,
          index: match.idx,
          remaining,
        },
      });
      deps.metrics?.inc('recovery_code_attempts_total', { outcome: 'accepted' });
      await tell(subject, `rc:${match.setId}:${match.idx}:used`, {
        subject: 'A recovery code was used',
        text:
          `One of your recovery codes was used for an account recovery (case ${caseId}); ${remaining} left. ` +
          'If this was not you, tell your security team at once.',
      });
      return 'accepted';
    },
  };
}

/** Thrown inside the attempt transaction to roll back the case's slot when the subject's limit is reached. */
class SubjectLimited extends Error {}
