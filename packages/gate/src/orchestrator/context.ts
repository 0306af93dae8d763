/**
 * The engine's shared context: dependencies, provider lookup, audit + state transitions, notifications.
 * @module
 */

import {
  type CaseEventType,
  GateError,
  type IdpKind,
  isTerminalCaseState,
  type RecoveryProvider,
  transitionCase,
} from '@recovery-gate/core';
import type { AuditEntry, Notification, OrchestratorDeps, Queryable } from '../types.js';
import { effectsDueAt } from './effects.js';
import type { CaseRecord, CaseStateName, PolicyEngine } from './model.js';
import { type CasePatch, patchCase } from './repo.js';

/** Test and tuning knobs of the engine. */
export interface EngineOptions {
  /** How many times a failing IdP step is retried before the case fails. @default 6 */
  readonly maxStepAttempts?: number;
  /** Base of the exponential back-off between step retries, in ms. @default 5000 */
  readonly retryBaseMs?: number;
  /** Lifetime of verification / approval links, in seconds. @default 86400 */
  readonly linkTtlSeconds?: number;
  /** IdP actor ids that are the gate itself (its service app / client); their native events are not bypasses. */
  readonly gateActorIds?: readonly string[];
  /** Test seam: called after each step's side effect and before it is journaled done (throw to simulate a crash). */
  readonly onSideEffect?: (caseId: string, step: string) => void;
}

type Tuning = Required<Omit<EngineOptions, 'onSideEffect'>> & Pick<EngineOptions, 'onSideEffect'>;

/** What every engine function receives. */
export interface Ctx {
  readonly deps: OrchestratorDeps;
  readonly policy: PolicyEngine;
  readonly options: Tuning;
  provider(idp: IdpKind): RecoveryProvider;
  now(): Date;
}

/** Builds the context. */
export function createCtx(deps: OrchestratorDeps, policy: PolicyEngine, options: EngineOptions = {}): Ctx {
  return {
    deps,
    policy,
    options: {
      maxStepAttempts: options.maxStepAttempts ?? 6,
      retryBaseMs: options.retryBaseMs ?? 5000,
      linkTtlSeconds: options.linkTtlSeconds ?? 86_400,
      gateActorIds: options.gateActorIds ?? [],
      ...(options.onSideEffect ? { onSideEffect: options.onSideEffect } : {}),
    },
    provider(idp) {
      const provider = deps.providers.get(idp);
      if (!provider) throw new GateError('ERR_INPUT_INVALID', `No provider is configured for ${idp}.`);
      return provider;
    },
    now: () => deps.now(),
  };
}

/**
 * Moves a case by `event` (core's state machine) inside `tx`, appending the transition to the audit chain.
 * `input.set` holds other columns to write in the same UPDATE (the transition's own columns win).
 * @throws GateError ERR_CASE_ILLEGAL_TRANSITION
 */
export async function transition(
  ctx: Ctx,
  tx: Queryable,
  c: CaseRecord,
  event: CaseEventType,
  input: {
    readonly actor: string;
    readonly reason?: string | null;
    readonly data?: Record<string, unknown>;
    readonly set?: CasePatch;
    /** An audit record that comes before the transition's own in the chain (e.g. the decision it acts on). */
    readonly auditFirst?: AuditEntry;
  },
): Promise<CaseStateName> {
  const to = transitionCase(c.state, { type: event, ...(input.reason ? { reason: input.reason } : {}) });
  const now = ctx.now();
  // Repudiating a completed case keeps its completion time and its outcome in the metrics.
  const terminal = isTerminalCaseState(to) && !isTerminalCaseState(c.state);
  const owed = effectsDueAt(c.kind, to, now);
  await patchCase(
    tx,
    c.id,
    {
      ...input.set,
      state: to,
      nextAttemptAt: now.toISOString(),
      attempts: 0,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
      ...(terminal ? { completedAt: now.toISOString() } : {}),
      // Recorded with the transition, so a crash before the effects ran cannot lose them.
      ...(owed === undefined ? {} : { effectsDueAt: owed }),
    },
    now,
  );
  if (input.auditFirst !== undefined) await ctx.deps.audit.append(input.auditFirst, tx);
  await ctx.deps.audit.append(
    {
      type: `case.${to}`,
      caseId: c.id,
      actor: input.actor,
      data: { from: c.state, to, event, reason: input.reason ?? null, ...(input.data ?? {}) },
    },
    tx,
  );
  if (terminal && c.kind === 'recovery') {
    ctx.deps.metrics.inc('recovery_cases_total', { idp: c.idp, tier: c.tier ?? 'none', outcome: to });
    const family =
      to === 'denied' ? 'recovery_denials_total' : to === 'cancelled' ? 'recovery_cancellations_total' : null;
    if (family)
      ctx.deps.metrics.inc(family, { idp: c.idp, reason: reasonCode(input.reason ?? 'unspecified') });
  }
  return to;
}

// The reasons the gate itself writes, and core's deny codes: metric labels stay a small closed set.
const REASON_LABEL =
  /^(?:subject|request_withdrawn|device_challenge_rejected|credential_not_collected|not_satisfied_in_time|denied_by_[a-z_]{3,30}|[a-z_]{3,30}_failed)$/;
const DENY_CODES: ReadonlySet<string> = new Set([
  'FACTS_UNREADABLE',
  'SUBJECT_MISMATCH',
  'REQUEST_INVALID',
  'ACCOUNT_INACTIVE',
  'NO_SUBJECT_CLASS',
  'NO_TIER',
  'SPONSOR_MISSING',
  'MANAGER_MISSING',
  'CONTRACT_EXPIRED',
  'CONTRACT_UNKNOWN',
  'REQUESTER_IS_SUBJECT',
  'REQUESTER_UNKNOWN',
  'APPROVAL_DENIED',
  'BREAK_GLASS_WINDOW_CLOSED',
  'IDP_REFUSES',
]);

/**
 * A metric label for a reason: the code before the first colon or semicolon when it is one the gate writes
 * (or a core deny code), else `other`, so free text (a canceller's words) never becomes a label.
 */
export function reasonCode(reason: string): string {
  const code = (reason.split(/[:;]/)[0] ?? reason).trim();
  return REASON_LABEL.test(code) || DENY_CODES.has(code) ? code : 'other';
}

/** Sends a notification, logging (not throwing) on failure: the idempotency key makes a retry safe. */
export async function notify(ctx: Ctx, n: Notification): Promise<boolean> {
  try {
    await ctx.deps.notifier.send(n);
    return true;
  } catch (error) {
    ctx.deps.logger.warn('notification failed', {
      key: n.idempotencyKey,
      error: error instanceof Error ? error.message : 'unknown',
    });
    return false;
  }
}

/** Alerts the security team. */
export function alertSecurity(ctx: Ctx, key: string, subject: string, text: string): Promise<boolean> {
  return notify(ctx, { to: { kind: 'security' }, subject, text, idempotencyKey: key });
}

/** A short message for logs and journal from an unknown error (never a secret: GateError messages are safe). */
export function errorText(error: unknown): string {
  if (error instanceof GateError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.name : 'unknown error';
}
