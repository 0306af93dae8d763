/**
 * Role membership read from the IdP: active, and in one of the named groups (case-insensitive).
 * @module
 */

import type { RecoveryProvider } from '@recovery-gate/core';

/** Whether `personId` is an active member of one of `groups`, per `provider`; false on any failure. */
export async function inGroups(
  provider: RecoveryProvider | undefined,
  personId: string,
  groups: readonly string[],
): Promise<boolean> {
  if (!provider) return false;
  try {
    const facts = await provider.readSubjectFacts(personId);
    const wanted = groups.map((g) => g.toLowerCase());
    return facts.status === 'active' && (facts.groups ?? []).some((g) => wanted.includes(g.toLowerCase()));
  } catch {
    return false;
  }
}
