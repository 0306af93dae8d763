/**
 * How subject classes rank by risk and tiers by strictness.
 * @module
 */

/** The parts of a policy the rankings read. */
export interface RankablePolicy {
  readonly subjects: Readonly<Record<string, { readonly risk?: number | undefined }>>;
  readonly tiers: Readonly<Record<string, { readonly rank?: number | undefined }>>;
}

/**
 * The risk of each subject class: its `risk`, or by declaration order (first declared is riskiest).
 * Ties keep declaration order: the earlier class is treated as riskier.
 */
export function classRisks(policy: RankablePolicy): ReadonlyMap<string, number> {
  const names = Object.keys(policy.subjects);
  return new Map(names.map((name, index) => [name, policy.subjects[name]?.risk ?? names.length - 1 - index]));
}

/** Subject class names ordered riskiest first (ties: declaration order). */
export function classesByRisk(policy: RankablePolicy): readonly string[] {
  const risks = classRisks(policy);
  const names = Object.keys(policy.subjects);
  return names
    .map((name, index) => ({ name, index, risk: risks.get(name) ?? 0 }))
    .sort((a, b) => b.risk - a.risk || a.index - b.index)
    .map((entry) => entry.name);
}

/** The strictness of each tier: its `rank`, or its declaration index (later tiers are stricter). */
export function tierStrictness(policy: RankablePolicy): ReadonlyMap<string, number> {
  return new Map(Object.keys(policy.tiers).map((name, index) => [name, policy.tiers[name]?.rank ?? index]));
}
