import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CASE_EVENT_TYPES,
  CASE_STATES,
  CASE_TRANSITIONS,
  type CaseState,
  canTransitionCase,
  isTerminalCaseState,
  TERMINAL_CASE_STATES,
  transitionCase,
} from './case.js';
import { isGateError } from './errors.js';

function codeOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    return isGateError(error) ? error.code : 'not a GateError';
  }
}

describe('transitionCase', () => {
  it('walks the happy path with a hold', () => {
    let state: CaseState = 'requested';
    for (const type of ['begin_verification', 'requirements_met', 'execute', 'complete'] as const) {
      state = transitionCase(state, { type });
    }
    expect(state).toBe('completed');
  });

  it('executes straight from verifying when the tier has no hold', () => {
    expect(transitionCase('verifying', 'execute')).toBe('executing');
  });

  it('returns to verifying when requirements are lost during the hold', () => {
    expect(transitionCase('held', 'requirements_lost')).toBe('verifying');
  });

  it.each([
    ['requested', 'deny', 'denied'],
    ['verifying', 'cancel', 'cancelled'],
    ['held', 'cancel', 'cancelled'],
    ['held', 'expire', 'expired'],
    ['executing', 'fail', 'failed'],
    ['completed', 'repudiate', 'repudiated'],
  ] as const)('%s --%s--> %s', (from, event, to) => {
    expect(transitionCase(from, event)).toBe(to);
  });

  it.each([
    ['requested', 'execute'],
    ['requested', 'complete'],
    ['verifying', 'complete'],
    ['executing', 'cancel'],
    ['executing', 'deny'],
    ['held', 'begin_verification'],
    ['executing', 'repudiate'],
    ['held', 'repudiate'],
    ['failed', 'repudiate'],
  ] as const)('refuses %s --%s with ERR_CASE_ILLEGAL_TRANSITION', (from, event) => {
    expect(codeOf(() => transitionCase(from, event))).toBe('ERR_CASE_ILLEGAL_TRANSITION');
    expect(canTransitionCase(from, event)).toBe(false);
  });

  it('accepts nothing in a terminal state but the repudiation of a completed recovery', () => {
    for (const state of TERMINAL_CASE_STATES) {
      expect(isTerminalCaseState(state)).toBe(true);
      for (const type of CASE_EVENT_TYPES) {
        if (state === 'completed' && type === 'repudiate') continue;
        expect(codeOf(() => transitionCase(state, { type }))).toBe('ERR_CASE_ILLEGAL_TRANSITION');
      }
    }
    expect(transitionCase('completed', 'repudiate')).toBe('repudiated');
  });

  it('matches the transition table for every state and event, and ignores prototype keys', () => {
    for (const state of CASE_STATES) {
      for (const type of CASE_EVENT_TYPES) {
        const next = CASE_TRANSITIONS[state][type];
        if (next === undefined) expect(canTransitionCase(state, type)).toBe(false);
        else expect(transitionCase(state, type)).toBe(next);
      }
    }
    expect(codeOf(() => transitionCase('requested', 'constructor' as never))).toBe(
      'ERR_CASE_ILLEGAL_TRANSITION',
    );
    expect(codeOf(() => transitionCase('toString' as never, 'execute'))).toBe('ERR_CASE_ILLEGAL_TRANSITION');
  });

  it('never leaves a terminal state on any event sequence, except completed -> repudiated', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CASE_EVENT_TYPES), { maxLength: 20 }), (events) => {
        let state: CaseState = 'requested';
        let terminalSeen = false;
        for (const type of events) {
          if (!canTransitionCase(state, type)) continue;
          const from = state;
          state = transitionCase(state, type);
          if (terminalSeen && !(from === 'completed' && state === 'repudiated')) {
            expect.unreachable('moved after a terminal state');
          }
          terminalSeen = isTerminalCaseState(state);
        }
      }),
    );
  });
});
