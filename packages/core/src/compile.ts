/**
 * Policy compilation: durations parsed, requirement trees built and the risk order computed once per
 * policy object (cached in a WeakMap), so that `decide` stays fast.
 * @module
 */

import { parseDuration } from './duration.js';
import { APPROVAL_EVIDENCE_KIND, type ApprovalRole, type EvidenceKind } from './evidence.js';
import type { RecoveryAction } from './port.js';
import { classesByRisk } from './ranking.js';
import type { EvidenceExpr } from './schema/evidence-expr.js';
import type { Policy } from './schema/policy.js';
import type { Tier } from './schema/tier.js';

/** What a countable piece proves: an evidence kind, or a break-glass authorization. */
export type PieceKind = EvidenceKind | 'break_glass_authorization';

/** A requirement tree node: leaves take one piece of a kind; inner nodes combine. */
export type ReqNode =
  | { readonly t: 'leaf'; readonly kind: PieceKind }
  | { readonly t: 'all' | 'any'; readonly children: readonly ReqNode[]; readonly indep: boolean }
  | {
      readonly t: 'least';
      readonly n: number;
      readonly children: readonly ReqNode[];
      readonly indep: boolean;
    };

/** One approval requirement with its own subtree (for explaining what is missing). */
export interface ApprovalGroup {
  readonly role: ApprovalRole;
  readonly count: number;
  readonly node: ReqNode;
}

/** A tier with everything `decide` needs precomputed. */
export interface CompiledTier {
  readonly name: string;
  readonly tier: Tier;
  readonly breakGlass: boolean;
  readonly evidenceMaxAgeMs: number;
  readonly approvalMaxAgeMs: number;
  readonly channelMinAgeMs: number;
  readonly authenticatorMinAgeMs: number;
  readonly holdMs: number;
  readonly windowMs: number | null;
  readonly lifetimeSeconds: number;
  /** The evidence expression alone; null when the tier names none. */
  readonly evidence: ReqNode | null;
  readonly approvals: readonly ApprovalGroup[];
  /** Evidence and every approval together: what must hold at once, each person counting once. */
  readonly requirement: ReqNode;
  /** Break-glass authorizers named as people (group authorizers are checked by the gate). */
  readonly authorizerIds: ReadonlySet<string>;
  readonly authorizerGroups: boolean;
}

/** A policy with its tiers compiled and its classes in risk order. */
export interface CompiledPolicy {
  readonly policy: Policy;
  readonly classOrder: readonly string[];
  readonly tiers: ReadonlyMap<string, CompiledTier>;
}

function exprNode(expr: EvidenceExpr): ReqNode {
  if (typeof expr === 'string') return { t: 'leaf', kind: expr };
  const indep = expr.independentChannels === true;
  const parts: ReqNode[] = [];
  if (expr.allOf !== undefined) parts.push({ t: 'all', children: expr.allOf.map(exprNode), indep: false });
  if (expr.anyOf !== undefined) parts.push({ t: 'any', children: expr.anyOf.map(exprNode), indep: false });
  if (expr.atLeast !== undefined && expr.of !== undefined) {
    parts.push({ t: 'least', n: expr.atLeast, children: expr.of.map(exprNode), indep: false });
  }
  return parts.length === 1 && !indep && parts[0] !== undefined
    ? parts[0]
    : { t: 'all', children: parts, indep };
}

function approvalGroups(tier: Tier, breakGlass: boolean): ApprovalGroup[] {
  const listed = [...tier.approvals];
  if (breakGlass && !listed.some((approval) => approval.role === 'break_glass_authorizer')) {
    listed.push({ role: 'break_glass_authorizer', count: 1 });
  }
  return listed.map(({ role, count }) => {
    const kind: PieceKind = APPROVAL_EVIDENCE_KIND[role] ?? 'break_glass_authorization';
    const leaves = Array.from({ length: count }, (): ReqNode => ({ t: 'leaf', kind }));
    return { role, count, node: { t: 'all', children: leaves, indep: false } };
  });
}

function compileTier(name: string, tier: Tier): CompiledTier {
  const breakGlass = tier.authorizers !== undefined;
  const evidence = tier.evidence === undefined ? null : exprNode(tier.evidence);
  const approvals = approvalGroups(tier, breakGlass);
  const children = [...(evidence === null ? [] : [evidence]), ...approvals.map((group) => group.node)];
  const authorizers = tier.authorizers ?? [];
  return {
    name,
    tier,
    breakGlass,
    evidenceMaxAgeMs: parseDuration(tier.freshness.evidenceMaxAge),
    approvalMaxAgeMs: parseDuration(tier.freshness.approvalMaxAge),
    channelMinAgeMs: parseDuration(tier.freshness.channelMinAge),
    authenticatorMinAgeMs: parseDuration(tier.freshness.authenticatorMinAge),
    holdMs: tier.hold === undefined ? 0 : parseDuration(tier.hold.duration),
    windowMs: tier.window === undefined ? null : parseDuration(tier.window),
    lifetimeSeconds: Math.floor(parseDuration(tier.credential.lifetime) / 1000),
    evidence,
    approvals,
    requirement: { t: 'all', children, indep: false },
    authorizerIds: new Set(authorizers.flatMap((entry) => ('person' in entry ? [entry.person] : []))),
    authorizerGroups: authorizers.some((entry) => 'group' in entry),
  };
}

const cache = new WeakMap<Policy, CompiledPolicy>();

/** Compiles a policy once; later calls with the same object return the cached result. */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const cached = cache.get(policy);
  if (cached !== undefined) return cached;
  const compiled: CompiledPolicy = {
    policy,
    classOrder: classesByRisk(policy),
    tiers: new Map(Object.entries(policy.tiers).map(([name, tier]) => [name, compileTier(name, tier)])),
  };
  cache.set(policy, compiled);
  return compiled;
}

/** The tier name for an action and subject class (`*` covers classes not named); null when none. */
export function tierFor(policy: Policy, action: RecoveryAction, subjectClass: string): string | null {
  const row = policy.matrix[action];
  if (row === undefined) return null;
  if (Object.hasOwn(row, subjectClass)) return row[subjectClass] ?? null;
  return Object.hasOwn(row, '*') ? (row['*'] ?? null) : null;
}
