/**
 * Cross-field checks of a policy: what a per-field schema cannot see.
 * @module
 */

import type * as z from 'zod';
import { parseDuration } from '../duration.js';
import { RECOVERY_ACTIONS, type RecoveryAction } from '../port.js';
import { classesByRisk, tierStrictness } from '../ranking.js';
import { evidenceKindsIn } from './evidence-expr.js';
import type { SubjectClass } from './selector.js';
import {
  APPROVAL_MAX_AGE_CAP,
  BREAK_GLASS_WINDOW_CAP,
  CREDENTIAL_LIFETIME_CAP,
  EVIDENCE_MAX_AGE_CAP,
  HOLD_CAP,
  type Tier,
} from './tier.js';

/** The policy sections the checks read. */
export interface CheckablePolicy {
  readonly subjects: Readonly<Record<string, SubjectClass>>;
  readonly tiers: Readonly<Record<string, Tier>>;
  readonly matrix: Readonly<Partial<Record<RecoveryAction, Readonly<Record<string, string>> | undefined>>>;
}

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

function issue(ctx: Ctx, path: Path, message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

function atMost(ctx: Ctx, path: Path, value: string | undefined, cap: string, what: string): void {
  if (value !== undefined && parseDuration(value) > parseDuration(cap)) {
    issue(ctx, path, `${what} ${value} is over the hard cap of ${cap}, which no config can raise`);
  }
}

function checkTier(ctx: Ctx, name: string, tier: Tier): void {
  const at = (...rest: Path): Path => ['tiers', name, ...rest];
  atMost(
    ctx,
    at('credential', 'lifetime'),
    tier.credential.lifetime,
    CREDENTIAL_LIFETIME_CAP,
    'credential lifetime',
  );
  if (parseDuration(tier.credential.lifetime) < 60_000) {
    issue(ctx, at('credential', 'lifetime'), 'credential lifetime must be at least 1m');
  }
  atMost(
    ctx,
    at('freshness', 'evidenceMaxAge'),
    tier.freshness.evidenceMaxAge,
    EVIDENCE_MAX_AGE_CAP,
    'evidenceMaxAge',
  );
  atMost(
    ctx,
    at('freshness', 'approvalMaxAge'),
    tier.freshness.approvalMaxAge,
    APPROVAL_MAX_AGE_CAP,
    'approvalMaxAge',
  );
  atMost(ctx, at('hold', 'duration'), tier.hold?.duration, HOLD_CAP, 'hold');
  const breakGlass = tier.authorizers !== undefined;
  if (breakGlass !== (tier.window !== undefined)) {
    issue(
      ctx,
      at(breakGlass ? 'window' : 'authorizers'),
      'a break-glass tier needs both authorizers and window',
    );
  }
  atMost(ctx, at('window'), tier.window, BREAK_GLASS_WINDOW_CAP, 'break-glass window');
  if (breakGlass && tier.review === 'none') {
    issue(ctx, at('review'), 'a break-glass tier always has a post-event review; expected "required"');
  }
  const roles = tier.approvals.map((approval) => approval.role);
  roles.forEach((role, index) => {
    if (roles.indexOf(role) !== index) {
      issue(ctx, at('approvals', index, 'role'), `role ${role} is listed twice; use count instead`);
    }
    if (role === 'break_glass_authorizer' && !breakGlass) {
      issue(
        ctx,
        at('approvals', index, 'role'),
        'break_glass_authorizer approvals need a break-glass tier (authorizers)',
      );
    }
  });
  if (tier.idv !== undefined && !(tier.evidence ? evidenceKindsIn(tier.evidence) : []).includes('idv_ial2')) {
    issue(ctx, at('idv'), 'idv rules need a tier whose evidence names idv_ial2; add it or remove idv');
  }
  if (tier.evidence === undefined && tier.approvals.length === 0 && !breakGlass) {
    issue(
      ctx,
      at('evidence'),
      'a tier must require evidence or approvals; a tier that requires nothing is refused',
    );
  }
}

function checkRow(
  ctx: Ctx,
  policy: CheckablePolicy,
  action: RecoveryAction,
  row: Readonly<Record<string, string>>,
): void {
  const strictness = tierStrictness(policy);
  for (const [subject, tier] of Object.entries(row)) {
    if (subject !== '*' && policy.subjects[subject] === undefined) {
      issue(
        ctx,
        ['matrix', action, subject],
        `unknown subject class "${subject}"; expected one of subjects or "*"`,
      );
    }
    if (!strictness.has(tier)) {
      issue(
        ctx,
        ['matrix', action, subject],
        `ERR_POLICY_UNKNOWN_TIER: tier "${tier}" is not defined in tiers`,
      );
    }
  }
  const ordered = classesByRisk(policy);
  const tierOf = (subject: string): string | undefined => row[subject] ?? row['*'];
  for (const subject of ordered) {
    if (tierOf(subject) === undefined) {
      issue(
        ctx,
        ['matrix', action],
        `ERR_POLICY_NO_TIER: no tier for subject class "${subject}"; add it or "*"`,
      );
    }
  }
  for (let i = 0; i < ordered.length; i += 1) {
    for (let j = i + 1; j < ordered.length; j += 1) {
      const riskier = ordered[i] as string;
      const safer = ordered[j] as string;
      const high = strictness.get(tierOf(riskier) ?? '');
      const low = strictness.get(tierOf(safer) ?? '');
      if (high !== undefined && low !== undefined && high < low) {
        issue(
          ctx,
          ['matrix', action, riskier],
          `tier ${tierOf(riskier)} is less strict than ${tierOf(safer)}, given to the less risky class ` +
            `"${safer}"; a riskier subject never gets a lower tier (reorder subjects, set risk, or set tier rank)`,
        );
      }
    }
  }
}

/** Runs the cross-field checks of a policy, adding an issue (with its path) for each problem. */
export function checkPolicy(policy: CheckablePolicy, ctx: Ctx): void {
  for (const [name, tier] of Object.entries(policy.tiers)) checkTier(ctx, name, tier);
  for (const action of RECOVERY_ACTIONS) {
    const row = policy.matrix[action];
    if (row !== undefined) checkRow(ctx, policy, action, row);
  }
  const risks = Object.values(policy.subjects).map((subject) => subject.risk);
  if (risks.some((risk) => risk === undefined) && risks.some((risk) => risk !== undefined)) {
    issue(ctx, ['subjects'], 'give risk on every subject class or on none');
  }
}
