/**
 * The per-endpoint fault suite: every endpoint an adapter reads subject facts from (taken from its own
 * requests in a control run, so a new read is covered without editing the test) answers 403, then 500, then
 * never answers, alone. Each outcome must be safe: the read fails as a whole (the case waits, nothing
 * executes), or the facts it returns give a class and tier no lower than the control run's and name what
 * they could not read. Facts that silently differ from the control run fail the suite.
 * @module
 */

import { describe, expect, it } from 'vitest';
import { baselinePolicy } from '../baseline.js';
import { classifySubject } from '../classify.js';
import { tierFor } from '../compile.js';
import { isGateError } from '../errors.js';
import type { RecoveryAction, RecoveryProvider, SubjectFacts } from '../port.js';
import { classesByRisk } from '../ranking.js';
import type { Policy } from '../schema/policy.js';

/** How one endpoint fails. */
export type EndpointFault = 'forbidden' | 'server_error' | 'timeout';

/** An adapter on its emulator behind a proxy that can fail one endpoint (exact method and path). */
export interface FactFaultRig {
  readonly adapter: RecoveryProvider;
  /** Makes requests to exactly this method and path fail this way, until {@link FactFaultRig.heal}. */
  fail(method: string, path: string, fault: EndpointFault): void;
  heal(): void;
  /** Requests the proxy saw, oldest first (method and path without the query). */
  requests(): readonly { readonly method: string; readonly path: string }[];
  close(): Promise<void>;
}

/** What {@link factFaultCases} runs. */
export interface FactFaultOptions {
  /** A name for the describe block. */
  readonly name: string;
  readonly start: () => Promise<FactFaultRig>;
  /** Subjects whose class a fault could lower: at least a privileged one and a contractor. */
  readonly subjects: readonly string[];
  /** Paths (regex) that are not fact reads (the token endpoint, say). */
  readonly ignore?: RegExp;
  /** @default baselinePolicy */
  readonly policy?: Policy;
  /** @default 'mfa_reset' */
  readonly action?: RecoveryAction;
}

const FAULTS: readonly EndpointFault[] = ['forbidden', 'server_error', 'timeout'];

/** The rank of the tier and the risk position of the class the policy gives these facts. */
function standing(policy: Policy, action: RecoveryAction, facts: SubjectFacts) {
  const { subjectClass } = classifySubject(policy, facts);
  const order = classesByRisk(policy);
  const tier = subjectClass === null ? null : tierFor(policy, action, subjectClass);
  return {
    subjectClass,
    tier,
    // classesByRisk lists the riskiest first: a smaller index is a riskier class.
    risk: subjectClass === null ? Number.POSITIVE_INFINITY : order.length - order.indexOf(subjectClass),
    rank: tier === null ? Number.POSITIVE_INFINITY : (policy.tiers[tier]?.rank ?? 0),
  };
}

const comparable = (facts: SubjectFacts) => ({ ...facts, readAt: '' });

/** Registers the per-endpoint fault cases. */
export function factFaultCases(options: FactFaultOptions): void {
  const policy = options.policy ?? baselinePolicy;
  const action = options.action ?? 'mfa_reset';
  describe(`${options.name}: every fact endpoint refused, failing or silent, alone`, () => {
    it.each(options.subjects)(
      '%s: no fault lowers the class or tier, or goes unnoticed',
      async (subject) => {
        const rig = await options.start();
        try {
          // A first read warms tokens and caches, so the control run is the reads every case makes.
          await rig.adapter.readSubjectFacts(subject);
          const from = rig.requests().length;
          const control = await rig.adapter.readSubjectFacts(subject);
          const endpoints = [
            ...new Set(
              rig
                .requests()
                .slice(from)
                .filter((r) => r.method === 'GET' && !options.ignore?.test(r.path))
                .map((r) => r.path),
            ),
          ];
          expect(endpoints.length, 'the control run read facts').toBeGreaterThan(3);
          const before = standing(policy, action, control);
          const outcomes: string[] = [];
          for (const path of endpoints) {
            for (const fault of FAULTS) {
              rig.heal();
              rig.fail('GET', path, fault);
              const label = `${fault} on GET ${path}`;
              let facts: SubjectFacts;
              try {
                facts = await rig.adapter.readSubjectFacts(subject);
              } catch (error) {
                // The whole read failed: the gate keeps the case pending and retries; nothing executes.
                expect(isGateError(error), `${label}: a typed error`).toBe(true);
                outcomes.push(`${label}: read failed`);
                continue;
              }
              const after = standing(policy, action, facts);
              expect(
                after.risk,
                `${label}: class ${after.subjectClass} vs ${before.subjectClass}`,
              ).toBeGreaterThanOrEqual(before.risk);
              expect(after.rank, `${label}: tier ${after.tier} vs ${before.tier}`).toBeGreaterThanOrEqual(
                before.rank,
              );
              const unchanged = JSON.stringify(comparable(facts)) === JSON.stringify(comparable(control));
              const noted = (facts.unreadable ?? []).length > 0;
              expect(unchanged || noted, `${label}: facts changed without naming what was unreadable`).toBe(
                true,
              );
              if (noted) expect(fault, `${label}: only a refusal leaves a fact unknown`).toBe('forbidden');
              outcomes.push(`${label}: ${unchanged ? 'not needed' : `${after.subjectClass}/${after.tier}`}`);
            }
          }
          rig.heal();
          expect(outcomes).toHaveLength(endpoints.length * FAULTS.length);
        } finally {
          await rig.close();
        }
      },
      // Each endpoint is read three times, one of them waiting out the adapter's request timeout.
      180_000,
    );
  });
}
