/**
 * Subject classification: the riskiest subject class that matches, or may match when facts are unknown.
 * @module
 */

import type { Classification } from './decision-types.js';
import type { SubjectFacts } from './port.js';
import { classesByRisk } from './ranking.js';
import type { Policy } from './schema/policy.js';
import type { Selector } from './schema/selector.js';

/** A three-valued match: unknown facts give `maybe`, never `no`. */
export type Match = 'yes' | 'no' | 'maybe';

const fold = (value: string): string => value.toLowerCase();

function attributeMatch(
  wanted: Readonly<Record<string, string | readonly string[]>>,
  facts: SubjectFacts,
  unknown: Set<string>,
): Match {
  let result: Match = 'yes';
  for (const [key, expected] of Object.entries(wanted)) {
    // An absent attribute is "not set" (the adapter read the profile); a null one is unknown.
    if (!Object.hasOwn(facts.attributes, key)) return 'no';
    const actual = facts.attributes[key];
    if (actual === null || actual === undefined) {
      unknown.add(`attributes.${key}`);
      result = 'maybe';
      continue;
    }
    const accepted = typeof expected === 'string' ? [expected] : expected;
    if (!accepted.some((value) => fold(value) === fold(actual))) return 'no';
  }
  return result;
}

function listMatch(
  list: readonly string[] | null,
  wanted: string,
  name: string,
  unknown: Set<string>,
): Match {
  if (list === null) {
    unknown.add(name);
    return 'maybe';
  }
  if (wanted === '*') return list.length > 0 ? 'yes' : 'no';
  const target = fold(wanted);
  return list.some((item) => fold(item) === target) ? 'yes' : 'no';
}

function combine(results: readonly Match[], mode: 'any' | 'all'): Match {
  const decisive = mode === 'any' ? 'yes' : 'no';
  if (results.includes(decisive)) return decisive;
  if (results.includes('maybe')) return 'maybe';
  return mode === 'any' ? 'no' : 'yes';
}

/** Evaluates a selector over facts; null facts make every non-`always` selector `maybe`. */
export function matchSelector(selector: Selector, facts: SubjectFacts | null, unknown: Set<string>): Match {
  if (selector === 'always') return 'yes';
  if (facts === null) {
    unknown.add('facts');
    return 'maybe';
  }
  if ('group' in selector) return listMatch(facts.groups, selector.group, 'groups', unknown);
  if ('adminRole' in selector) return listMatch(facts.adminRoles, selector.adminRole, 'adminRoles', unknown);
  if ('attribute' in selector) return attributeMatch(selector.attribute, facts, unknown);
  if ('anyOf' in selector)
    return combine(
      selector.anyOf.map((s) => matchSelector(s, facts, unknown)),
      'any',
    );
  return combine(
    selector.allOf.map((s) => matchSelector(s, facts, unknown)),
    'all',
  );
}

/**
 * Classifies a subject: the riskiest class that matches or may match (unknown facts never lower the
 * class). Null facts (unreadable) make every class a candidate, so the riskiest one is chosen.
 */
export function classifySubject(policy: Policy, facts: SubjectFacts | null): Classification {
  return classifyOrdered(policy, classesByRisk(policy), facts);
}

/** {@link classifySubject} with the risk order precomputed. */
export function classifyOrdered(
  policy: Policy,
  ordered: readonly string[],
  facts: SubjectFacts | null,
): Classification {
  const unknown = new Set<string>();
  const candidates: string[] = [];
  let certain = true;
  for (const name of ordered) {
    const subject = policy.subjects[name];
    if (subject === undefined) continue;
    const match = matchSelector(subject.match, facts, unknown);
    if (match === 'no') continue;
    if (candidates.length === 0 && match === 'maybe') certain = false;
    candidates.push(name);
  }
  return {
    subjectClass: candidates[0] ?? null,
    certain: candidates.length > 0 && certain,
    unknownFacts: [...unknown].sort(),
    candidates,
  };
}
