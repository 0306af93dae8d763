/**
 * The case state machine: one recovery from request to a terminal state, as a pure reducer.
 * @module
 */

import { GateError } from './errors.js';

/** The states of a case. */
export type CaseState =
  | 'requested'
  | 'verifying'
  | 'held'
  | 'executing'
  | 'completed'
  | 'denied'
  | 'cancelled'
  | 'expired'
  | 'failed'
  /** A completed recovery its subject said was not them (SP 800-63B-4 repudiation). */
  | 'repudiated';

/** Every case state, in a stable order. */
export const CASE_STATES = [
  'requested',
  'verifying',
  'held',
  'executing',
  'completed',
  'denied',
  'cancelled',
  'expired',
  'failed',
  'repudiated',
] as const satisfies readonly CaseState[];

/**
 * States where the run is over. A terminal case accepts no event, with one exception: a completed
 * recovery can still be repudiated after the fact.
 */
export const TERMINAL_CASE_STATES = [
  'completed',
  'denied',
  'cancelled',
  'expired',
  'failed',
  'repudiated',
] as const satisfies readonly CaseState[];

/** The kinds of events that move a case. */
export type CaseEventType =
  /** Verification started (links sent, challenges pushed). */
  | 'begin_verification'
  /** Every requirement is met; the hold (possibly zero) starts. */
  | 'requirements_met'
  /** Requirements no longer hold during the hold (evidence went stale, an approval was withdrawn). */
  | 'requirements_lost'
  /** The hold ended and execution starts (directly from verifying when the tier has no hold). */
  | 'execute'
  /** Every execution step finished. */
  | 'complete'
  /** Policy or an approver denied it. */
  | 'deny'
  /** The subject ("this wasn't me"), the requester or security cancelled it. */
  | 'cancel'
  /** It was not satisfied in time. */
  | 'expire'
  /** Something broke that the gate cannot retry (an execution step, or reading the subject). */
  | 'fail'
  /** The subject says a completed recovery was not them ("this wasn't me" after it ran). */
  | 'repudiate';

/** Every case event type, in a stable order. */
export const CASE_EVENT_TYPES = [
  'begin_verification',
  'requirements_met',
  'requirements_lost',
  'execute',
  'complete',
  'deny',
  'cancel',
  'expire',
  'fail',
  'repudiate',
] as const satisfies readonly CaseEventType[];

/** An event that moves a case. */
export interface CaseEvent {
  readonly type: CaseEventType;
  /** Why, in words (for the audit record). */
  readonly reason?: string;
}

/** Every legal transition: state -> event type -> next state. Terminal states accept nothing but repudiation. */
export const CASE_TRANSITIONS: Readonly<
  Record<CaseState, Readonly<Partial<Record<CaseEventType, CaseState>>>>
> = {
  requested: {
    begin_verification: 'verifying',
    deny: 'denied',
    cancel: 'cancelled',
    expire: 'expired',
    fail: 'failed',
  },
  verifying: {
    requirements_met: 'held',
    execute: 'executing',
    deny: 'denied',
    cancel: 'cancelled',
    expire: 'expired',
    fail: 'failed',
  },
  held: {
    execute: 'executing',
    requirements_lost: 'verifying',
    deny: 'denied',
    cancel: 'cancelled',
    expire: 'expired',
    fail: 'failed',
  },
  // Once side effects have started, only completion or failure: a cancel mid-way would leave it half done.
  executing: { complete: 'completed', fail: 'failed' },
  // The run is over, but the subject may still say it was not them (SP 800-63B-4 §4.2.3 notice).
  completed: { repudiate: 'repudiated' },
  denied: {},
  cancelled: {},
  expired: {},
  failed: {},
  repudiated: {},
};

function lookup(state: CaseState, type: CaseEventType): CaseState | undefined {
  // Own properties only: input from storage or the wire must not reach Object.prototype.
  if (!Object.hasOwn(CASE_TRANSITIONS, state)) return undefined;
  const row = CASE_TRANSITIONS[state];
  return Object.hasOwn(row, type) ? row[type] : undefined;
}

/** True when `state` is terminal. */
export function isTerminalCaseState(state: CaseState): boolean {
  return (TERMINAL_CASE_STATES as readonly CaseState[]).includes(state);
}

/** True when `event` is legal in `state`. */
export function canTransitionCase(state: CaseState, event: CaseEvent | CaseEventType): boolean {
  const type = typeof event === 'string' ? event : event.type;
  return lookup(state, type) !== undefined;
}

/**
 * The state a case moves to from `state` on `event`.
 * @throws GateError `ERR_CASE_ILLEGAL_TRANSITION` when the event is not legal in that state.
 */
export function transitionCase(state: CaseState, event: CaseEvent | CaseEventType): CaseState {
  const type = typeof event === 'string' ? event : event.type;
  const next = lookup(state, type);
  if (next === undefined) {
    throw new GateError(
      'ERR_CASE_ILLEGAL_TRANSITION',
      `A case in state ${state} cannot take event ${type}.`,
      {
        details: { state, event: type },
      },
    );
  }
  return next;
}
