/**
 * A saved recovery code never counts alone for a privileged subject (NIST SP 800-63B-4 §4.2.1.1 codes are
 * a single factor kept on paper; an admin account is recovered on more than what one sheet can give). Both
 * kinds are codes: the gate's and the IdP's own together are still codes alone.
 * @module
 */

import type { IgnoredInput } from './decision-types.js';
import { type Evidence, isRecoveryCodeKind } from './evidence.js';
import type { Piece } from './pieces.js';
import type { SubjectFacts } from './port.js';
import type { Accept } from './satisfy.js';

/**
 * True when the subject is privileged: it holds or may activate an admin role, is in a protected unit, or
 * its admin roles cannot be read (unknown resolves to the riskier answer).
 */
export function isPrivilegedSubject(facts: SubjectFacts): boolean {
  if (facts.adminRoles === null || facts.adminRoles.length > 0) return true;
  if ((facts.adminRoleGrants ?? []).length > 0) return true;
  return facts.protectedUnit === true;
}

/** A way of satisfying a tier counts for a privileged subject only when it uses more than recovery codes. */
const notCodesAlone: Accept = (used) =>
  !used.some((piece) => isRecoveryCodeKind(piece.kind)) ||
  used.some((piece) => !isRecoveryCodeKind(piece.kind));

/** The search's final check for this subject, or undefined when none applies. */
export function loneCodeRule(facts: SubjectFacts, pieces: readonly Piece[]): Accept | undefined {
  return pieces.some((piece) => isRecoveryCodeKind(piece.kind)) && isPrivilegedSubject(facts)
    ? notCodesAlone
    : undefined;
}

/** The recovery codes that did not count because the tier would have rested on them alone. */
export function loneCodeFindings(
  evidence: readonly Evidence[],
  ignored: readonly IgnoredInput[],
): IgnoredInput[] {
  const already = new Set(ignored.filter((i) => i.source === 'evidence').map((i) => i.index));
  return evidence.flatMap((item, index) =>
    !isRecoveryCodeKind(item.kind) || already.has(index)
      ? []
      : [
          {
            code: 'RECOVERY_CODE_ALONE' as const,
            message: 'a saved recovery code never counts alone for a privileged subject',
            source: 'evidence' as const,
            index,
          },
        ],
  );
}
