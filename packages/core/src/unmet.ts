/**
 * Explanations of what a pending case still needs, with stable codes.
 * @module
 */

import type { CompiledTier, ReqNode } from './compile.js';
import type { Finding, UnmetCode } from './decision-types.js';
import type { Piece } from './pieces.js';
import { satisfies } from './satisfy.js';

/** A human description of a requirement tree, e.g. `at least 2 of (phone_otp, recovery_code) over independent channels`. */
export function describeRequirement(node: ReqNode): string {
  const list = (children: readonly ReqNode[]): string => children.map(describeRequirement).join(', ');
  const suffix = node.t !== 'leaf' && node.indep ? ' over independent channels' : '';
  switch (node.t) {
    case 'leaf':
      return node.kind;
    case 'all':
      return node.children.length === 1 && suffix === ''
        ? list(node.children)
        : `all of (${list(node.children)})${suffix}`;
    case 'any':
      return `one of (${list(node.children)})${suffix}`;
    case 'least':
      return `at least ${node.n} of (${list(node.children)})${suffix}`;
  }
}

function counted(pieces: readonly Piece[]): string {
  const kinds = [...new Set(pieces.map((piece) => piece.kind))].sort();
  return kinds.length === 0 ? 'nothing counts yet' : `counting so far: ${kinds.join(', ')}`;
}

/** What is missing for `tier`, given the pieces that count. */
export function explainUnmet(tier: CompiledTier, pieces: readonly Piece[]): Finding<UnmetCode>[] {
  const unmet: Finding<UnmetCode>[] = [];
  if (tier.evidence !== null && !satisfies(tier.evidence, pieces)) {
    unmet.push({
      code: 'EVIDENCE_MISSING',
      message: `needs ${describeRequirement(tier.evidence)}; ${counted(pieces)}`,
    });
  }
  for (const group of tier.approvals) {
    if (satisfies(group.node, pieces)) continue;
    const have = new Set(
      pieces
        .filter((piece) => group.node.t === 'all' && piece.kind === leafKind(group.node))
        .map((p) => p.person),
    ).size;
    const code: UnmetCode =
      group.role === 'break_glass_authorizer' ? 'AUTHORIZATION_MISSING' : 'APPROVAL_MISSING';
    unmet.push({
      code,
      message: `needs ${group.count} ${group.role} approval(s) from distinct people; ${have} counted`,
    });
  }
  if (unmet.length === 0) {
    unmet.push({
      code: 'APPROVAL_MISSING',
      message:
        'each requirement could be met alone but not together: one person counts once and independent ' +
        'evidence needs distinct channels',
    });
  }
  return unmet;
}

function leafKind(node: ReqNode): string | null {
  if (node.t === 'leaf') return node.kind;
  const first = node.children[0];
  return first === undefined ? null : leafKind(first);
}
