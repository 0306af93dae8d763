/**
 * Whether a tier cannot be met without a given evidence kind (so `validate` can refuse a tier that needs
 * identity verification when no provider is configured).
 * @module
 */

import type { EvidenceKind } from '../evidence.js';
import type { EvidenceExpr } from '../schema/evidence-expr.js';

function satisfiableWithout(expr: EvidenceExpr, kind: EvidenceKind): boolean {
  if (typeof expr === 'string') return expr !== kind;
  const ok = (e: EvidenceExpr) => satisfiableWithout(e, kind);
  if (expr.allOf !== undefined && !expr.allOf.every(ok)) return false;
  if (expr.anyOf !== undefined && !expr.anyOf.some(ok)) return false;
  if (expr.atLeast !== undefined && (expr.of ?? []).filter(ok).length < expr.atLeast) return false;
  return true;
}

/** True when no evidence without `kind` can meet `expr` (independence aside). */
export function evidenceRequires(expr: EvidenceExpr | undefined, kind: EvidenceKind): boolean {
  return expr !== undefined && !satisfiableWithout(expr, kind);
}
